"""Withdrawing a judgement recorded by mistake (issue 8 §2, ADR 7's amendment): kept with its
history and audited, left out of every figure, refused to teachers once the drop is submitted."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from strides.access.judgements import visible_judgements
from strides.assessment.completeness import completeness
from strides.assessment.drop_boards import trust_board
from strides.assessment.grid_queries import grid_classes
from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.queries import previous_judgements
from strides.assessment.services import (
    AssessmentError,
    DropClosed,
    StaleJudgement,
    create_drop,
    record_judgement,
    transition,
)
from strides.assessment.services.withdrawals import withdraw_judgement
from strides.assessment.sheets.export import export_rows
from strides.audit.models import AuditEntry
from strides.dashboards.frames import build_observations

pytestmark = pytest.mark.django_db


def save(user, pupil, drop, school, lvl, subjects, version, subject="reading"):
    return record_judgement(user, pupil, subjects[subject], drop, school, lvl, expected_version=version)


@pytest.fixture
def wrong(cast, drop, subjects, level):
    """Ava's reading, recorded by her teacher: meant for another pupil."""
    return save(cast.teacher, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 0)


def test_a_teacher_withdraws_a_judgement_kept_with_its_history_and_audited(cast, wrong):
    withdrawn = withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    assert withdrawn.version == 2 and withdrawn.withdrawn_by == cast.teacher
    assert not Judgement.objects.filter(pk=wrong.pk).exists()
    row = Judgement.history.get(pk=wrong.pk)
    assert row.withdrawn_at is not None and row.withdrawn_reason == "Wrong pupil"
    revision = JudgementRevision.objects.get(judgement=row, version=2)
    assert revision.level_before.code == "Y3 EXS" and revision.level_after is None
    assert revision.changed_by == cast.teacher and "withdrawn" in revision.reason
    assert "Wrong pupil" in revision.reason
    entry = AuditEntry.objects.filter(object_id=str(wrong.pk)).order_by("-pk").first()
    assert entry.after["withdrawn"] is True and entry.after["reason"] == "Wrong pupil"
    assert entry.actor == cast.teacher


def test_a_withdrawal_needs_a_reason_and_the_version_seen(cast, wrong):
    with pytest.raises(AssessmentError, match="Say why"):
        withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="  ")
    with pytest.raises(StaleJudgement):
        withdraw_judgement(cast.teacher, wrong, expected_version=0, reason="Wrong pupil")
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    with pytest.raises(StaleJudgement):  # someone else withdrew it first
        withdraw_judgement(cast.ta, wrong, expected_version=1, reason="Wrong pupil")
    assert JudgementRevision.objects.filter(judgement_id=wrong.pk).count() == 2


def test_after_submission_only_the_trust_may_withdraw(cast, drop, wrong):
    part = DropSchool.objects.get(drop=drop, school=cast.north)
    transition(cast.head, part, DropStatus.SUBMITTED)
    with pytest.raises(DropClosed, match="only the trust"):
        withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    with pytest.raises(DropClosed):
        withdraw_judgement(cast.head, wrong, expected_version=1, reason="Wrong pupil")
    assert Judgement.objects.filter(pk=wrong.pk).exists()
    withdraw_judgement(cast.admin, wrong, expected_version=1, reason="Wrong pupil, found at moderation")
    assert not Judgement.objects.filter(pk=wrong.pk).exists()


def test_someone_who_cannot_see_the_pupil_cannot_withdraw(cast, wrong):
    with pytest.raises(PermissionError):
        withdraw_judgement(cast.river_head, wrong, expected_version=1, reason="Wrong pupil")
    with pytest.raises(PermissionError):
        withdraw_judgement(cast.governor, wrong, expected_version=1, reason="Wrong pupil")


def test_re_entering_a_level_reinstates_it_as_a_new_version(cast, drop, subjects, level, wrong):
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong level")
    # the grid knows the withdrawn version; a client that saw nothing sends 0: both are accepted
    again = save(cast.teacher, cast.ava, drop, cast.north, level("Y3 WTS"), subjects, 2)
    assert again.pk == wrong.pk and again.version == 3 and again.withdrawn_at is None
    assert Judgement.objects.get(pk=wrong.pk).level.code == "Y3 WTS"
    withdraw_judgement(cast.teacher, again, expected_version=3, reason="Wrong again")
    assert save(cast.teacher, cast.ava, drop, cast.north, level("Y3 GDS"), subjects, 0).version == 5
    history = [
        (r.level_before and r.level_before.code, r.level_after and r.level_after.code)
        for r in JudgementRevision.objects.filter(judgement_id=wrong.pk).order_by("version")
    ]
    assert history == [
        (None, "Y3 EXS"), ("Y3 EXS", None), (None, "Y3 WTS"), ("Y3 WTS", None), (None, "Y3 GDS")
    ]  # fmt: skip
    with pytest.raises(StaleJudgement):  # a stale version is still refused
        save(cast.teacher, cast.ava, drop, cast.north, level("Y3 EXS"), subjects, 3)


