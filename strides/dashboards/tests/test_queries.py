"""AnalyticsView: what each role of the cast sees of the history fixture's judgements."""

from __future__ import annotations

import polars as pl
import pytest
from django.http import Http404

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.analytics import attainment
from strides.dashboards.frames import forget_observations
from strides.dashboards.queries import AnalyticsView

pytestmark = pytest.mark.django_db

NORTH_ROWS = 143 + 6  # twelve pupils over four drops less rex's missing writing, ava and ben now
RIVER_ROWS = 36 + 3  # tia, uma, vic over four drops, cara now


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def ids(frame: pl.DataFrame, column: str = "pupil_id") -> set[int]:
    return set(frame.get_column(column).to_list())


def class_3t(h) -> set[int]:
    return {p.pk for p in (h.ava, h.gus, h.hal, h.ida, h.jon, h.kai, h.lea)}


@pytest.mark.parametrize("who", ["analyst", "admin"])
def test_trust_wide_roles_see_every_school_and_every_pupil(history, who):
    h = history
    view = AnalyticsView(getattr(h, who))
    assert view.aggregate_school_ids == {h.north.pk, h.river.pk, h.oak.pk, h.bridge.pk}
    assert view.observations().height == view.pupil_observations().height == 194
    assert not view.suppress_small_groups
    assert view.school(h.river.urn) == h.river


@pytest.mark.parametrize("who", ["head", "senior", "senco", "subject_leader", "eap"])
def test_school_staff_and_assigned_officers_see_their_school(history, who):
    h = history
    view = AnalyticsView(getattr(h, who))
    assert view.aggregate_school_ids == {h.north.pk}
    obs = view.observations()
    assert obs.height == NORTH_ROWS and ids(obs, "school_id") == {h.north.pk}
    named = view.pupil_observations()
    assert named.height == NORTH_ROWS and ids(named) == {p.pk for p in h.north_now}
    assert not view.suppress_small_groups
    assert view.school(h.north.urn) == h.north
    with pytest.raises(Http404):
        view.school(h.river.urn)
    assert view.observations(school_ids=[h.river.pk]).height == 0
    assert view.pupil_observations(pupil_ids=[h.cara.pk]).height == 0


@pytest.mark.parametrize("who", ["teacher", "ta"])
def test_teachers_and_assistants_see_their_class_only(history, who):
    h = history
    view = AnalyticsView(getattr(h, who))
    assert view.aggregate_school_ids == frozenset()
    with pytest.raises(Http404):
        view.school(h.river.urn)
    named = view.pupil_observations()
    assert ids(named) == class_3t(h) and named.height == 3 + 6 * 12
    assert view.pupil_observations(pupil_ids=[h.max.pk]).height == 0  # 3B's
    if who == "teacher":  # teachers hold VIEW_AGGREGATES: their class's figures, named anyway
        assert ids(view.observations()) == class_3t(h)
        assert ids(view.observations(school_ids=[h.north.pk])) == class_3t(h)
        assert list(view.schools()) == [h.north] and view.school(h.north.urn) == h.north
    else:
        assert view.observations().height == 0 and list(view.schools()) == []
        with pytest.raises(Http404):
            view.school(h.north.urn)
    assert not view.suppress_small_groups


def test_another_schools_users_see_nothing_of_north(history):
    h = history
    for user in (h.river_head, h.other_teacher):
        view = AnalyticsView(user)
        assert h.north.pk not in ids(view.observations(), "school_id")
        assert not ids(view.pupil_observations()) & {p.pk for p in h.north_now}
        assert view.observations(school_ids=[h.north.pk]).height == 0
        assert view.pupil_observations(school_ids=[h.north.pk]).height == 0
        with pytest.raises(Http404):
            view.school(h.north.urn)
    river = AnalyticsView(h.river_head)
    assert river.observations().height == RIVER_ROWS
    assert ids(AnalyticsView(h.other_teacher).pupil_observations()) == {
        h.cara.pk,
        h.tia.pk,
        h.uma.pk,
        h.vic.pk,
    }


