"""The pupil profile: who can open it, and the history it tells."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.pupils import services as pupils
from strides.pupils.models import Enrolment, FormerUpn

pytestmark = pytest.mark.django_db


def profile_url(pupil) -> str:
    return reverse("pupils:profile", kwargs={"pupil_id": pupil.pk})


def profile(client_for, user, pupil) -> str:
    response = client_for(user).get(profile_url(pupil))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "who", ["admin", "analyst", "eap", "head", "senior", "senco", "subject_leader", "teacher", "ta", "parent"]
)
def test_who_can_open_avas_profile(cast, client_for, who):
    page = profile(client_for, cast.users[who], cast.ava)
    assert "Ava Archer" in page
    assert cast.ava.upn in page  # staff need it; it is never in a URL
    assert cast.ava.upn not in profile_url(cast.ava)


@pytest.mark.parametrize("who", ["other_teacher", "placing", "governor", "director"])
def test_everyone_else_gets_404_on_avas_profile(cast, client_for, who):
    response = client_for(cast.users[who]).get(profile_url(cast.ava))
    assert response.status_code == 404
    assert "Archer" not in response.content.decode()


def test_teacher_gets_404_on_a_pupil_outside_their_classes(cast, client_for):
    assert client_for(cast.teacher).get(profile_url(cast.ben)).status_code == 404
    assert client_for(cast.parent).get(profile_url(cast.ben)).status_code == 404


def test_placing_contact_sees_a_pupil_only_while_placed(cast, client_for):
    assert client_for(cast.placing).get(profile_url(cast.dev)).status_code == 200
    assert client_for(cast.placing).get(profile_url(cast.eli)).status_code == 404


def test_missing_pupil_is_404(cast, client_for):
    assert client_for(cast.admin).get("/pupils/999999/").status_code == 404


def test_profile_shows_details_characteristics_enrolments_and_classes(cast, client_for):
    page = profile(client_for, cast.head, cast.ava)
    assert "1 March" in page  # date of birth
    assert "Female" in page
    assert "Characteristics today" in page and "White – British" in page
    assert "Northfield Primary" in page and "Single registration" in page
    assert reverse("classes:class_detail", kwargs={"group_id": cast.class_3t.pk}) in page


def test_ap_placement_shows_the_placing_school(cast, client_for):
    page = profile(client_for, cast.admin, cast.dev)
    assert "Bridge AP" in page and "Hillside Academy" in page
    assert "Dual registration – subsidiary" in page


def test_history_lists_every_period_and_highlights_what_changed(cast, client_for):
    start = cast.year.starts_on
    pupils.change_characteristics(None, cast.ava, {"fsm": False}, effective=start + dt.timedelta(days=30))
    pupils.change_characteristics(
        cast.senco,
        cast.ava,
        {"sen_provision": "K", "primary_need": "SLCN"},
        effective=start + dt.timedelta(days=60),
    )
    page = profile(client_for, cast.head, cast.ava)
    history = page[page.index("Characteristics history") :]
    assert history.count("<tr") == 4  # header row and three periods
    assert "First record" in history
    assert "<del>Yes</del>" in history and "<ins>No</ins>" in history  # FSM ended
    assert "<ins>SEN support</ins>" in history
    assert "<ins>Speech, language and communication needs</ins>" in history
    assert "Sena Coe" in history  # who recorded it
    # the first period ran until the day before the second began
    first_end = start + dt.timedelta(days=29)
    assert f"{first_end.day} {first_end:%b %Y}" in history


def test_former_upns_are_listed(cast, client_for):
    FormerUpn.objects.create(pupil=cast.ava, upn="A80120012000T")
    page = profile(client_for, cast.head, cast.ava)
    assert "Former UPNs" in page and "A80120012000T" in page


def test_edit_actions_follow_the_role(cast, client_for):
    details = reverse("pupils:edit_details", kwargs={"pupil_id": cast.ava.pk})
    characteristics = reverse("pupils:change_characteristics", kwargs={"pupil_id": cast.ava.pk})
    sen = reverse("pupils:change_sen", kwargs={"pupil_id": cast.ava.pk})
    enrolment = Enrolment.objects.get(pupil=cast.ava, school=cast.north)
    end = reverse("pupils:end_enrolment", kwargs={"enrolment_id": enrolment.pk})

    page = profile(client_for, cast.head, cast.ava)
    assert details in page and characteristics in page and end in page

    page = profile(client_for, cast.senco, cast.ava)
    assert sen in page and details not in page and characteristics not in page and end not in page

    for who in ("teacher", "ta", "eap", "parent", "subject_leader"):
        page = profile(client_for, cast.users[who], cast.ava)
        assert details not in page and characteristics not in page and sen not in page and end not in page


def test_a_school_the_pupil_left_no_longer_edits_them(cast, client_for):
    enrolment = Enrolment.objects.get(pupil=cast.ben, school=cast.north)
    pupils.end_enrolment(None, enrolment, cast.today - dt.timedelta(days=10), "transfer")
    pupils.enrol(None, cast.ben, cast.river, cast.today - dt.timedelta(days=9))
    page = profile(client_for, cast.head, cast.ben)  # the head still sees their former pupil
    assert reverse("pupils:edit_details", kwargs={"pupil_id": cast.ben.pk}) not in page
    response = client_for(cast.head).get(reverse("pupils:edit_details", kwargs={"pupil_id": cast.ben.pk}))
    assert response.status_code == 403


def test_profile_query_count_is_pinned(cast, client_for, django_assert_max_num_queries):
    for days in range(1, 8):
        pupils.change_characteristics(
            None, cast.ava, {"fsm": days % 2 == 0}, effective=cast.year.starts_on + dt.timedelta(days=days)
        )
    for urn in ("100010", "100011", "100012"):
        from strides.organisations import services as organisations

        school = organisations.create_school(
            None,
            cast.trust,
            name=f"School {urn}",
            urn=urn,
            la_code="806",
            establishment_number=urn[-4:],
            school_type="primary",
            phase="primary",
        )
        pupils.enrol(None, cast.ava, school, cast.year.starts_on, registration="M")
    # head: one more than admin, for the enrolments at other schools that decide who edits
    for who, most in (("admin", 14), ("head", 15), ("teacher", 13), ("parent", 11)):
        client = client_for(cast.users[who])
        with django_assert_max_num_queries(most):
            assert client.get(profile_url(cast.ava)).status_code == 200


def test_a_second_role_does_not_widen_what_an_aggregate_role_sees(cast, client_for):
    accounts.grant_role(None, cast.governor, Role.GOVERNOR, cast.trust, cast.river)
    assert client_for(cast.governor).get(profile_url(cast.cara)).status_code == 404


# --- a parent's view speaks to the parent -------------------------------------------------------

UPN_WARNING = "A UPN is personal data: never copy it into a report"


def test_a_parent_sees_no_staff_names_and_no_staff_wording(cast, client_for):
    pupils.change_characteristics(cast.head, cast.ava, {"eal": True}, effective=cast.today)
    staff_page = profile(client_for, cast.head, cast.ava)
    assert "Hana Head" in staff_page and UPN_WARNING in staff_page and "Recorded by" in staff_page
    page = profile(client_for, cast.parent, cast.ava)
    assert "Hana Head" not in page and "Recorded by" not in page
    assert UPN_WARNING not in page and "UPNs are" not in page  # nor staff wording in the footer
    assert "your child" in page and "By the school" in page
    assert "How Ava is getting on" in page
    assert cast.ava.upn in page  # their own child's number


def test_a_placing_school_sees_staff_wording_but_not_who_recorded(cast, client_for):
    pupils.change_characteristics(cast.admin, cast.dev, {"fsm": True}, effective=cast.today)
    page = profile(client_for, cast.placing, cast.dev)
    assert UPN_WARNING in page  # a professional, told as staff are
    assert "Ada Admin" not in page and "Recorded by" not in page
    assert "By school staff" in page and "your child" not in page


def test_staff_who_are_also_parents_see_their_school_as_staff_and_their_child_as_a_parent(cast, client_for):
    accounts.link_parent(None, cast.head, cast.cara, cast.trust, "father")  # Cara is at river
    accounts.link_parent(None, cast.head, cast.ben, cast.trust, "father")  # Ben is at the head's school
    pupils.change_characteristics(cast.river_head, cast.cara, {"fsm": True}, effective=cast.today)
    child = profile(client_for, cast.head, cast.cara)
    assert "Rhea Rivers" not in child and UPN_WARNING not in child and "your child" in child
    own_pupil = profile(client_for, cast.head, cast.ben)
    assert UPN_WARNING in own_pupil and "your child" not in own_pupil
