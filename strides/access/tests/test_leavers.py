"""What a school still sees of a pupil who left it: for a while (STRIDES_LEAVER_VISIBILITY_DAYS),
their enrolment there and their record up to leaving; never where they went next."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.access.gate import leaver_window, visible_enrolments, visible_pupils
from strides.pupils.queries import left_on, record_view
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


@pytest.fixture
def mover(cast):
    return add_mover(cast)


def test_the_window_defaults_to_a_year(settings):
    del settings.STRIDES_LEAVER_VISIBILITY_DAYS  # whether or not the settings name it
    assert leaver_window(dt.date(2026, 3, 1)) == dt.date(2025, 3, 1)
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 30
    assert leaver_window(dt.date(2026, 3, 1)) == dt.date(2026, 1, 30)


def test_a_leaver_stays_visible_to_the_old_school_within_the_window(mover):
    c = mover
    for user in (c.head, c.senco, c.eap, c.river_head, c.admin):
        assert visible_pupils(user).filter(pk=c.mia.pk).exists(), user


def test_after_the_window_the_old_school_no_longer_sees_the_leaver(mover, settings):
    c = mover
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 59  # she left 60 days ago
    for user in (c.head, c.senco, c.eap):
        assert not visible_pupils(user).filter(pk=c.mia.pk).exists(), user
        assert not visible_enrolments(user).filter(pupil=c.mia).exists(), user
    # her new school and trust-wide roles still do
    for user in (c.river_head, c.admin, c.analyst):
        assert visible_pupils(user).filter(pk=c.mia.pk).exists(), user


def test_on_a_later_day_the_window_has_closed(mover):
    c = mover
    a_year_on = c.mia_left + dt.timedelta(days=366)
    assert not visible_pupils(c.head, on=a_year_on).filter(pk=c.mia.pk).exists()
    assert visible_pupils(c.head, on=c.mia_left + dt.timedelta(days=365)).filter(pk=c.mia.pk).exists()


def test_the_old_school_reads_only_its_own_enrolment(mover):
    c = mover
    schools = set(visible_enrolments(c.head).filter(pupil=c.mia).values_list("school_id", flat=True))
    assert schools == {c.north.pk}
    assert set(visible_enrolments(c.river_head).filter(pupil=c.mia).values_list("school_id", flat=True)) == {
        c.river.pk
    }
    assert visible_enrolments(c.admin).filter(pupil=c.mia).count() == 2


def test_the_old_school_reads_the_record_up_to_the_last_day(mover):
    c = mover
    assert left_on(c.head, [c.mia.pk, c.ava.pk]) == {c.mia.pk: c.mia_left}
    assert left_on(c.river_head, [c.mia.pk]) == {}
    assert left_on(c.admin, [c.mia.pk]) == {}
    view = record_view(c.head, c.mia)
    assert view.until == c.mia_left
    assert view.school_ids == frozenset({c.north.pk})
    periods = view.periods(c.mia.characteristics.order_by("valid_from"))
    assert [p.valid_from for p in periods] == [c.mia_joined, c.mia_fsm_from]
    assert periods[-1].valid_to is None  # when the next change came is not the old school's business
    assert all(p.sen_provision == "N" for p in periods)
    whole = record_view(c.admin, c.mia)
    assert whole.until is None and whole.school_ids is None
    assert len(whole.periods(c.mia.characteristics.all())) == 3


def test_parents_see_their_own_childs_whole_record(cast):
    view = record_view(cast.parent, cast.ava)
    assert view.until is None and view.school_ids is None
    assert [e.school_id for e in view.enrolments] == [cast.north.pk]