# --- left out of every figure ----------------------------------------------------------------


def test_a_withdrawn_judgement_counts_in_no_figure(cast, drop, subjects, level, wrong):
    save(cast.head, cast.ben, drop, cast.north, level("Y3 WTS"), subjects, 0)

    def figures():
        north = next(c for c in completeness(cast.analyst, drop) if c.part.school_id == cast.north.pk)
        board = next(
            r for r in trust_board(cast.analyst, drop, [cast.north.pk]) if r.part.school_id == cast.north.pk
        )
        frame = build_observations(cast.trust.pk)
        exported = list(export_rows(drop))
        classes = {c.group.pk: c.recorded for s in grid_classes(cast.head, drop) for c in s.classes}
        return north.recorded, board.recorded, frame.height, len(exported) - 1, classes[cast.class_3t.pk]

    assert figures() == (2, 2, 2, 2, 1)
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    assert figures() == (1, 1, 1, 1, 0)


def test_a_withdrawn_judgement_is_not_the_previous_one_of_the_next_drop(cast, drop, subjects, level, wrong):
    year = cast.year
    spring = create_drop(
        cast.analyst, cast.trust, year, name="Spring", term="spring",
        opens_on=year.starts_on + dt.timedelta(days=150), deadline=year.starts_on + dt.timedelta(days=200),
        schools=[cast.north],
    )  # fmt: skip
    key = (cast.ava.pk, subjects["reading"].pk)

    def previous():
        return previous_judgements(spring, [key[0]], [key[1]], visible_judgements(cast.teacher))

    assert previous()[key].code == "Y3 EXS"
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    assert key not in previous()


def test_the_api_lists_no_withdrawn_judgement(cast, client, wrong):
    client.force_login(cast.teacher)
    url = "/api/v1/judgements/"
    assert client.get(url).json()["count"] == 1
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    assert client.get(url).json()["count"] == 0
    detail = f"/api/v1/judgements/{wrong.pk}/"
    assert client.get(detail).status_code == 404


def test_no_reader_joins_judgements_past_the_manager():
    """A join (``pupil__judgements__...``) does not go through ``Judgement.objects``: each one
    must leave withdrawn judgements out by hand. This finds any that do not."""
    root = Path(__file__).resolve().parents[2]
    problems = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        for match in re.finditer(r"\w*judgements__\w+", text):
            window = text[max(0, match.start() - 400) : match.end() + 400]
            if "judgements__withdrawn_at__isnull=True" not in window:
                problems.append(f"{path.relative_to(root)}: {match.group()}")
    assert problems == []


# --- the API ---------------------------------------------------------------------------------


def withdraw_url(judgement):
    return f"/api/v1/judgements/{judgement.pk}/withdraw/"


