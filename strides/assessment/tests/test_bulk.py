"""The bulk judgement service: the rules of record_judgement for many rows, all or nothing."""

from __future__ import annotations

import pytest

from strides.assessment import services
from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services.bulk_judgements import JudgementRow, record_judgements
from strides.audit.models import AuditEntry
from strides.frameworks.services import create_framework, ensure_common_scale
from strides.imports.records import RowError


def rows_for(cast, subjects, level, code="Y3 EXS"):
    return [
        JudgementRow(cast.ava, subjects["reading"], level(code), row=2, field="Reading"),
        JudgementRow(cast.ava, subjects["maths"], level(code), row=2, field="Maths"),
        JudgementRow(cast.ben, subjects["reading"], level(code), row=3, field="Reading"),
    ]


def test_creates_judgements_with_points_revisions_and_one_audit_summary_per_school(
    cast, drop, subjects, level
):
    result = record_judgements(
        cast.analyst, drop, rows_for(cast, subjects, level), reason="import a.xlsx", dry_run=False
    )
    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 0, [])
    assert result.committed
    judgement = Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"], drop=drop)
    assert (judgement.level.code, judgement.point.code, judgement.version) == ("Y3 EXS", "NS12", 1)
    assert judgement.school == cast.north and judgement.recorded_by == cast.analyst
    assert judgement.crosswalk is not None
    assert JudgementRevision.objects.filter(version=1, reason="import a.xlsx").count() == 3
    revision = JudgementRevision.objects.get(judgement=judgement)
    assert revision.changed_at is not None and revision.point_after.code == "NS12"
    assert (revision.version, revision.level_before, revision.level_after.code) == (1, None, "Y3 EXS")
    assert revision.reason == "import a.xlsx" and revision.changed_by == cast.analyst
    part = DropSchool.objects.get(drop=drop, school=cast.north)
    assert part.status == DropStatus.IN_PROGRESS
    assert DropSchool.objects.get(drop=drop, school=cast.river).status == DropStatus.NOT_STARTED
    summaries = AuditEntry.objects.filter(object_type="assessment.DropSchool", reason="import a.xlsx")
    assert summaries.count() == 1
    assert summaries.get().after["judgements_created"] == 3
    assert summaries.get().school_id == cast.north.pk


