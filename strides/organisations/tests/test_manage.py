"""Schools management: schools, officers, academic years and term dates, and the year-end
rollover with its preview. Trust admins manage; heads may roll over their own school only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.classes.services import rollover, rollover_preview
from strides.organisations import services
from strides.organisations.models import AcademicYear, OfficerKind, School, SchoolOfficer, TermDates, Trust
from strides.pupils import services as pupils
from strides.pupils.models import CharacteristicsPeriod, Enrolment
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

LIST = reverse("organisations_manage:list")
CREATE = reverse("organisations_manage:create")
YEARS = reverse("organisations_manage:years")


def url(name: str, **kwargs) -> str:
    return reverse(f"organisations_manage:{name}", kwargs=kwargs)


NEW_SCHOOL = {
    "name": "Meadow Primary",
    "urn": "100010",
    "la_code": "801",
    "establishment_number": "2002",
    "school_type": "primary",
    "phase": "primary",
    "joined_trust_on": "2024-09-01",
}


# --- who may manage ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin"])
def test_trust_admin_may_manage_schools(client_for, cast, name):
    client = client_for(cast.users[name])
    for page in (LIST, CREATE, YEARS, url("detail", urn="100002"), url("edit", urn="100002")):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize(
    "name",
    [
        "analyst",
        "eap",
        "director",
        "head",
        "senior",
        "senco",
        "subject_leader",
        "teacher",
        "ta",
        "governor",
        "other_teacher",
        "placing",
        "parent",
    ],
)
def test_everyone_else_is_refused(client_for, cast, name):
    client = client_for(cast.users[name])
    for page in (LIST, CREATE, YEARS, url("detail", urn="100001"), url("year_terms", year_id=cast.year.pk)):
        assert client.get(page).status_code == 403, page


def test_schools_outside_the_trust_answer_404(client_for, cast):
    client = client_for(cast.admin)
    assert client.get(url("detail", urn=cast.hillside.urn)).status_code == 404
    assert client.get(url("edit", urn=cast.hillside.urn)).status_code == 404
    assert client.get(url("school_terms", urn=cast.hillside.urn, year_id=cast.year.pk)).status_code == 404
    assert client.get(url("rollover", urn=cast.hillside.urn)).status_code == 404
    response = client.post(url("officer_assign", urn=cast.hillside.urn), {"user": cast.eap.pk, "kind": "eap"})
    assert response.status_code == 404
    assert not SchoolOfficer.objects.filter(school=cast.hillside).exists()
    assert client.get(url("detail", urn="999999")).status_code == 404


def test_another_trusts_year_answers_404(client_for, cast):
    other = Trust.objects.create(name="Other Trust", slug="other")
    year = services.ensure_academic_year(None, other, 2030)
    client = client_for(cast.admin)
    assert client.get(url("year_terms", year_id=year.pk)).status_code == 404
    assert client.get(url("school_terms", urn=cast.north.urn, year_id=year.pk)).status_code == 404


def test_school_list_shows_every_trust_school_with_pinned_queries(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.admin)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    names = [school.name for school in response.context["schools"]]
    assert names == ["Bridge AP", "Northfield Primary", "Oakwood Special", "Riverside Secondary"]
    html = response.content.decode()
    assert "Eve Partner" in html  # the EAP assigned to north
    north = next(s for s in response.context["schools"] if s.urn == "100001")
    assert north.pupils_on_roll == 2


# --- schools ----------------------------------------------------------------------------------


def test_create_a_school(client_for, cast):
    response = client_for(cast.admin).post(CREATE, NEW_SCHOOL)
    school = School.objects.get(urn="100010")
    assert response["Location"] == url("detail", urn="100010")
    assert school.trust == cast.trust and school.joined_trust_on == dt.date(2024, 9, 1)
    assert AuditEntry.objects.filter(
        object_type="organisations.School", action="create", actor_id=cast.admin.pk
    )


def test_bad_values_are_named_in_the_summary(client_for, cast):
    response = client_for(cast.admin).post(CREATE, {**NEW_SCHOOL, "urn": "12345", "la_code": "80"})
    html = response.content.decode()
    assert 'href="#id_urn">URN “12345”: A URN is six digits.</a>' in html
    assert "LA code “80”: An LA code is three digits." in html
    assert not School.objects.filter(name="Meadow Primary").exists()


def test_a_taken_urn_or_dfe_number_is_refused_not_a_500(client_for, cast):
    client = client_for(cast.admin)
    response = client.post(CREATE, {**NEW_SCHOOL, "urn": cast.river.urn})
    assert response.status_code == 200
    assert response.context["form"].errors["urn"]
    response = client.post(CREATE, {**NEW_SCHOOL, "establishment_number": cast.north.establishment_number})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert School.objects.count() == 5


def test_edit_a_school_records_before_and_after(client_for, cast):
    data = {
        **NEW_SCHOOL,
        "name": "Northfield Primary Academy",
        "urn": "100001",
        "establishment_number": "2001",
    }
    response = client_for(cast.admin).post(url("edit", urn="100001"), data)
    assert response.status_code == 302
    cast.north.refresh_from_db()
    assert cast.north.name == "Northfield Primary Academy"
    entry = AuditEntry.objects.filter(object_type="organisations.School", action="update").latest("id")
    assert entry.before["name"] == "Northfield Primary"
    assert entry.after["name"] == "Northfield Primary Academy"
    assert entry.before["joined_trust_on"] == "2018-09-01" and entry.after["joined_trust_on"] == "2024-09-01"


# --- officers ---------------------------------------------------------------------------------


def test_assign_and_unassign_an_officer(client_for, cast):
    client = client_for(cast.admin)
    response = client.post(
        url("officer_assign", urn="100002"), {"user": cast.eap.pk, "kind": OfficerKind.EAP}
    )
    assert response.status_code == 302
    link = SchoolOfficer.objects.get(school=cast.river, user=cast.eap)
    assert AuditEntry.objects.filter(object_type="organisations.SchoolOfficer", reason="officer assigned")
    response = client.post(url("officer_unassign", urn="100002", officer_id=link.pk))
    assert response.status_code == 302
    assert not SchoolOfficer.objects.filter(pk=link.pk).exists()
    assert AuditEntry.objects.filter(object_type="organisations.SchoolOfficer", action="delete")


def test_an_officer_must_hold_the_matching_role(client_for, cast):
    client = client_for(cast.admin)
    response = client.post(
        url("officer_assign", urn="100002"), {"user": cast.eap.pk, "kind": OfficerKind.REGIONAL_DIRECTOR}
    )
    assert "does not hold the Regional director role" in response.content.decode()
    response = client.post(
        url("officer_assign", urn="100002"), {"user": cast.teacher.pk, "kind": OfficerKind.EAP}
    )
    assert response.context["officer_form"].errors["user"]
    assert not SchoolOfficer.objects.filter(school=cast.river).exists()


def test_an_officer_link_of_another_school_answers_404(client_for, cast):
    link = SchoolOfficer.objects.get(school=cast.north, user=cast.eap)
    response = client_for(cast.admin).post(url("officer_unassign", urn="100002", officer_id=link.pk))
    assert response.status_code == 404
    assert SchoolOfficer.objects.filter(pk=link.pk).exists()


# --- academic years and term dates ------------------------------------------------------------


def term_data(year: AcademicYear, school=None, **changes) -> dict[str, str]:
    terms = {t.half_term: t for t in TermDates.objects.filter(academic_year=year, school__isnull=True)}
    if school is not None:
        terms.update({t.half_term: t for t in TermDates.objects.filter(academic_year=year, school=school)})
    data = {}
    for half, term in terms.items():
        data[f"{half}_start"] = term.starts_on.isoformat()
        data[f"{half}_end"] = term.ends_on.isoformat()
    data.update(changes)
    return data


def test_add_an_academic_year_with_default_terms(client_for, cast):
    client = client_for(cast.admin)
    response = client.post(YEARS, {"start_year": "2031"})
    year = AcademicYear.objects.get(trust=cast.trust, start_year=2031)
    assert response["Location"] == url("year_terms", year_id=year.pk)
    assert TermDates.objects.filter(academic_year=year).count() == 6
    assert AuditEntry.objects.filter(object_type="organisations.AcademicYear", actor_id=cast.admin.pk)
    response = client.post(YEARS, {"start_year": "2031"})
    assert "2031/32 already exists." in response.content.decode()


def test_change_the_trusts_term_dates(client_for, cast):
    year = cast.year
    new_end = TermDates.objects.get(
        academic_year=year, school=None, half_term="autumn_1"
    ).ends_on - dt.timedelta(days=1)
    response = client_for(cast.admin).post(
        url("year_terms", year_id=year.pk), term_data(year, autumn_1_end=new_end.isoformat())
    )
    assert response.status_code == 302
    assert TermDates.objects.get(academic_year=year, school=None, half_term="autumn_1").ends_on == new_end
    assert AuditEntry.objects.filter(object_type="organisations.TermDates", action="update").count() == 1


def test_term_dates_that_make_no_sense_are_refused_by_field(client_for, cast):
    year = cast.year
    start = TermDates.objects.get(academic_year=year, school=None, half_term="spring_1").starts_on
    response = client_for(cast.admin).post(
        url("year_terms", year_id=year.pk),
        term_data(year, spring_1_end=(start - dt.timedelta(days=2)).isoformat(), autumn_1_start="2001-01-01"),
    )
    html = response.content.decode()
    assert "Spring 1 ends before it starts" in html
    assert f"Autumn 1 must fall within {year.label}" in html
    assert 'href="#id_spring_1_end">Spring 1 ends “' in html
    assert not AuditEntry.objects.filter(object_type="organisations.TermDates", action="update").exists()


def test_a_school_overrides_one_half_term(client_for, cast):
    year = cast.year
    default = TermDates.objects.get(academic_year=year, school=None, half_term="summer_2")
    new_end = default.ends_on - dt.timedelta(days=3)
    client = client_for(cast.admin)
    response = client.post(
        url("school_terms", urn="100001", year_id=year.pk), term_data(year, summer_2_end=new_end.isoformat())
    )
    assert response.status_code == 302
    override = TermDates.objects.get(academic_year=year, school=cast.north)
    assert (override.half_term, override.ends_on) == ("summer_2", new_end)
    default.refresh_from_db()
    assert default.ends_on != new_end  # the trust default is untouched
    assert TermDates.objects.filter(academic_year=year, school=cast.north).count() == 1
    assert "This school" in client.get(url("detail", urn="100001")).content.decode()
    entry = AuditEntry.objects.get(object_type="organisations.TermDates", action="create")
    assert entry.school_id == cast.north.pk


# --- year-end rollover ------------------------------------------------------------------------


def add_year6_leaver(cast):
    upn = make_upn(801, 2001, 20, 11)
    record = pupils.PupilRecord(
        upn=upn,
        legal_forename="Lea",
        legal_surname="Leaver",
        date_of_birth=dt.date(cast.today.year - 11, 3, 1),
        sex="F",
        characteristics={"nc_year": 6},
        enrolment_start=cast.year.starts_on,
    )
    pupils.upsert_pupils(None, cast.north, [record], effective=cast.year.starts_on)


def test_rollover_preview_shows_what_will_happen(client_for, cast):
    add_year6_leaver(cast)
    response = client_for(cast.admin).get(url("rollover", urn="100001"))
    preview = response.context["preview"]
    assert preview.moving == [("Year 3", "Year 4", 2)]
    assert preview.leaving == [("Year 6", 1)] and preview.leavers_closed == 1
    assert [(plan.name, plan.new_name, plan.pupils) for plan in preview.classes] == [
        ("3B", "4B", 1),
        ("3T", "4T", 1),
    ]
    html = response.content.decode()
    assert "2 pupils move up on 1 September" in html
    assert "Early:" in html  # the cast's year has months to run


def test_preview_matches_what_the_rollover_then_does(cast):
    add_year6_leaver(cast)
    late_in_year = cast.year.ends_on - dt.timedelta(days=5)
    preview = rollover_preview(cast.north, cast.year, late_in_year)
    assert preview.warning is None
    result = rollover(cast.admin, cast.north, cast.year)
    assert result.pupils_moved_on == preview.pupils_moving_on
    assert result.leavers_closed == preview.leavers_closed
    assert result.classes_created == len(preview.classes)
    again = rollover_preview(cast.north, cast.year, late_in_year)
    assert again.nothing_to_do


def test_early_rollover_needs_the_extra_tick(client_for, cast):
    client = client_for(cast.admin)
    response = client.post(url("rollover", urn="100001"), {"from_year": cast.year.pk})
    assert response.status_code == 200
    assert "Tick the box to roll over early." in response.content.decode()
    assert not CharacteristicsPeriod.objects.filter(nc_year=4).exists()

    response = client.post(url("rollover", urn="100001"), {"from_year": cast.year.pk, "confirm_early": "on"})
    assert response.status_code == 302
    assert CharacteristicsPeriod.objects.filter(pupil=cast.ava, valid_to__isnull=True).get().nc_year == 4
    assert AuditEntry.objects.filter(
        reason="year-end rollover", school_id=cast.north.pk, actor_id=cast.admin.pk
    )


def test_head_rolls_over_their_own_school_only(client_for, cast):
    add_year6_leaver(cast)
    client = client_for(cast.head)
    assert client.get(reverse("organisations_manage:rollover_index"))["Location"] == url(
        "rollover", urn="100001"
    )
    assert client.get(url("rollover", urn="100002")).status_code == 404
    assert (
        client.post(
            url("rollover", urn="100002"), {"from_year": cast.year.pk, "confirm_early": "on"}
        ).status_code
        == 404
    )
    response = client.post(url("rollover", urn="100001"), {"from_year": cast.year.pk, "confirm_early": "on"})
    assert response["Location"] == url("rollover", urn="100001")
    leaver = Enrolment.objects.get(pupil__legal_surname="Leaver")
    assert leaver.end_date == cast.year.ends_on
    assert not CharacteristicsPeriod.objects.filter(pupil__enrolments__school=cast.river, nc_year=9).exists()


@pytest.mark.parametrize("name", ["senior", "teacher", "analyst", "governor", "parent"])
def test_others_may_not_roll_over(client_for, cast, name):
    client = client_for(cast.users[name])
    assert client.get(url("rollover", urn="100001")).status_code == 403
    assert client.get(reverse("organisations_manage:rollover_index")).status_code == 403


def test_nav_shows_schools_to_admins_and_rollover_to_heads(client_for, cast):
    assert 'href="/manage/schools/"' in client_for(cast.admin).get(LIST).content.decode()
    html = client_for(cast.head).get(url("rollover", urn="100001")).content.decode()
    # the head holds ROLLOVER but not MANAGE_SCHOOLS
    assert 'href="/manage/schools/rollover/"' in html and 'href="/manage/schools/"' not in html
