from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.queries import baselines, completeness, overdue_baselines
from strides.assessment.services import (
    AssessmentError,
    DropClosed,
    StaleJudgement,
    apply_crosswalk,
    crosswalk_differences,
    record_judgement,
    transition,
)
from strides.audit.models import AuditEntry
from strides.frameworks.models import CommonScale, Crosswalk, CrosswalkEntry, ExpectedPoint, ScalePoint
from strides.frameworks.services import ensure_common_scale, publish_crosswalk

pytestmark = pytest.mark.django_db


def save(user, pupil, drop, school, lvl, subjects, version, subject="reading"):
    return record_judgement(user, pupil, subjects[subject], drop, school, lvl, expected_version=version)


def test_a_judgement_keeps_the_level_and_derives_the_point(cast, drop, subjects, level):
    j = save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    assert j.level.code == "Y3 WTS" and j.point.code == "NS11" and j.version == 1
    assert j.crosswalk.version == 1
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.IN_PROGRESS


def test_a_trust_without_its_common_scale_gets_it_on_the_first_save(cast, drop, subjects, level):
    # as for a drop made outside create_drop: no scale yet
    scale = CommonScale.objects.get(trust=cast.trust)
    CrosswalkEntry.objects.filter(crosswalk__scale=scale).delete()
    ExpectedPoint.objects.filter(scale=scale).delete()
    Crosswalk.objects.filter(scale=scale).delete()
    ScalePoint.objects.filter(scale=scale).delete()
    scale.delete()
    j = save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    assert j.point.code == "NS11" and j.crosswalk.version == 1


def test_every_revision_is_kept(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    j = Judgement.objects.get()
    assert j.version == 2 and j.recorded_by == cast.ta
    revisions = list(JudgementRevision.objects.filter(judgement=j).order_by("version"))
    assert [(r.level_before and r.level_before.code, r.level_after.code) for r in revisions] == [
        (None, "Y3 WTS"),
        ("Y3 WTS", "Y3 EXS"),
    ]


def test_every_change_is_audited_in_the_same_transaction(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 2)  # unchanged: no entry
    j = Judgement.objects.get()
    entries = list(AuditEntry.objects.filter(object_type="assessment.Judgement").order_by("id"))
    assert [(e.actor, e.action, e.object_id, e.school_id) for e in entries] == [
        (cast.teacher, "create", str(j.pk), cast.north.pk),
        (cast.ta, "update", str(j.pk), cast.north.pk),
    ]
    assert entries[0].before is None
    assert entries[0].after == {"level": "Y3 WTS", "note": "", "version": 1}
    assert entries[1].before == {"level": "Y3 WTS", "note": "", "version": 1}
    assert entries[1].after == {"level": "Y3 EXS", "note": "", "version": 2}
    assert entries[1].reason == "grid" and entries[1].object_repr == "Ava Archer Reading Autumn: Y3 EXS"
    # the part's move to in progress, once
    moved = AuditEntry.objects.get(object_type="assessment.DropSchool")
    assert (moved.before, moved.after) == ({"status": "not_started"}, {"status": "in_progress"})
    # a refused save writes nothing at all
    written = AuditEntry.objects.count()
    with pytest.raises(StaleJudgement):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 1)
    assert AuditEntry.objects.count() == written
    assert JudgementRevision.objects.count() == 2


@pytest.fixture
def head_submits_after_the_checks(cast, drop, monkeypatch):
    """Call it to make the head submit the school's drop between the next save's checks and its
    transaction."""
    from strides.assessment.services import recording

    checked = recording._check_save

    def head_submits_meanwhile(*args):
        facts = checked(*args)
        transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
        return facts

    return lambda: monkeypatch.setattr(recording, "_check_save", head_submits_meanwhile)


def test_a_drop_submitted_after_the_checks_is_refused_under_the_lock(
    cast, drop, subjects, level, head_submits_after_the_checks
):
    head_submits_after_the_checks()
    with pytest.raises(DropClosed, match="submitted by the head"):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    assert not Judgement.objects.exists() and not JudgementRevision.objects.exists()
    assert not AuditEntry.objects.filter(object_type="assessment.Judgement").exists()


def test_a_change_after_the_checks_to_a_drop_submitted_meanwhile_is_refused_under_the_lock(
    cast, drop, subjects, level, head_submits_after_the_checks
):
    """The same for a change to a saved cell, whose part is read under a shared lock."""
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    head_submits_after_the_checks()
    with pytest.raises(DropClosed, match="submitted by the head"):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 1)
    judgement = Judgement.objects.get()
    assert (judgement.level.code, judgement.version) == ("Y3 WTS", 1)
    assert JudgementRevision.objects.count() == 1


def test_a_save_over_a_newer_edit_is_refused_showing_both_values(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    with pytest.raises(StaleJudgement) as stale:
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 1)
    message = str(stale.value)
    assert "Y3 EXS" in message and "Y3 GDS" in message
    assert Judgement.objects.get().level.code == "Y3 EXS"
    # the user chooses to save over it, now against the version they have seen
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 2)
    assert Judgement.objects.get().level.code == "Y3 GDS"


def test_a_first_save_when_someone_else_already_saved_is_refused(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    with pytest.raises(StaleJudgement):
        save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 0)


def test_saving_the_same_value_changes_nothing(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    again = save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 1)
    assert again.version == 1 and JudgementRevision.objects.count() == 1