def test_again_is_unchanged_and_a_change_is_a_new_version(cast, drop, subjects, level):
    record_judgements(cast.analyst, drop, rows_for(cast, subjects, level), reason="first", dry_run=False)
    again = record_judgements(
        cast.analyst, drop, rows_for(cast, subjects, level), reason="second", dry_run=False
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert not AuditEntry.objects.filter(reason="second").exists(), "nothing changed, nothing audited"

    changed = [
        JudgementRow(cast.ava, subjects["reading"], level("Y3 GDS"), note="Strong inference", row=2),
        JudgementRow(cast.ava, subjects["maths"], level("Y3 EXS"), row=2),
    ]
    result = record_judgements(cast.head, drop, changed, reason="third", dry_run=False)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    outcome = next(o for o in result.outcomes if o.outcome == "updated")
    assert (outcome.version_before, outcome.level_before_id) == (1, level("Y3 EXS").pk)
    judgement = Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"], drop=drop)
    assert (judgement.level.code, judgement.version, judgement.note) == ("Y3 GDS", 2, "Strong inference")
    assert judgement.recorded_by == cast.head
    latest = judgement.revisions.order_by("-version").first()
    assert (latest.version, latest.level_before.code, latest.level_after.code) == (2, "Y3 EXS", "Y3 GDS")


def test_a_missing_note_keeps_the_note_recorded(cast, drop, subjects, level):
    record_judgements(
        cast.head,
        drop,
        [JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"), note="kept")],
        reason="a",
        dry_run=False,
    )
    result = record_judgements(
        cast.head,
        drop,
        [JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"))],
        reason="b",
        dry_run=False,
    )
    assert result.unchanged == 1
    assert Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"]).note == "kept"


def test_one_bad_row_and_nothing_is_written(cast, drop, subjects, level):
    rows = [
        *rows_for(cast, subjects, level),
        JudgementRow(cast.ben, subjects["science"], level("Y3 EXS"), row=9, field="Science"),
    ]
    result = record_judgements(cast.analyst, drop, rows, reason="x", dry_run=False)
    assert not result.committed
    assert [(e.row, e.field, e.value) for e in result.errors] == [(9, "Science", "Y3 EXS")]
    assert "Science is not collected" in result.errors[0].message
    assert not Judgement.objects.exists()
    assert not JudgementRevision.objects.exists()
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.NOT_STARTED
    assert not AuditEntry.objects.filter(reason="x").exists()


def test_errors_passed_in_by_the_reader_refuse_everything(cast, drop, subjects, level):
    rows = [*rows_for(cast, subjects, level), RowError(7, "Reading", "Y3 Exx", "Not a level.")]
    result = record_judgements(cast.analyst, drop, rows, reason="x", dry_run=False)
    assert [e.row for e in result.errors] == [7]
    assert not Judgement.objects.exists()


def test_the_rules_of_record_judgement_hold_for_every_row(cast, drop, subjects, level):
    scale = ensure_common_scale(cast.trust)
    river_only = create_framework(
        cast.admin,
        cast.trust,
        "river-steps",
        "River steps",
        [("RS1", "Step 1", "", scale.points.get(code="NS5"))],
        subjects=[subjects["reading"]],
        school=cast.river,
    )
    cases = [
        # out of scope for a river head: ava is north's
        (
            cast.river_head,
            JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"), row=2),
            "cannot record",
        ),
        # a teacher sees their own class (3T: ava), not ben (3B)
        (cast.teacher, JudgementRow(cast.ben, subjects["reading"], level("Y3 EXS"), row=3), "cannot record"),
        # a framework of another school
        (cast.head, JudgementRow(cast.ava, subjects["reading"], river_only.levels.get(), row=4), "can use"),
        # a framework not used for the subject (the engagement model is, pre-key stage is not for science)
        (cast.head, JudgementRow(cast.ava, subjects["maths"], river_only.levels.get(), row=5), "can use"),
        # a governor holds no recording capability
        (cast.governor, JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"), row=6), "cannot record"),
        # a pupil of a school outside the drop (fay is at oak)
        (
            cast.analyst,
            JudgementRow(cast.fay, subjects["reading"], level("Y3 EXS"), row=7),
            "not on the roll",
        ),
    ]
    for actor, row, message in cases:
        result = record_judgements(actor, drop, [row], reason="x", dry_run=False)
        assert len(result.errors) == 1, (actor, row)
        assert message in result.errors[0].message, result.errors[0].message
        assert result.errors[0].row == row.row
    assert not Judgement.objects.exists()
    ok = record_judgements(
        cast.teacher,
        drop,
        [JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"))],
        reason="t",
        dry_run=False,
    )
    assert ok.created == 1


def test_a_closed_part_is_refused_once_not_row_by_row(cast, drop, subjects, level):
    services.transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    result = record_judgements(cast.analyst, drop, rows_for(cast, subjects, level), reason="x", dry_run=False)
    [error] = result.errors  # one for the school, at its first row, not one per judgement (issue 8)
    assert (error.row, error.field, error.value) == (2, "school", "Northfield Primary")
    assert "was submitted by the head (Hana Head) on" in error.message
    assert error.message.endswith("The file has 2 rows for it.")
    assert not Judgement.objects.exists()


def test_a_pupil_and_subject_given_twice_is_refused(cast, drop, subjects, level):
    rows = [
        JudgementRow(cast.ava, subjects["reading"], level("Y3 EXS"), row=2, field="Reading"),
        JudgementRow(cast.ava, subjects["reading"], level("Y3 GDS"), row=5, field="Reading TA"),
    ]
    result = record_judgements(cast.analyst, drop, rows, reason="x", dry_run=False)
    assert [(e.row, e.message) for e in result.errors] == [
        (5, "This pupil's Reading is also given on row 2.")
    ]


def test_the_command_line_is_trust_wide(cast, drop, subjects, level):
    rows = [JudgementRow(cast.cara.pk, subjects["reading"], level("Y8 WTS"), row=2)]
    result = record_judgements(None, drop, rows, reason="cli", dry_run=False)
    assert result.created == 1
    assert Judgement.objects.get().school == cast.river


def test_a_dry_run_writes_nothing_and_returns_the_versions_it_saw(cast, drop, subjects, level):
    services.record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    result = record_judgements(cast.analyst, drop, rows_for(cast, subjects, level), reason="x", dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert not result.committed and result.dry_run
    assert Judgement.objects.count() == 1
    assert result.versions == {
        (cast.ava.pk, subjects["reading"].pk): 1,
        (cast.ava.pk, subjects["maths"].pk): 0,
        (cast.ben.pk, subjects["reading"].pk): 0,
    }


def test_a_judgement_changed_since_the_preview_is_a_conflict(cast, drop, subjects, level):
    preview = record_judgements(cast.analyst, drop, rows_for(cast, subjects, level), reason="x", dry_run=True)
    # the teacher saves ava's reading in the grid between the preview and the commit
    services.record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 GDS"), expected_version=0
    )
    result = record_judgements(
        cast.analyst,
        drop,
        rows_for(cast, subjects, level),
        reason="x",
        dry_run=False,
        expected_versions=preview.versions,
    )
    assert not result.committed
    assert [(e.row, e.field) for e in result.errors] == [(2, "Reading")]
    message = result.errors[0].message
    assert "Tom Teacher changed Reading to Y3 GDS" in message and "the file says Y3 EXS" in message
    assert Judgement.objects.count() == 1, "only the teacher's save"
    assert Judgement.objects.get().level.code == "Y3 GDS"


@pytest.fixture
def many_pupils(cast):
    from strides.pupils import services as pupils
    from strides.pupils.upn import make_upn

    records = [
        pupils.PupilRecord(
            upn=make_upn(801, 2001, 21, n),
            legal_forename=f"Forename{n}",
            legal_surname=f"Surname{n}",
            date_of_birth=cast.ava.date_of_birth,
            sex="F",
            characteristics={"nc_year": 3},
            enrolment_start=cast.year.starts_on,
        )
        for n in range(100, 160)
    ]
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    from strides.pupils.models import Pupil

    return list(Pupil.objects.filter(upn__in=[r.upn for r in records]).order_by("pk"))


def _count_queries(callable_):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_query_count_does_not_grow_with_the_rows(
    cast, drop, subjects, level, many_pupils, django_assert_max_num_queries
):
    expected = level("Y3 EXS")

    def import_(pupils, reason):
        rows = [
            JudgementRow(pupil, subjects[code], expected, row=n)
            for n, pupil in enumerate(pupils, start=2)
            for code in ("reading", "writing", "maths")
        ]
        result = record_judgements(cast.analyst, drop, rows, reason=reason, dry_run=False)
        assert not result.errors
        return result

    ensure_common_scale(cast.trust)
    import_(many_pupils[:1], "warm the user's scope")
    few = _count_queries(lambda: import_(many_pupils[1:5], "few"))
    many = _count_queries(lambda: import_(many_pupils[5:], "many"))
    # 4 pupils x 3 subjects and 55 x 3 take the same reads; only SQLite's INSERTs split (999
    # parameters each: about 70 judgements or revisions per INSERT)
    assert many <= few + 4, (few, many)
    with django_assert_max_num_queries(30):
        import_(many_pupils, "again: all unchanged")