def test_the_api_withdraws_against_the_version_with_a_reason(cast, api, drop, wrong):
    teacher = api(cast.teacher)
    missing = teacher.post(withdraw_url(wrong), {"version": 1}, format="json")
    assert missing.status_code == 400 and "reason" in missing.content.decode()
    stale = teacher.post(withdraw_url(wrong), {"version": 3, "reason": "Wrong pupil"}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["level"]["code"] == "Y3 EXS"
    done = teacher.post(withdraw_url(wrong), {"version": 1, "reason": "Wrong pupil"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["version"] == 2 and done.json()["withdrawn_reason"] == "Wrong pupil"
    assert teacher.get("/api/v1/judgements/").json()["count"] == 0
    assert teacher.post(withdraw_url(wrong), {"version": 2, "reason": "x"}, format="json").status_code == 404
    # recording it again (version 0: the client sees nothing) reinstates it
    again = teacher.post(
        "/api/v1/judgements/",
        {"pupil": cast.ava.pk, "subject": "reading", "drop": drop.slug, "level": "Y3 WTS", "version": 0},
        format="json",
    )
    assert again.status_code in (200, 201), again.content
    assert again.json()["id"] == wrong.pk and again.json()["version"] == 3
    assert [r["level_after"] for r in again.json()["revisions"]] == ["Y3 EXS", None, "Y3 WTS"]


def test_the_api_refuses_a_teacher_after_submission_and_lets_the_trust(cast, api, drop, wrong):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    refused = api(cast.teacher).post(withdraw_url(wrong), {"version": 1, "reason": "Wrong"}, format="json")
    assert refused.status_code == 409 and refused.json()["status"] == "submitted"
    assert "only the trust" in refused.json()["detail"]
    governor = api(cast.governor).post(withdraw_url(wrong), {"version": 1, "reason": "x"}, format="json")
    assert governor.status_code in (403, 404)
    allowed = api(cast.admin).post(withdraw_url(wrong), {"version": 1, "reason": "Wrong"}, format="json")
    assert allowed.status_code == 200, allowed.content


def test_the_schema_documents_the_withdrawal(cast, api):
    schema = api(cast.teacher).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert "/api/v1/judgements/{id}/withdraw/" in schema.content.decode()


# --- a spreadsheet import --------------------------------------------------------------------


def import_rows(drop, actor, rows, *, dry_run=False, expected=None):
    from strides.assessment.sheets.importer import import_drop_file
    from strides.imports.tests.helpers import csv_bytes

    return import_drop_file(
        csv_bytes(rows), drop=drop, actor=actor, filename="fix.csv", reason="import fix.csv",
        dry_run=dry_run, expected_versions=expected,
    )  # fmt: skip


def test_an_import_withdraws_a_cell_saying_withdraw_the_note_says_why(cast, drop, subjects, level, wrong):
    save(cast.head, cast.ben, drop, cast.north, level("Y3 WTS"), subjects, 0)
    rows = [
        ["UPN", "Reading", "Reading note"],
        [cast.ava.upn, "Withdraw", "Entered for the wrong pupil"],
        [cast.ben.upn, "y3 exs", ""],
    ]
    preview, versions = import_rows(drop, cast.head, rows, dry_run=True)
    assert preview.errors == [] and (preview.updated, preview.withdrawn) == (2, 1)
    shown = {(r.name.split()[0], r.before, r.after) for r in preview.rows}
    assert shown == {("Ava", "Y3 EXS", "withdrawn"), ("Ben", "Y3 WTS", "Y3 EXS")}
    assert Judgement.objects.filter(pk=wrong.pk).exists(), "a preview writes nothing"
    report, _ = import_rows(drop, cast.head, rows, expected=versions)
    assert report.committed and report.summary()["withdrawn"] == 1
    row = Judgement.history.get(pk=wrong.pk)
    assert row.withdrawn_at is not None and row.withdrawn_reason == "Entered for the wrong pupil"
    assert row.withdrawn_by == cast.head and row.version == 2
    revision = JudgementRevision.objects.get(judgement=row, version=2)
    assert revision.level_after is None and revision.reason.startswith("withdrawn (import fix.csv)")
    assert AuditEntry.objects.filter(after__judgements_withdrawn=1).exists()
    # the same file again: nothing left to withdraw; a level in the cell reinstates it
    again, _ = import_rows(drop, cast.head, rows)
    assert again.committed is False or (again.withdrawn, again.unchanged) == (0, 2)
    back, _ = import_rows(drop, cast.head, [["UPN", "Reading"], [cast.ava.upn, "Y3 GDS"]])
    assert back.errors == [] and Judgement.objects.get(pk=wrong.pk).level.code == "Y3 GDS"
    assert Judgement.objects.get(pk=wrong.pk).version == 3


def test_an_import_cannot_withdraw_once_the_drop_is_submitted(cast, drop, wrong):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    report, _ = import_rows(drop, cast.head, [["UPN", "Reading"], [cast.ava.upn, "WITHDRAWN"]], dry_run=True)
    assert len(report.errors) == 1 and report.errors[0].row == 2  # refused once, for the school
    assert "submitted" in report.errors[0].message
    assert Judgement.objects.filter(pk=wrong.pk).exists()


def test_a_withdrawal_between_preview_and_commit_is_a_conflict(cast, drop, wrong):
    rows = [["UPN", "Reading"], [cast.ava.upn, "Y3 WTS"]]
    _, versions = import_rows(drop, cast.head, rows, dry_run=True)
    withdraw_judgement(cast.teacher, wrong, expected_version=1, reason="Wrong pupil")
    report, _ = import_rows(drop, cast.head, rows, expected=versions)
    assert not report.committed and "after the file was checked" in report.errors[0].message


def test_the_template_says_how_to_withdraw(cast, drop):
    import io

    from openpyxl import load_workbook

    from strides.assessment.sheets.template import build_template

    workbook = load_workbook(io.BytesIO(build_template(drop, cast.north, cast.head)))
    text = " ".join(str(row[0].value or "") for row in workbook["Instructions"].iter_rows())
    assert "type WITHDRAW in its cell" in text