def test_a_stale_save_of_the_value_already_saved_is_no_lost_update(cast, drop, subjects, level):
    """Issue 8: a save sent as the page closed lands after the page reloaded; sent again against
    the version it was typed on, it is the value already there: saved, unchanged, whoever saved it."""
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    save(cast.ta, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    for user, seen in ((cast.teacher, 0), (cast.teacher, 1), (cast.ta, 1)):
        same = save(user, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, seen)
        assert same.version == 2 and same.level.code == "Y3 EXS" and same.recorded_by == cast.ta
    assert JudgementRevision.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="assessment.Judgement").count() == 2
    # a different level against the old version is still someone's edit overwritten: refused
    with pytest.raises(StaleJudgement):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 1)
    assert Judgement.objects.get().level.code == "Y3 EXS"


def test_who_may_record(cast, drop, subjects, level):
    for user in (cast.other_teacher, cast.governor, cast.director, cast.parent, cast.placing, cast.eap):
        with pytest.raises(PermissionError):
            save(user, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    with pytest.raises(PermissionError):  # ben is not in the teacher's class
        save(cast.teacher, cast.ben, drop, cast.north, level("Y3 WTS"), subjects, 0)
    save(cast.senco, cast.ben, drop, cast.north, level("Y2 WTS"), subjects, 0)


def test_levels_must_fit_the_subject_and_the_drop(cast, drop, subjects, level):
    with pytest.raises(AssessmentError, match="not collected"):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0, subject="science")
    with pytest.raises(AssessmentError, match="not on"):
        save(cast.admin, cast.cara, drop, cast.north, level("Y8 WTS"), subjects, 0)


def test_drop_states_and_who_moves_them(cast, drop, subjects, level):
    part = DropSchool.objects.get(drop=drop, school=cast.north)
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    with pytest.raises(PermissionError):
        transition(cast.teacher, part, DropStatus.SUBMITTED)
    transition(cast.head, part, DropStatus.SUBMITTED)
    with pytest.raises(DropClosed):
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    with pytest.raises(DropClosed):  # not even the head, until the trust reopens it
        save(cast.head, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    with pytest.raises(PermissionError):
        transition(cast.head, part, DropStatus.REOPENED, reason="typo")
    with pytest.raises(AssessmentError, match="Say why"):
        transition(cast.analyst, part, DropStatus.REOPENED)
    transition(cast.analyst, part, DropStatus.REOPENED, reason="Ava's reading was entered in the wrong row")
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 1)
    transition(cast.head, part, DropStatus.SUBMITTED)
    transition(cast.analyst, part, DropStatus.LOCKED)
    with pytest.raises(AssessmentError, match="cannot become"):
        transition(cast.head, part, DropStatus.SUBMITTED)
    statuses = [
        e.after["status"]
        for e in AuditEntry.objects.filter(object_type="assessment.DropSchool").order_by("id")
    ]
    # the first save moved it from not started to in progress: audited like the others
    assert statuses == ["in_progress", "submitted", "reopened", "submitted", "locked"]


def test_a_new_crosswalk_never_silently_rewrites_a_past_drop(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    scale = ensure_common_scale(cast.trust)
    ns12 = ScalePoint.objects.get(scale=scale, code="NS12")
    publish_crosswalk(cast.analyst, scale, drop.assessed_on - dt.timedelta(days=1), {level("Y3 WTS"): ns12})
    j = Judgement.objects.get()
    assert j.point.code == "NS11"  # unchanged until applied
    crosswalk, changes = crosswalk_differences(drop)
    assert crosswalk.version == 2
    assert [(c.level, c.point_before, c.point_after) for c in changes] == [("Y3 WTS", "NS11", "NS12")]
    assert apply_crosswalk(cast.analyst, drop) == 1
    j.refresh_from_db()
    assert j.point.code == "NS12" and j.crosswalk.version == 2 and j.level.code == "Y3 WTS"
    assert AuditEntry.objects.filter(reason="crosswalk applied").exists()
    assert crosswalk_differences(drop)[1] == []


def test_crosswalk_versions_must_move_forward(cast, drop, level):
    scale = ensure_common_scale(cast.trust)
    point = ScalePoint.objects.get(scale=scale, code="NS12")
    with pytest.raises(ValueError, match="must take effect after"):
        publish_crosswalk(cast.analyst, scale, dt.date(1999, 1, 1), {level("Y3 WTS"): point})


def test_completeness_counts_pupils_times_subjects(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    rows = {
        row.part.school.name: row
        for row in completeness(cast.analyst, drop, today=drop.deadline + dt.timedelta(days=1))
    }
    north = rows["Northfield Primary"]
    assert (north.expected, north.recorded, north.overdue) == (6, 1, True)  # ava and ben x 3 subjects
    assert rows["Riverside Secondary"].recorded == 0


def test_baselines_and_overdue_baselines(cast, drop, subjects, level):
    save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 0)
    first = baselines(cast.analyst, [cast.ava.pk])
    assert first[(cast.ava.pk, subjects["reading"].pk)].level.code == "Y3 WTS"
    late = cast.year.starts_on + dt.timedelta(weeks=7)
    owed = overdue_baselines(cast.analyst, [cast.north.pk], [subjects["reading"].pk], late)
    assert {row.pupil_id for row in owed} == {cast.ben.pk}
