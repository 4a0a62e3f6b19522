"""The demo trust's assessment history: three academic years of drops and judgements, written
through the assessment services, deterministic for a seed and plausible."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.db import transaction

from strides.accounts.models import User
from strides.assessment.drop_boards import trust_board
from strides.assessment.models import (
    DataDrop,
    DropKind,
    DropSchool,
    DropStatus,
    Judgement,
    JudgementRevision,
)
from strides.assessment.queries import overdue_baselines
from strides.audit.models import AuditEntry
from strides.demo import curriculum, history_model
from strides.demo.builder import build
from strides.demo.generator import generate
from strides.demo.history import write_history
from strides.demo.history_plan import TEACHER_LOGIN, joining_school_key, prepare
from strides.demo.reset import clear_strides_data
from strides.frameworks.models import ExpectedPoint, Subject
from strides.frameworks.queries import FrameworkChooser
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale, point_map
from strides.organisations.models import AcademicYear, School
from strides.pupils.models import CharacteristicsPeriod, Enrolment

MAINSTREAM = ("primary", "secondary", "all_through")


def _start_year() -> int:
    return AcademicYear.start_year_for(dt.date.today())


def _history(seed: int = 1):
    start_year = _start_year()
    # in the spring term: last year's drops and this autumn's are locked, spring is the current one
    today = dt.date(start_year + 1, 2, 10)
    plan = prepare(generate(seed, "small", start_year))
    built = build(plan)
    summary = write_history(plan, today)
    return SimpleNamespace(plan=plan, trust=built.trust, summary=summary, today=today)


@pytest.fixture(scope="module")
def history_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            made = _history()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(history_demo, db):
    return history_demo


def judgement_facts() -> list[tuple]:
    return sorted(
        Judgement.objects.values_list(
            "pupil__upn", "subject__code", "drop__slug", "school__urn", "level__code", "point__code", "note"
        )
    )


def periods_on(day: dt.date) -> dict[int, CharacteristicsPeriod]:
    periods = CharacteristicsPeriod.objects.filter(valid_from__lte=day).exclude(valid_to__lte=day)
    return {p.pupil_id: p for p in periods}


def termly_drops():
    return DataDrop.objects.filter(kind=DropKind.TERMLY).order_by("assessed_on")


def current_drop(demo) -> DataDrop:
    return termly_drops().filter(academic_year__start_year=demo.plan.start_year).last()


def expected_values() -> dict[tuple[int, str], int]:
    return {(e.nc_year, e.term): e.point.value for e in ExpectedPoint.objects.select_related("point")}


def mainstream_rows(demo):
    """(pupil, subject, drop, point value, expected value, disadvantaged) of every termly
    judgement at a mainstream school."""
    expected = expected_values()
    rows = []
    for drop in termly_drops():
        periods = periods_on(drop.assessed_on)
        for pupil_id, subject_id, value in Judgement.objects.filter(
            drop=drop, school__school_type__in=MAINSTREAM
        ).values_list("pupil_id", "subject_id", "point__value"):
            period = periods[pupil_id]
            rows.append(
                (
                    pupil_id,
                    subject_id,
                    drop,
                    value,
                    expected[(period.nc_year, drop.term)],
                    period.disadvantaged,
                )
            )
    return rows


# --- determinism ------------------------------------------------------------------------------


def test_the_courses_are_the_same_for_a_seed_and_differ_between_seeds():
    plan = prepare(generate(1, "small", 2025))
    again = history_model.draw_courses(prepare(generate(1, "small", 2025)))
    courses = history_model.draw_courses(plan)
    assert courses.keys() == again.keys()
    assert all(courses[upn].values == again[upn].values for upn in courses)
    other = history_model.draw_courses(replace(plan, seed=2))
    assert [courses[upn].values for upn in courses] != [other[upn].values for upn in courses]


def test_the_same_seed_gives_the_same_judgements(demo):
    before = judgement_facts()
    statuses = sorted(DropSchool.objects.values_list("drop__slug", "school__urn", "status"))
    assert len(before) == demo.summary.judgements > 3000
    clear_strides_data()
    _history(seed=1)
    assert judgement_facts() == before
    assert sorted(DropSchool.objects.values_list("drop__slug", "school__urn", "status")) == statuses


# --- the calendar -----------------------------------------------------------------------------


def test_three_academic_years_of_termly_drops_up_to_the_current_one(demo):
    start = demo.plan.start_year
    names = [(d.academic_year.start_year, d.term) for d in termly_drops()]
    assert names == [
        (start - 2, "autumn"),
        (start - 2, "spring"),
        (start - 2, "summer"),
        (start - 1, "autumn"),
        (start - 1, "spring"),
        (start - 1, "summer"),
        (start, "autumn"),
        (start, "spring"),
    ]
    for drop in termly_drops():
        assert drop.nc_years == list(range(1, 12))
        collected = set(drop.subjects.values_list("code", flat=True))
        assert collected == {"reading", "writing", "maths", *curriculum.CODES}
    current = current_drop(demo)
    past = DropSchool.objects.exclude(drop=current).exclude(
        drop__kind=DropKind.BASELINE, status="in_progress"
    )
    assert set(past.values_list("status", flat=True)) == {DropStatus.LOCKED}


def test_drops_and_their_sign_off_are_audited_as_the_analyst_and_heads(demo):
    analyst = User.objects.get(username="analyst")
    created = AuditEntry.objects.filter(object_type="assessment.DataDrop", action="create")
    assert set(created.values_list("actor", flat=True)) == {analyst.pk}
    assert created.count() == DataDrop.objects.count()
    changes = AuditEntry.objects.filter(object_type="assessment.DropSchool")
    locks = [e for e in changes if (e.after or {}).get("status") == DropStatus.LOCKED]
    assert locks and {e.actor_id for e in locks} == {analyst.pk}
    submits = [e for e in changes if (e.after or {}).get("status") == DropStatus.SUBMITTED]
    heads = set(User.objects.filter(memberships__role="headteacher").values_list("pk", flat=True))
    assert submits and {e.actor_id for e in submits} <= heads


def test_a_moderated_drop_was_reopened_and_three_judgements_changed_through_the_grid_path(demo):
    revisions = JudgementRevision.objects.filter(reason="moderation").select_related("judgement__drop")
    assert revisions.count() == 3
    assert {r.judgement.drop.term for r in revisions} == {"summer"}
    assert all(r.level_before.order == r.level_after.order + 1 for r in revisions)
    part = DropSchool.objects.get(drop=revisions[0].judgement.drop, school=revisions[0].judgement.school)
    assert part.status == DropStatus.LOCKED and "moderation" in part.reopen_reason


# --- the current drop and the new school ---------------------------------------------------------


def test_the_current_drop_is_part_complete(demo):
    drop = current_drop(demo)
    assert drop.deadline >= demo.today
    board = {
        row.part.school.urn: row
        for row in trust_board(
            User.objects.get(username="analyst"),
            drop,
            list(drop.school_parts.values_list("school", flat=True)),
        )
    }
    statuses = Counter(row.part.status for row in board.values())
    assert statuses[DropStatus.NOT_STARTED] == 1
    assert statuses[DropStatus.SUBMITTED] >= 1 and statuses[DropStatus.IN_PROGRESS] >= 1
    for row in board.values():
        if row.part.status == DropStatus.SUBMITTED:
            assert row.recorded == row.expected > 0
        elif row.part.status == DropStatus.NOT_STARTED:
            assert row.recorded == 0 < row.expected
        else:
            assert 0 < row.recorded < row.expected


def test_an_in_progress_school_has_some_classes_done_by_their_teachers_and_others_to_do(demo):
    drop = current_drop(demo)
    keys = {s.urn: s.key for s in demo.plan.schools}
    parts = drop.school_parts.filter(status=DropStatus.IN_PROGRESS).select_related("school")
    assert parts
    for part in parts:
        judged = defaultdict(set)  # UPN -> who recorded the pupil's judgements at this school
        for upn, recorder in Judgement.objects.filter(drop=drop, school=part.school).values_list(
            "pupil__upn", "recorded_by__username"
        ):
            judged[upn].add(recorder)
        groups = [c for c in demo.plan.classes if c.school == keys[part.school.urn] and not c.subject]
        done = [g for g in groups if any(upn in judged for upn in g.pupils)]
        assert 0 < len(done) < len(groups)
        for group in done:
            recorders = set().union(*(judged[upn] for upn in group.pupils if upn in judged))
            assert recorders == {group.teachers[0]}
        teachers_class = [g for g in groups if TEACHER_LOGIN in g.teachers]
        assert all(not any(upn in judged for upn in g.pupils) for g in teachers_class)


def test_the_school_that_joined_this_year_owes_baselines(demo):
    key = joining_school_key(demo.plan)
    urn = next(s.urn for s in demo.plan.schools if s.key == key)
    school = School.objects.get(urn=urn)
    assert school.joined_trust_on == dt.date(demo.plan.start_year, 9, 1)
    assert not Judgement.objects.filter(school=school, drop__assessed_on__lt=school.joined_trust_on).exists()
    assert not DropSchool.objects.filter(school=school, drop__kind=DropKind.TERMLY).exists()
    baseline = DataDrop.objects.get(kind=DropKind.BASELINE, school_parts__school=school)
    assert baseline.opens_on == school.joined_trust_on
    assert DropSchool.objects.get(drop=baseline).status == DropStatus.IN_PROGRESS
    subjects = list(Subject.objects.filter(code__in=history_model.SUBJECTS).values_list("pk", flat=True))
    owed = overdue_baselines(User.objects.get(username="analyst"), [school.pk], subjects, demo.today)
    assert owed and {o.school_id for o in owed} == {school.pk}
    owing = {o.pupil_id for o in owed}
    assert not Judgement.objects.filter(pupil_id__in=owing, school=school).exists()
    assert Judgement.objects.filter(drop=baseline).exclude(pupil_id__in=owing).exists(), (
        "some baselines are in"
    )


def test_pupils_who_arrived_later_have_no_earlier_judgements(demo):
    starts = defaultdict(list)
    for pupil_id, start in Enrolment.objects.values_list("pupil_id", "start_date"):
        starts[pupil_id].append(start)
    judged_on = Judgement.objects.values_list("pupil_id", "drop__assessed_on")
    assert all(day >= min(starts[pupil_id]) for pupil_id, day in judged_on)
    arrived = [p for p, s in starts.items() if min(s) >= dt.date(demo.plan.start_year, 9, 1)]
    assert arrived
    assert not Judgement.objects.filter(
        pupil_id__in=arrived, drop__assessed_on__lt=dt.date(demo.plan.start_year, 9, 1)
    ).exists()


# --- every judgement ---------------------------------------------------------------------------


def test_judgements_are_only_for_pupils_on_roll_in_the_drops_year_groups(demo):
    enrolments = defaultdict(list)
    for pupil_id, school_id, start, end in Enrolment.objects.values_list(
        "pupil_id", "school_id", "start_date", "end_date"
    ):
        enrolments[(pupil_id, school_id)].append((start, end))
    for drop in DataDrop.objects.all():
        periods = periods_on(drop.assessed_on)
        years = drop.nc_years or list(range(1, 12))
        for pupil_id, school_id, joined in Judgement.objects.filter(drop=drop).values_list(
            "pupil_id", "school_id", "school__joined_trust_on"
        ):
            spans = enrolments[(pupil_id, school_id)]
            day = drop.assessed_on
            assert any(s <= day and (e is None or e >= day) for s, e in spans), (pupil_id, drop.slug)
            assert periods[pupil_id].nc_year in years
            assert joined <= day


def test_every_point_comes_from_the_crosswalk_in_force(demo):
    scale = ensure_common_scale(demo.trust)
    for drop in DataDrop.objects.all():
        crosswalk = crosswalk_in_force(scale, drop.assessed_on)
        mapping = point_map(crosswalk)
        rows = Judgement.objects.filter(drop=drop).values_list("level_id", "point_id", "crosswalk_id")
        assert rows
        assert all(
            crosswalk_id == crosswalk.pk and point == mapping[level] for level, point, crosswalk_id in rows
        )


def test_each_pupil_is_judged_on_the_framework_their_school_chose_for_them(demo):
    used = Counter()
    for drop in DataDrop.objects.all():
        periods = periods_on(drop.assessed_on)
        subjects = list(drop.subjects.all())
        choosers = {}
        for pupil_id, subject_id, school_id, framework_id, code in Judgement.objects.filter(
            drop=drop
        ).values_list("pupil_id", "subject_id", "school_id", "level__framework_id", "level__framework__code"):
            if school_id not in choosers:  # one chooser (one query) per school and drop
                choosers[school_id] = FrameworkChooser(school_id, subjects, drop.assessed_on)
            chooser = choosers[school_id]
            nc_year = periods[pupil_id].nc_year
            assert chooser.framework_for(pupil_id, subject_id, nc_year).pk == framework_id
            used[(code, nc_year >= 10)] += 1
    frameworks = {code for code, _ in used}
    assert {"nc-bands", "gcse", "pre-key-stage", "engagement", "entry-level"} <= frameworks
    assert not used[("gcse", False)] and not used[("entry-level", False)], "GCSE and Entry Level are for KS4"
    special = Judgement.objects.filter(school__school_type="special")
    for need, codes in (("PMLD", {"engagement"}), ("SLD", {"engagement", "pre-key-stage"})):
        pupils = CharacteristicsPeriod.objects.filter(primary_need=need).values("pupil_id")
        assert (
            set(special.filter(pupil_id__in=pupils).values_list("level__framework__code", flat=True)) <= codes
        )
    engaged = Judgement.objects.filter(level__framework__code="engagement")
    assert engaged.exists() and not engaged.filter(note="").exists(), "the five areas are noted"


# --- plausibility --------------------------------------------------------------------------------


def test_most_mainstream_pupils_are_at_or_above_expected_with_a_disadvantage_gap_near_the_national_one(demo):
    rows = mainstream_rows(demo)
    at = Counter()
    total = Counter()
    for _, _, _, value, expected, disadvantaged in rows:
        total[disadvantaged] += 1
        at[disadvantaged] += value >= expected
    overall = (at[True] + at[False]) / (total[True] + total[False])
    gap = at[False] / total[False] - at[True] / total[True]
    assert 0.55 <= overall <= 0.8, overall
    assert 0.10 <= gap <= 0.26, gap


def test_most_pupils_progress_and_some_stall_or_fall_back(demo):
    by_pupil = defaultdict(list)
    for pupil_id, subject_id, drop, value, expected, _ in mainstream_rows(demo):
        by_pupil[(pupil_id, subject_id)].append((drop.assessed_on, value, expected))
    yearly, stalls, falls, moves = [], 0, 0, 0
    for course in by_pupil.values():
        course.sort()
        for (_, before, expected_before), (_, after, expected_after) in itertools.pairwise(course):
            moves += 1
            falls += after < before
            stalls += after == before and expected_after > expected_before
        yearly += [after - before for (_, before, _), (_, after, _) in zip(course, course[3:], strict=False)]
    assert sum(1 for change in yearly if change > 0) / len(yearly) > 0.85, "most progress over a year"
    assert sum(yearly) / len(yearly) == pytest.approx(3, abs=0.6), "about a band a term"
    assert 0.02 < stalls / moves < 0.25
    assert 0 < falls / moves < 0.05


def test_special_school_pupils_move_in_small_steps(demo):
    courses = defaultdict(list)
    for pupil_id, subject_id, day, value in Judgement.objects.filter(
        school__school_type="special", drop__kind=DropKind.TERMLY
    ).values_list("pupil_id", "subject_id", "drop__assessed_on", "point__value"):
        courses[(pupil_id, subject_id)].append((day, value))
    steps = []
    for course in courses.values():
        course.sort()
        steps += [after - before for (_, before), (_, after) in itertools.pairwise(course)]
    assert len(steps) > 100
    assert sum(1 for s in steps if 0 <= s <= 1) / len(steps) > 0.85
    assert sum(1 for s in steps if s == 0) / len(steps) > 0.4, "often the same level for a term or two"


def test_the_secondary_tracks_a_secondary_curriculum_and_the_primary_its_core(demo):
    locked = [d for d in termly_drops() if d.school_parts.filter(status=DropStatus.LOCKED).exists()]
    by_type: dict[str, set[str]] = defaultdict(set)
    drops_with: dict[str, set[int]] = defaultdict(set)
    for school_type, code, drop_id in (
        Judgement.objects.filter(drop__in=locked)
        .values_list("school__school_type", "subject__code", "drop_id")
        .distinct()
    ):
        by_type[school_type].add(code)
        drops_with[code].add(drop_id)
    assert by_type["primary"] == {"reading", "writing", "maths"}
    assert by_type["secondary"] == {"reading", "writing", "maths", *curriculum.CODES}
    assert 10 <= len(by_type["secondary"]) <= 12
    assert by_type["special"] >= set(curriculum.CODES)  # special schools take every phase
    assert all(len(drops_with[code]) >= 5 for code in curriculum.CODES)  # a history, not one drop
    # a secondary pupil's history follows a realistic spread, not one copied value
    history = Subject.objects.get(code="history", trust=None)
    levels = set(
        Judgement.objects.filter(subject=history, school__school_type="secondary").values_list(
            "level__code", flat=True
        )
    )
    assert len(levels) > 6
