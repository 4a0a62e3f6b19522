"""The class page: who can open which class, and what it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.classes import services as classes
from strides.pupils import services as pupils
from strides.pupils.models import Enrolment, Pupil
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def class_url(group) -> str:
    return reverse("classes:class_detail", kwargs={"group_id": group.pk})


def test_teacher_opens_their_class_with_tags(cast, client_for):
    pupils.change_characteristics(None, cast.ava, {"eal": True}, effective=cast.today)
    response = client_for(cast.teacher).get(class_url(cast.class_3t))
    assert response.status_code == 200
    page = response.content.decode()
    assert "3T" in page and "Northfield Primary" in page
    assert "Archer, Ava" in page and reverse("pupils:profile", kwargs={"pupil_id": cast.ava.pk}) in page
    assert "Year 3" in page
    assert "FSM, PP" in page  # Ava: FSM and so pupil premium
    assert 'tag--eal">EAL' in page
    assert "Tom Teacher" in page and "Tara Assistant" in page
    assert cast.ava.upn not in page


def test_sen_tag_shows_on_the_class_page(cast, client_for):
    page = client_for(cast.head).get(class_url(cast.class_3b)).content.decode()
    assert "Baker, Ben" in page and 'tag--sen">SEN support' in page


@pytest.mark.parametrize(
    "who", ["admin", "analyst", "eap", "head", "senior", "senco", "subject_leader", "teacher", "ta"]
)
def test_who_can_open_class_3t(cast, client_for, who):
    assert client_for(cast.users[who]).get(class_url(cast.class_3t)).status_code == 200


@pytest.mark.parametrize("who", ["other_teacher", "placing"])
def test_another_schools_user_gets_404_on_class_3t(cast, client_for, who):
    response = client_for(cast.users[who]).get(class_url(cast.class_3t))
    assert response.status_code == 404
    assert "Archer" not in response.content.decode()


def test_teacher_gets_404_on_a_colleagues_class_in_their_own_school(cast, client_for):
    assert client_for(cast.teacher).get(class_url(cast.class_3b)).status_code == 404


@pytest.mark.parametrize("who", ["governor", "director", "parent"])
def test_roles_without_named_pupils_never_open_a_class(cast, client_for, who):
    response = client_for(cast.users[who]).get(class_url(cast.class_3t))
    assert response.status_code in (403, 404)
    assert "Archer" not in response.content.decode()


def test_missing_class_is_404(cast, client_for):
    assert client_for(cast.admin).get("/classes/999999/").status_code == 404


def test_a_pupil_who_left_is_marked(cast, client_for):
    enrolment = Enrolment.objects.get(pupil=cast.ava, school=cast.north)
    pupils.end_enrolment(None, enrolment, cast.today - dt.timedelta(days=1), "transfer")
    page = client_for(cast.head).get(class_url(cast.class_3t)).content.decode()
    assert "Archer, Ava" in page and ">Left<" in page


def test_an_empty_class_says_so(cast, client_for):
    empty = classes.create_group(None, cast.north, cast.year, "3E", nc_year=3)
    page = client_for(cast.head).get(class_url(empty)).content.decode()
    assert "No pupils are in this class yet" in page


def test_class_page_query_count_does_not_grow_with_pupils(cast, client_for, django_assert_max_num_queries):
    records = [
        pupils.PupilRecord(
            upn=make_upn(801, 2001, 24, serial),
            legal_forename="Class",
            legal_surname=f"Member{serial:02d}",
            date_of_birth=dt.date(cast.today.year - 8, 1, 1),
            sex="M",
            characteristics={"nc_year": 3, "sen_provision": "K", "primary_need": "MLD"},
            enrolment_start=cast.year.starts_on,
        )
        for serial in range(30)
    ]
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    classes.set_pupils(None, cast.class_3t, [cast.ava, *Pupil.objects.filter(legal_forename="Class")])
    extra = accounts.create_user(None, "cover", password=cast.password, validate=False)
    accounts.grant_role(None, extra, Role.TEACHER, cast.trust, cast.north)
    classes.assign_staff(None, cast.class_3t, extra)
    for who in ("teacher", "admin"):
        client = client_for(cast.users[who])
        with django_assert_max_num_queries(13):  # 12, and the drops open for recording
            response = client.get(class_url(cast.class_3t))
        assert response.status_code == 200
        assert "31 pupils" in response.content.decode()


# --- links to the class's grid ---------------------------------------------------------------


def make_drop(cast, name, schools, **extra):
    from strides.assessment.services import create_drop

    year = cast.year
    return create_drop(
        cast.analyst,
        cast.trust,
        year,
        name=name,
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=100),
        schools=schools,
        **extra,
    )


def grid_url(drop, group) -> str:
    return reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": group.pk})


def test_a_teacher_gets_a_record_link_for_each_open_drop_of_the_school(cast, client_for):
    from strides.assessment.models import DropSchool, DropStatus
    from strides.assessment.services import transition

    autumn = make_drop(cast, "Autumn", [cast.north, cast.river])
    spring = make_drop(cast, "Spring", [cast.north])
    river_only = make_drop(cast, "River baseline", [cast.river])
    other_years = make_drop(cast, "Year 5 check", [cast.north], nc_years=[5])
    teacher = client_for(cast.teacher)
    page = teacher.get(class_url(cast.class_3t)).content.decode()
    assert page.count("Record assessments: ") == 2
    assert f'href="{grid_url(autumn, cast.class_3t)}">Record assessments: Autumn</a>' in page
    assert f'href="{grid_url(spring, cast.class_3t)}">Record assessments: Spring</a>' in page
    assert grid_url(river_only, cast.class_3t) not in page  # not this school's drop
    assert grid_url(other_years, cast.class_3t) not in page  # not this class's year group
    # the link opens the grid
    assert teacher.get(grid_url(autumn, cast.class_3t)).status_code == 200
    # once the head has submitted a drop, teachers can no longer record in it: no link
    transition(cast.head, DropSchool.objects.get(drop=spring, school=cast.north), DropStatus.SUBMITTED)
    page = teacher.get(class_url(cast.class_3t)).content.decode()
    assert page.count("Record assessments: ") == 1 and grid_url(spring, cast.class_3t) not in page


def test_no_record_link_for_roles_that_do_not_record(cast, client_for):
    make_drop(cast, "Autumn", [cast.north])
    # the partner reads the class, but records no judgements
    response = client_for(cast.eap).get(class_url(cast.class_3t))
    assert response.status_code == 200 and "Archer, Ava" in response.content.decode()
    assert "Record assessments" not in response.content.decode()
    # a governor sees aggregates only: no class page, no link
    response = client_for(cast.governor).get(class_url(cast.class_3t))
    assert response.status_code in (403, 404) and "Record assessments" not in response.content.decode()
    # and another school's teacher gets 404 for the class and its grid alike
    response = client_for(cast.other_teacher).get(class_url(cast.class_3t))
    assert response.status_code == 404 and "Record assessments" not in response.content.decode()
