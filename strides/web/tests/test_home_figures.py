"""Counts behind the pages (strides.pupils.roll), and the small-group suppression
(strides.small_groups, the rule of strides.analytics.suppression) that keeps aggregate-only readers
from ever learning about one pupil."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strides.pupils import services as pupils
from strides.pupils.models import Enrolment
from strides.pupils.roll import on_roll_by_year, school_summary
from strides.small_groups import suppress_counts as suppress


def test_groups_below_the_threshold_are_hidden():
    cells, total = suppress({3: 30, 4: 28, 5: 6, 6: 1, 7: 5}, threshold=6)
    assert cells[3].value == 30 and cells[4].value == 28 and cells[5].value == 6
    assert cells[6].suppressed and cells[7].suppressed  # 1 + 5 together: 6, not a small group
    assert total.value == 70


def test_hidden_groups_together_under_the_threshold_take_the_next_smallest_with_them():
    # Years 5 and 6 are hidden, but 61 - 30 - 28 = 3 pupils between them: a small group
    cells, total = suppress({3: 30, 4: 28, 5: 2, 6: 1}, threshold=6)
    assert cells[5].suppressed and cells[6].suppressed
    assert cells[4].suppressed  # the smallest of the rest
    assert cells[3].value == 30
    assert total.value == 61


def test_one_hidden_group_takes_the_next_smallest_with_it():
    # 61 - 30 - 28 would give the hidden Year 5 away
    cells, total = suppress({3: 30, 4: 28, 5: 3}, threshold=6)
    assert cells[5].suppressed
    assert cells[4].suppressed  # the smallest of the rest
    assert cells[3].value == 30
    assert total.value == 61


def test_a_small_total_is_hidden_too():
    cells, total = suppress({3: 2, 4: 1}, threshold=6)
    assert total.suppressed
    assert all(cell.suppressed for cell in cells.values())


def test_nothing_is_hidden_when_every_group_is_big_enough():
    cells, total = suppress({7: 120, 8: 118}, threshold=6)
    assert [c.value for c in cells.values()] == [120, 118]
    assert total.value == 238


@given(st.dictionaries(st.integers(-2, 14), st.integers(1, 60), max_size=16), st.integers(2, 11))
def test_no_hidden_group_can_be_worked_out_from_what_is_shown(counts, threshold):
    cells, total = suppress(counts, threshold=threshold)
    hidden = [key for key, cell in cells.items() if cell.suppressed]
    for key, cell in cells.items():
        if counts[key] < threshold:
            assert cell.suppressed, "a small group is never shown"
        if not cell.suppressed:
            assert cell.value == counts[key]
    if not total.suppressed:
        # with the total known, a single hidden group would be total minus the rest, and the
        # hidden groups together are total minus the shown ones: never a small group
        assert len(hidden) != 1
        together = sum(counts[key] for key in hidden)
        assert not hidden or together >= threshold


@pytest.mark.django_db
def test_on_roll_by_year_counts_pupils_on_roll_today_per_school(cast):
    counts = on_roll_by_year([cast.north.pk, cast.river.pk, cast.bridge.pk], cast.today)
    assert counts[cast.north.pk] == {3: 2}
    assert counts[cast.river.pk] == {8: 1}
    assert counts[cast.bridge.pk] == {10: 1}  # Eli's placement ended, Dev's is open


@pytest.mark.django_db
def test_on_roll_by_year_uses_the_year_that_applied_on_the_day(cast):
    pupils.change_characteristics(None, cast.ava, {"nc_year": 4}, effective=cast.today)
    assert on_roll_by_year([cast.north.pk], cast.today)[cast.north.pk] == {3: 1, 4: 1}
    before = cast.today - dt.timedelta(days=1)
    assert on_roll_by_year([cast.north.pk], before)[cast.north.pk] == {3: 2}


@pytest.mark.django_db
def test_school_summary_counts_groups_with_their_denominator(cast):
    summary = school_summary(cast.north, cast.today)
    assert summary.on_roll == 2
    assert (summary.sen_support.count, summary.sen_support.of, summary.sen_support.percent) == (1, 2, 50)
    assert summary.ehcp.count == 0
    assert summary.fsm.count == 1 and summary.disadvantaged.count == 1
    assert summary.eal.count == 0
    leaver = Enrolment.objects.get(pupil=cast.ben, school=cast.north)
    pupils.end_enrolment(None, leaver, cast.today - dt.timedelta(days=1), "transfer")
    assert school_summary(cast.north, cast.today).on_roll == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"fsm": True},
        {"fsm_ever6": True},
        {"looked_after": True},
        {"previously_looked_after": True},
        {"eal": True},
    ],
)
def test_the_disadvantaged_filter_agrees_with_the_models_property(cast, flags):
    """One definition for the database (filters, counts) and one for Python (tags): the same."""
    from strides.pupils.models import CharacteristicsPeriod
    from strides.pupils.roll import disadvantaged

    none = dict.fromkeys(["fsm", "fsm_ever6", "looked_after", "previously_looked_after", "eal"], False)
    pupils.change_characteristics(None, cast.ava, {**none, **flags}, effective=cast.today)
    period = CharacteristicsPeriod.objects.get(pupil=cast.ava, valid_to__isnull=True)
    matched = CharacteristicsPeriod.objects.filter(disadvantaged(), pk=period.pk).exists()
    assert matched == period.disadvantaged == bool(flags.keys() - {"eal"})


@pytest.mark.django_db
def test_school_cards_suppress_small_counts_for_readers_without_names(cast):
    from strides.organisations.models import School
    from strides.pupils.roll_figures import school_cards

    schools = School.objects.filter(pk__in=[cast.north.pk, cast.river.pk]).order_by("name")
    by_name = {card.school.name: card.on_roll for card in school_cards(cast.head, schools, cast.today)}
    assert by_name[cast.north.name].value == 2  # the head sees north's names: exact
    assert by_name[cast.river.name].suppressed  # one pupil at river, below the threshold
    governor = {card.school.name: card.on_roll for card in school_cards(cast.governor, schools, cast.today)}
    assert governor[cast.north.name].suppressed


@pytest.mark.django_db
def test_on_roll_totals_and_the_school_summary_leave_out_a_pupil_who_has_left(cast):
    from strides.pupils.roll import on_roll_totals

    ended = cast.today - dt.timedelta(days=1)
    pupils.end_enrolment(None, Enrolment.objects.get(pupil=cast.ben, school=cast.north), ended, "transfer")
    totals = on_roll_totals([cast.north.pk, cast.river.pk], cast.today)
    assert totals == {cast.north.pk: 1, cast.river.pk: 1}
    assert school_summary(cast.north, cast.today).on_roll == 1
    assert on_roll_totals([cast.north.pk], ended) == {cast.north.pk: 2}  # still on roll that day


def test_a_group_is_hidden_when_it_or_the_rest_of_the_roll_is_small():
    from strides.small_groups import share_cell

    assert share_cell(10, 20, threshold=6).value == 10
    assert share_cell(3, 20, threshold=6).suppressed  # the group is small
    assert share_cell(17, 20, threshold=6).suppressed  # the rest (20 - 17 = 3) would be


def test_count_cells_are_short_in_wide_tables():
    from strides.small_groups import Cell
    from strides.web.templatetags.strides_web import count_cell

    hidden = Cell(None)
    assert "fewer than 6" in count_cell(hidden) and "&lt;" not in count_cell(hidden)
    short = count_cell(hidden, short=True)
    assert 'title="fewer than 6: suppressed"' in short
    assert '<span aria-hidden="true">&lt;6</span>' in short
    assert '<span class="visually-hidden">fewer than 6</span>' in short
    assert count_cell(Cell(12), short=True) == "12"


def test_a_school_page_for_a_governor_follows_the_same_rule():
    """The school page's summary, suppressed for aggregate-only readers: the year groups as the
    home page hides them, and a group whose rest of the roll is small (EAL 24 of 27: 3 are not)."""
    from strides.pupils.roll import SchoolSummary, Share
    from strides.pupils.roll_figures import summary_view

    def share(count: int) -> Share:
        return Share(count, 27)

    by_year = {3: 2, 4: 3, 5: 10, 6: 12}
    summary = SchoolSummary(27, by_year, share(8), share(0), share(10), share(12), share(24))
    view = summary_view(summary, suppressed=True)
    assert view.on_roll.value == 27
    assert [cell.suppressed for _, cell in view.year_rows] == [True, True, True, False]
    groups = {label: (cell.value, percent) for label, cell, percent in view.groups}
    assert groups["SEN support"] == (8, 30) and groups["Free school meals"] == (10, 37)
    assert groups["EHCP"] == (None, None) and groups["EAL"] == (None, None)
    exact = summary_view(summary, suppressed=False)
    assert [cell.value for _, cell in exact.year_rows] == [2, 3, 10, 12]