@pytest.mark.parametrize("who", ["governor", "director"])
def test_governors_and_directors_see_aggregates_only_and_suppressed(history, who):
    h = history
    view = AnalyticsView(getattr(h, who))
    assert view.suppress_small_groups
    assert view.pupil_observations().height == 0
    assert view.pupil_observations(pupil_ids=[h.ava.pk]).height == 0
    expected_schools = {h.north.pk} if who == "governor" else {h.north.pk, h.river.pk, h.oak.pk, h.bridge.pk}
    assert view.aggregate_school_ids == expected_schools
    obs = view.observations().filter(pl.col("drop_id") == h.current_drop.pk)
    table = view.suppress(
        attainment(obs, ["school_id", "subject", "sen"]), partition=["school_id", "subject"]
    )
    north_maths = {
        r["sen"]: r
        for r in table.filter((pl.col("school_id") == h.north.pk) & (pl.col("subject") == "maths")).to_dicts()
    }
    # K has 2 pupils: suppressed; N (12) goes too, or K would be the total less N
    assert north_maths["K"]["suppressed"] and north_maths["K"]["n"] is None
    assert north_maths["N"]["suppressed"] and north_maths["N"]["mean_points"] is None
    sexes = view.suppress(
        attainment(obs, ["school_id", "subject", "sex"]), partition=["school_id", "subject"]
    )
    shown = sexes.filter((pl.col("school_id") == h.north.pk) & (pl.col("subject") == "maths"))
    assert shown.get_column("n").to_list() == [7, 7] and not shown.get_column("suppressed").any()


def test_the_same_table_is_not_suppressed_for_the_head(history):
    h = history
    view = AnalyticsView(h.head)
    obs = view.observations().filter(pl.col("drop_id") == h.current_drop.pk)
    table = view.suppress(attainment(obs, ["school_id", "subject", "sen"]), partition=["subject"])
    assert not table.get_column("suppressed").any()
    assert table.filter((pl.col("subject") == "maths") & (pl.col("sen") == "K")).get_column(
        "n"
    ).to_list() == [2]


def test_suppression_is_decided_school_by_school(history):
    h = history
    accounts.grant_role(None, h.river_head, Role.GOVERNOR, h.trust, h.north)
    view = AnalyticsView(h.river_head)
    assert view.aggregate_school_ids == {h.north.pk, h.river.pk}
    assert view.suppresses(h.north.pk) and not view.suppresses(h.river.pk)
    obs = view.observations().filter(pl.col("drop_id") == h.drops["last_autumn"].pk)
    table = view.suppress(attainment(obs, ["school_id", "subject", "sen"]), partition=["subject"])
    assert table.filter(pl.col("school_id") == h.north.pk).get_column("suppressed").all()  # K 1, N 11
    assert not table.filter(pl.col("school_id") == h.river.pk).get_column("suppressed").any()
    # named pupils: only river's, never north's through the governor role
    assert ids(view.pupil_observations()) == {h.cara.pk, h.tia.pk, h.uma.pk, h.vic.pk}


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_parents_and_placing_schools_see_their_own_pupils_and_no_aggregates(history, who):
    from strides.assessment.models import DropSchool, DropStatus
    from strides.assessment.services import transition

    h = history
    # they see a drop once the school's part is submitted or locked (test_views_pupil tests drafts)
    for part in DropSchool.objects.filter(drop=h.current_drop, school__in=[h.north, h.bridge]):
        transition(h.analyst, part, DropStatus.LOCKED)
    view = AnalyticsView(getattr(h, who))
    assert not view.sees_aggregates and view.observations().height == 0
    assert list(view.schools()) == []
    own = h.ava if who == "parent" else h.dev
    named = view.pupil_observations()
    assert ids(named) == {own.pk} and named.height == 3
    assert view.pupil_observations(pupil_ids=[h.ben.pk]).height == 0


def test_a_user_with_no_trust_sees_nothing(history):
    stranger = accounts.create_user(None, "stranger", password="Strides-test-password-2026", validate=False)
    view = AnalyticsView(stranger)
    assert view.trust_id is None and view.observations().height == 0 and view.pupil_observations().height == 0
    assert view.benchmark().height == 0 and view.drops().count() == 0


def test_default_drop_and_query_counts(history, django_assert_max_num_queries):
    h = history
    AnalyticsView(h.head).observations()  # fills the trust's cache
    head = type(h.head).objects.get(pk=h.head.pk)  # a fresh request's user
    with django_assert_max_num_queries(5):  # scope (2), schools (1), version (1)
        view = AnalyticsView(head)
        obs = view.observations()
        assert view.latest_drop_id(obs) == h.current_drop.pk
    teacher = type(h.teacher).objects.get(pk=h.teacher.pk)
    with django_assert_max_num_queries(6):  # scope (2), enrolment pairs (1), version (1)
        assert AnalyticsView(teacher).pupil_observations().height == 75
