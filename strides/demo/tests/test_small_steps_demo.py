"""The demo trust's small steps (strides/demo/small_steps.py): two years of special-school records
made through the services, the conversations the thresholds raised, engagement observations in
words, records a teaching assistant made in the areas delegated to them, shared pages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction

from strides.accounts.models import ParentLink
from strides.audit.models import AuditEntry
from strides.classes.models import StaffRole
from strides.demo.builder import build
from strides.demo.generator import generate
from strides.demo.small_steps import FRAMEWORK_CODE, write_small_steps
from strides.organisations.models import AcademicYear
from strides.pupils.models import Enrolment
from strides.steps.models import (
    AchievementRecord,
    Conversation,
    Crossing,
    Delegation,
    EngagementObservation,
    ProgressShare,
    Shape,
    StepAssignment,
    StepFramework,
)


@pytest.fixture(scope="module")
def steps_demo(django_db_setup, django_db_blocker):
    today = dt.date.today()
    plan = generate(1, "small", AcademicYear.start_year_for(today))
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = build(plan)
            steps = write_small_steps(plan, today)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield SimpleNamespace(plan=plan, trust=summary.trust, steps=steps, today=today)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(steps_demo, db):
    return steps_demo


def special_pupil_ids():
    return set(
        Enrolment.objects.filter(school__school_type="special", end_date__isnull=True).values_list(
            "pupil_id", flat=True
        )
    )


def test_every_special_school_pupil_follows_a_framework_and_has_records(demo):
    special = special_pupil_ids()
    following = set(StepAssignment.objects.filter(pupil_id__in=special).values_list("pupil_id", flat=True))
    assert following == special
    on_linear = set(
        StepAssignment.objects.filter(pupil_id__in=special, framework__shape=Shape.LINEAR).values_list(
            "pupil_id", flat=True
        )
    )
    recorded = set(AchievementRecord.objects.filter(pupil_id__in=special).values_list("pupil_id", flat=True))
    assert recorded == on_linear
    assert len(on_linear) > 0.9 * len(special)


def test_records_span_two_years_and_are_audited_like_the_service(demo):
    days = AchievementRecord.objects.order_by("assessed_on").values_list("assessed_on", flat=True)
    assert days.first() <= dt.date(demo.plan.start_year - 2, 9, 30)
    assert days.last() <= demo.today
    assert AchievementRecord.objects.count() == demo.steps.records
    assert (
        AuditEntry.objects.filter(object_type="steps.AchievementRecord", action="create").count()
        == demo.steps.records
    )
    # append-only: each pupil's statement has versions 1, 2, 3... with no gap
    for pupil_id, statement_id in AchievementRecord.objects.values_list("pupil_id", "statement_id")[:200]:
        versions = sorted(
            AchievementRecord.objects.filter(pupil_id=pupil_id, statement_id=statement_id).values_list(
                "version", flat=True
            )
        )
        assert versions == list(range(1, len(versions) + 1))


def test_some_mainstream_sen_pupils_follow_the_framework(demo):
    mainstream = StepAssignment.objects.filter(school__school_type__in=("primary", "secondary"))
    assert mainstream.exists()
    framework = StepFramework.objects.get(code=FRAMEWORK_CODE, trust=demo.trust)
    assert framework.shared
    assert set(framework.areas.exclude(subject=None).values_list("code", "subject__code")) == {
        ("reading", "reading"),
        ("number", "maths"),
    }


def test_thresholds_raised_conversations_of_each_kind_some_held_and_closed(demo):
    conversations = Conversation.objects.filter(school__trust=demo.trust)
    assert conversations.count() == demo.steps.conversations > 0
    assert set(conversations.values_list("crossing", flat=True)) == set(Crossing.values)
    assert conversations.filter(held_on__isnull=False).exists()
    assert conversations.filter(closed_at__isnull=False).exists()
    # only completed terms: none for the term in progress
    assert not conversations.filter(academic_year__start_year=demo.plan.start_year, term="summer").exists()


def test_engagement_observations_are_words_with_no_score(demo):
    observations = EngagementObservation.objects.all()
    assert observations.count() == demo.steps.observations > 0
    assert all(o.narrative.strip() for o in observations)
    fields = {f.name for f in EngagementObservation._meta.get_fields()}
    assert not fields & {"score", "level", "points", "value"}
    assert observations.filter(area__framework__shape=Shape.ENGAGEMENT).count() == observations.count()
    on_engagement = set(observations.values_list("pupil_id", flat=True))
    assert not AchievementRecord.objects.filter(pupil_id__in=on_engagement).exists()


def test_teaching_assistants_recorded_only_the_areas_delegated_to_them(demo):
    delegations = Delegation.objects.select_related("group")
    assert delegations.exists()
    by_ta = AchievementRecord.objects.filter(recorded_by__in=delegations.values("assistant"))
    assert by_ta.exists()
    for record in by_ta.select_related("statement__area")[:500]:
        assert Delegation.objects.filter(
            assistant_id=record.recorded_by_id,
            area=record.statement.area,
            group__memberships__pupil_id=record.pupil_id,
            group__staff_links__user_id=record.recorded_by_id,
            group__staff_links__role=StaffRole.TEACHING_ASSISTANT,
        ).exists()


def test_the_parent_logins_child_has_a_shared_page(demo):
    child = ParentLink.objects.get(user__username="parent").pupil
    assert ProgressShare.objects.filter(pupil=child).exists()
    assert StepAssignment.objects.filter(pupil=child).exists()
    assert ProgressShare.objects.filter(school__school_type="special").exists()
