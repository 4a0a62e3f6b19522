"""``set_term_dates_many``: every half-term checked before any is saved, all saved or none, and
each problem named with its half-term and date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.organisations.models import TermDates
from strides.organisations.services import TermDatesError, set_term_dates_many

pytestmark = pytest.mark.django_db


def dates(year, school=None) -> dict[str, tuple[dt.date, dt.date]]:
    terms = TermDates.objects.filter(academic_year=year, school=school)
    return {t.half_term: (t.starts_on, t.ends_on) for t in terms}


def audit_count() -> int:
    return AuditEntry.objects.filter(object_type="organisations.TermDates").count()


def test_several_half_terms_are_saved_together_each_audited(cast):
    year = cast.year
    before = dates(year)
    autumn_1 = (before["autumn_1"][0], before["autumn_1"][1] - dt.timedelta(days=1))
    summer_2 = (before["summer_2"][0], before["summer_2"][1] - dt.timedelta(days=2))
    saved = set_term_dates_many(cast.admin, year, [("summer_2", *summer_2), ("autumn_1", *autumn_1)])
    assert [t.half_term for t in saved] == ["autumn_1", "summer_2"]
    after = dates(year)
    assert (after["autumn_1"], after["summer_2"]) == (autumn_1, summer_2)
    entries = AuditEntry.objects.filter(object_type="organisations.TermDates", action="update")
    assert entries.count() == 2
    entry = entries.get(object_id=str(saved[0].pk))
    assert entry.before["ends_on"] == before["autumn_1"][1].isoformat()
    assert entry.after["ends_on"] == autumn_1[1].isoformat()
    assert entry.actor_id == cast.admin.pk


def test_one_bad_half_term_saves_none(cast):
    year = cast.year
    before, entries = dates(year), audit_count()
    good = ("autumn_1", before["autumn_1"][0], before["autumn_1"][1] - dt.timedelta(days=1))
    bad = ("spring_1", before["spring_1"][0], before["spring_1"][0] - dt.timedelta(days=3))
    with pytest.raises(TermDatesError) as refused:
        set_term_dates_many(cast.admin, year, [good, bad])
    assert [(p.half_term, p.which) for p in refused.value.problems] == [("spring_1", "end")]
    message = refused.value.problems[0].message
    assert message.startswith("Spring 1 ends before it starts")
    assert f"{bad[2]:%d/%m/%Y}" in message and f"{bad[1]:%d/%m/%Y}" in message
    assert dates(year) == before
    assert audit_count() == entries


def test_dates_outside_the_year_are_named(cast):
    year = cast.year
    before = dates(year)
    early = dt.date(year.start_year - 1, 6, 1)
    with pytest.raises(TermDatesError) as refused:
        set_term_dates_many(cast.admin, year, [("autumn_1", early, before["autumn_1"][1])])
    (problem,) = refused.value.problems
    assert (problem.half_term, problem.which) == ("autumn_1", "start")
    assert f"Autumn 1 must fall within {year.label}" in problem.message
    assert f"it starts {early:%d/%m/%Y}" in problem.message


def test_a_half_term_may_not_overlap_the_one_before_it(cast):
    year = cast.year
    before = dates(year)
    into_autumn_1 = before["autumn_1"][1] - dt.timedelta(days=3)
    with pytest.raises(TermDatesError) as refused:
        set_term_dates_many(cast.admin, year, [("autumn_2", into_autumn_1, before["autumn_2"][1])])
    (problem,) = refused.value.problems
    assert (problem.half_term, problem.which) == ("autumn_2", "start")
    assert problem.message == (
        f"Autumn 2 starts {into_autumn_1:%d/%m/%Y}, before Autumn 1 ends ({before['autumn_1'][1]:%d/%m/%Y})."
    )
    assert dates(year) == before


def test_a_schools_override_is_checked_against_the_trust_defaults_it_sits_between(cast):
    """The school overrides only Spring 2; it must not run into the trust's Summer 1."""
    year = cast.year
    defaults = dates(year)
    past_summer_1 = defaults["summer_1"][0] + dt.timedelta(days=2)
    with pytest.raises(TermDatesError) as refused:
        set_term_dates_many(
            cast.admin, year, [("spring_2", defaults["spring_2"][0], past_summer_1)], school=cast.north
        )
    assert [(p.half_term, p.which) for p in refused.value.problems] == [("summer_1", "start")]
    assert not TermDates.objects.filter(academic_year=year, school=cast.north).exists()

    saved = set_term_dates_many(
        cast.admin,
        year,
        [("spring_2", defaults["spring_2"][0], defaults["spring_2"][1] + dt.timedelta(days=1))],
        school=cast.north,
    )
    assert saved[0].school == cast.north
    assert dates(year) == defaults
    entry = AuditEntry.objects.get(object_type="organisations.TermDates", action="create")
    assert entry.school_id == cast.north.pk


def test_an_unknown_half_term_is_refused(cast):
    with pytest.raises(TermDatesError, match="'winter' is not a half-term"):
        set_term_dates_many(cast.admin, cast.year, [("winter", dt.date(2026, 1, 5), dt.date(2026, 2, 1))])


def test_nothing_to_change_saves_nothing(cast):
    assert set_term_dates_many(cast.admin, cast.year, []) == []
    assert audit_count() == 0


def test_the_term_dates_page_shows_an_overlap_beside_the_date_and_saves_nothing(client_for, cast):
    year = cast.year
    before = dates(year)
    data = {}
    for half, (start, end) in before.items():
        data[f"{half}_start"], data[f"{half}_end"] = start.isoformat(), end.isoformat()
    good_end = before["autumn_1"][1] - dt.timedelta(days=1)
    overlap = before["spring_1"][1] - dt.timedelta(days=1)
    data.update(autumn_1_end=good_end.isoformat(), spring_2_start=overlap.isoformat())
    response = client_for(cast.admin).post(
        reverse("organisations_manage:year_terms", kwargs={"year_id": year.pk}), data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["spring_2_start"] == [
        f"Spring 2 starts {overlap:%d/%m/%Y}, before Spring 1 ends ({before['spring_1'][1]:%d/%m/%Y})."
    ]
    assert dates(year) == before
    assert audit_count() == 0
