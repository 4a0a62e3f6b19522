"""The trust overview and the school page, for every role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.organisations import services as organisations
from strides.organisations.models import Region
from strides.pupils import services as pupils
from strides.pupils.census_codes import RegistrationType
from strides.pupils.models import Pupil
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def school_url(school, **params) -> str:
    url = reverse("organisations:school_detail", kwargs={"urn": school.urn})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def get(client_for, user, url, status=200) -> str:
    response = client_for(user).get(url)
    assert response.status_code == status, (user, url, response.status_code)
    return response.content.decode()


# --- /schools/ ------------------------------------------------------------------------------


def test_trust_overview_lists_the_schools_each_user_can_open(cast, client_for):
    page = get(client_for, cast.analyst, reverse("organisations:school_list"))
    assert "4 schools" in page
    assert all(s.name in page for s in (cast.north, cast.river, cast.oak, cast.bridge))
    assert cast.hillside.name not in page

    page = get(client_for, cast.eap, reverse("organisations:school_list"))
    assert "1 school" in page and cast.north.name in page and cast.river.name not in page

    page = get(client_for, cast.other_teacher, reverse("organisations:school_list"))
    assert cast.river.name in page and cast.north.name not in page


def test_trust_overview_suppresses_small_rolls_for_aggregate_roles(cast, client_for):
    page = get(client_for, cast.director, reverse("organisations:school_list"))
    assert "fewer than 6" in page
    page = get(client_for, cast.analyst, reverse("organisations:school_list"))
    assert "fewer than 6" not in page


def test_trust_overview_filters_by_name_region_and_type(cast, client_for):
    north_region = Region.objects.create(trust=cast.trust, name="North")
    organisations.update_school(None, cast.north, region=north_region)
    url = reverse("organisations:school_list")
    page = get(client_for, cast.analyst, f"{url}?region={north_region.pk}")
    assert "1 school" in page and cast.north.name in page and cast.river.name not in page
    page = get(client_for, cast.analyst, f"{url}?school_type=special")
    assert cast.oak.name in page and cast.north.name not in page
    page = get(client_for, cast.analyst, f"{url}?name=river")
    assert cast.river.name in page and cast.oak.name not in page
    page = get(client_for, cast.analyst, f"{url}?name=nowhere")
    assert "No school matches these filters" in page


def test_the_filters_show_whenever_there_is_more_than_one_school(cast, client_for):
    """The admin home offers "all schools, with filters by region and type": the filters are
    there before any is used."""
    page = get(client_for, cast.admin, reverse("web:home"))
    assert "with filters by region and type" in page
    page = get(client_for, cast.analyst, reverse("organisations:school_list"))
    assert 'aria-label="Filter schools"' in page
    assert 'name="region"' in page and 'name="school_type"' in page
    page = get(client_for, cast.eap, reverse("organisations:school_list"))  # one school: nothing to filter
    assert 'aria-label="Filter schools"' not in page


def test_users_with_no_school_get_an_explanation(cast, client_for):
    page = get(client_for, cast.parent, reverse("organisations:school_list"))
    assert "There are no schools for you to open" in page


def test_trust_overview_query_count_is_pinned(cast, client_for, django_assert_max_num_queries):
    for n in range(15):
        organisations.create_school(
            None,
            cast.trust,
            name=f"Extra {n}",
            urn=f"3000{n:02d}",
            la_code="805",
            establishment_number=f"{2000 + n}",
            school_type="primary",
            phase="primary",
        )
    client = client_for(cast.analyst)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("organisations:school_list")).status_code == 200


# --- /schools/<urn>/ ------------------------------------------------------------------------


def test_school_staff_see_roll_groups_classes_and_pupils(cast, client_for):
    for user in (cast.admin, cast.analyst, cast.eap, cast.head, cast.senior, cast.senco, cast.subject_leader):
        page = get(client_for, user, school_url(cast.north))
        assert "On roll by NC year" in page and "Year 3" in page
        assert "SEN support" in page and "50% of 2" in page
        assert reverse("classes:class_detail", kwargs={"group_id": cast.class_3t.pk}) in page
        assert reverse("classes:class_detail", kwargs={"group_id": cast.class_3b.pk}) in page
        assert "Archer, Ava" in page and "Baker, Ben" in page
        assert cast.ava.upn not in page  # UPNs only on the pupil's own page


def test_teacher_sees_the_pupils_of_their_own_classes_only(cast, client_for):
    for user in (cast.teacher, cast.ta):
        page = get(client_for, user, school_url(cast.north))
        assert "Pupils in your classes" in page
        assert "Archer, Ava" in page
        assert "Baker" not in page
        assert reverse("classes:class_detail", kwargs={"group_id": cast.class_3b.pk}) not in page


def test_governor_and_director_see_counts_and_never_a_name(cast, client_for):
    for user in (cast.governor, cast.director):
        page = get(client_for, user, school_url(cast.north))
        assert "On roll by NC year" in page and "fewer than 6" in page
        for pupil in Pupil.objects.all():
            assert pupil.legal_forename not in page and pupil.legal_surname not in page
            assert pupil.upn not in page
        assert "/pupils/" not in page.split("<main", 1)[1]
        assert "/classes/" not in page


def test_governor_sees_numbers_once_groups_are_big_enough(cast, client_for):
    records = [
        pupils.PupilRecord(
            upn=make_upn(801, 2001, 21, serial),
            legal_forename=f"Extra{serial}",
            legal_surname="Pupil",
            date_of_birth=dt.date(cast.today.year - 8, 1, 1),
            sex="F",
            characteristics={"nc_year": 3},
            enrolment_start=cast.year.starts_on,
        )
        for serial in range(10, 16)
    ]
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    page = get(client_for, cast.governor, school_url(cast.north))
    assert ">8</td>" in page.replace(" ", "")  # Year 3: Ava, Ben and six more
    assert "Extra10" not in page


@pytest.mark.parametrize("who", ["other_teacher", "placing", "parent"])
def test_another_schools_user_gets_404_on_the_school_page(cast, client_for, who):
    page = get(client_for, cast.users[who], school_url(cast.north), status=404)
    assert "Northfield" not in page


def test_governor_gets_404_on_another_school(cast, client_for):
    get(client_for, cast.governor, school_url(cast.river), status=404)
    get(client_for, cast.eap, school_url(cast.river), status=404)


def test_unknown_and_outside_schools_are_404(cast, client_for):
    get(client_for, cast.admin, school_url(cast.hillside), status=404)
    get(client_for, cast.admin, "/schools/999999/", status=404)
    get(client_for, cast.admin, "/schools/not-a-urn/", status=404)


def test_pupil_list_filters_by_year_sen_fsm_and_name(cast, client_for):
    client = client_for(cast.head)
    page = client.get(school_url(cast.north, sen="K")).content.decode()
    assert "Baker, Ben" in page and "Archer, Ava" not in page
    page = client.get(school_url(cast.north, fsm="fsm")).content.decode()
    assert "Archer, Ava" in page and "Baker, Ben" not in page
    page = client.get(school_url(cast.north, fsm="not_pp")).content.decode()
    assert "Baker, Ben" in page and "Archer, Ava" not in page
    page = client.get(school_url(cast.north, year=3, q="arch")).content.decode()
    assert "Archer, Ava" in page and "Baker, Ben" not in page
    page = client.get(school_url(cast.north, sen="E")).content.decode()
    assert "No pupil matches" in page


def test_a_bad_filter_value_is_named_not_a_crash(cast, client_for):
    page = get(client_for, cast.head, school_url(cast.north, year="banana"))
    assert "There is a problem" in page and "banana" in page


def test_htmx_gets_just_the_pupil_list(cast, client_for):
    response = client_for(cast.head).get(school_url(cast.north, sen="K"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Baker, Ben" in html and 'hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_pupil_list_is_paginated(cast, client_for):
    records = [
        pupils.PupilRecord(
            upn=make_upn(801, 2001, 22, serial),
            legal_forename="Many",
            legal_surname=f"Pupil{serial:03d}",
            date_of_birth=dt.date(cast.today.year - 8, 1, 1),
            sex="M",
            characteristics={"nc_year": 3},
            enrolment_start=cast.year.starts_on,
        )
        for serial in range(60)
    ]
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    client = client_for(cast.head)
    page = client.get(school_url(cast.north)).content.decode()
    assert "62 pupils" in page and "Page 1 of 2" in page
    page = client.get(school_url(cast.north, page=2)).content.decode()
    assert "Page 2 of 2" in page and "Pupil059" in page


@pytest.mark.parametrize(("who", "most"), [("admin", 18), ("head", 16), ("teacher", 16), ("governor", 9)])
def test_school_page_query_count_does_not_grow_with_pupils(
    cast, client_for, django_assert_max_num_queries, who, most
):
    records = [
        pupils.PupilRecord(
            upn=make_upn(801, 2001, 23, serial),
            legal_forename="Count",
            legal_surname=f"Pupil{serial:03d}",
            date_of_birth=dt.date(cast.today.year - 8, 1, 1),
            sex="F",
            characteristics={"nc_year": 3, "fsm": serial % 2 == 0},
            enrolment_start=cast.year.starts_on,
        )
        for serial in range(40)
    ]
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    from strides.classes import services as classes

    classes.set_pupils(None, cast.class_3t, [cast.ava, *Pupil.objects.filter(legal_forename="Count")])
    client = client_for(cast.users[who])
    with django_assert_max_num_queries(most):
        assert client.get(school_url(cast.north)).status_code == 200


def test_a_head_with_two_schools_reaches_both(cast, client_for):
    accounts.grant_role(None, cast.head, Role.HEADTEACHER, cast.trust, cast.river)
    get(client_for, cast.head, school_url(cast.river))
    page = get(client_for, cast.head, reverse("organisations:school_list"))
    assert "2 schools" in page


def test_the_school_pupil_list_carries_only_the_schools_the_reader_may_see(cast, client_for):
    """A dual-registered pupil's other school is not the reader's to see: the school page's list
    takes the pupil's schools today through the gate (visible_enrolments), not every enrolment."""
    pupils.enrol(
        cast.river_head, cast.ava, cast.river, cast.today, registration=RegistrationType.SUBSIDIARY_DUAL
    )
    response = client_for(cast.head).get(school_url(cast.north))
    assert response.status_code == 200
    ava = next(p for p in response.context["rows"] if p.pk == cast.ava.pk)
    assert [s.pk for s in ava.schools_now] == [cast.north.pk]
    response = client_for(cast.admin).get(school_url(cast.north))  # who reaches both sees both
    ava = next(p for p in response.context["rows"] if p.pk == cast.ava.pk)
    assert sorted(s.pk for s in ava.schools_now) == sorted([cast.north.pk, cast.river.pk])
