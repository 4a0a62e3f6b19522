"""The import itself, the one write path of pupil imports: shared by both commands, the upload
pages and the background task. It matches UPNs across the whole trust (a service read, ADR 12).

A parsed file (:mod:`strides.imports.spreadsheet` or :mod:`strides.imports.ctf`) is checked
against the pupils Strides already holds, turned into :class:`PupilRecord` s and handed to
:func:`strides.pupils.services.upsert_pupils`, the one bulk write path. It is all or nothing: when
any row is refused, the other rows are only planned (a dry run), so the report still says what
they would do, and nothing is written.

Who imports decides what the import may touch. With an acting user (the upload pages), a row
whose UPN names a pupil that user may not see is refused with one neutral message that says
nothing about that pupil. SEN columns apply only where the user holds EDIT_SEN; from anyone else
they are staged for the school's SENCO or head to confirm (:mod:`strides.pupils.services.staged_sen`),
never dropped. The commands (no acting user, run by an administrator on the server) reach the
whole trust, and stage SEN changes when asked to (``--stage-sen``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal

from django.db import transaction

from strides.access.actor import Actor
from strides.access.gate import can
from strides.access.roll_readers import upns_out_of_reach
from strides.accounts.roles import Capability
from strides.imports.ctf import parse_ctf
from strides.imports.fields import REQUIRED_FOR_NEW, SEN_FIELDS
from strides.imports.records import ImportReport, ParseResult, RowError, RowResult, SourceRow
from strides.imports.spreadsheet import looks_like_html, parse_spreadsheet
from strides.organisations.models import School
from strides.pupils.census_codes import RegistrationType
from strides.pupils.models import FormerUpn, Pupil
from strides.pupils.queries import UPN_NOT_HERE
from strides.pupils.services import IDENTITY_FIELDS, PupilDataError, PupilRecord, upsert_pupils
from strides.pupils.services.staged_sen import SenPlan, SenRow, plan_sen_changes, stage_sen_changes

Kind = Literal["spreadsheet", "ctf"]
# stage ("reading", "checking" or "writing"), done, total
Progress = Callable[[str, int, int], None]
CHUNK = 5000


class DestinationProblem(Exception):
    """The school to import into cannot be used; the message says why."""


def detect_kind(data: bytes) -> Kind:
    """XML is a CTF; anything else (an MIS's HTML "Excel" export too) is read as a spreadsheet."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "ctf" if head.startswith(b"<") and not looks_like_html(data) else "spreadsheet"


def parse_file(data: bytes, kind: Kind, filename: str = "", progress: Progress | None = None) -> ParseResult:
    step = (lambda done, total: progress("reading", done, total)) if progress else None
    if kind == "ctf":
        return parse_ctf(data, progress=step)
    return parse_spreadsheet(data, filename, progress=step)


def may_change_sen(actor: Actor | None, school: School) -> bool:
    """SEN provision and needs are for the SENCO, the head and the trust admin (EDIT_SEN)."""
    return actor is None or can(actor, Capability.EDIT_SEN, school)


# --- the destination ----------------------------------------------------------------------------


def trust_school_by_urn(urn: str) -> School:
    school = School.objects.filter(urn=(urn or "").strip()).first()
    if school is None:
        raise DestinationProblem(f"No school has the URN {urn!r}.")
    if not school.in_trust:
        raise DestinationProblem(f"{school.name} (URN {school.urn}) is not a school of the trust.")
    return school


def school_for_ctf(parsed: ParseResult) -> School:
    """The trust school a CTF is addressed to (DestSchool: its URN, or LEA and Estab when SIMS
    writes the URN as XXXXXX)."""
    dest = parsed.destination
    if dest is None:
        raise DestinationProblem("The file names no destination school (Header/DestSchool).")
    school = None
    if dest.urn.isdigit() and len(dest.urn) == 6:
        school = School.objects.filter(urn=dest.urn).first()
    if school is None and dest.la_code and dest.establishment_number:
        school = School.objects.filter(
            la_code=dest.la_code, establishment_number=dest.establishment_number
        ).first()
    if school is None:
        raise DestinationProblem(
            f"The file is addressed to {dest.describe()}, which is not a school in Strides. "
            "Choose the school to import into (--school URN)."
        )
    if not school.in_trust:
        raise DestinationProblem(
            f"The file is addressed to {school.name} ({dest.describe()}), which is not a school of the trust."
        )
    return school


# --- the import -----------------------------------------------------------------------------------


def import_file(
    data: bytes,
    *,
    kind: Kind,
    school: School | None,
    actor: Actor | None,
    reason: str,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    batch: Any = None,
    stage_sen: bool = False,
) -> ImportReport:
    """Parse ``data`` and import it into ``school`` (for a CTF, None means its DestSchool).
    ``batch``: the upload it came from; ``stage_sen``: stage SEN changes even for an importer who
    may make them (the command's ``--stage-sen``)."""
    parsed = parse_file(data, kind, filename, progress)
    if school is not None and parsed.destination is not None:
        try:
            addressed = school_for_ctf(parsed)
        except DestinationProblem:
            addressed = None
        if addressed is None or addressed.pk != school.pk:
            parsed.notes.append(
                f"The file is addressed to {addressed.name if addressed else parsed.destination.describe()}; "
                f"it is imported into {school.name} as chosen."
            )
    if school is None:
        try:
            school = school_for_ctf(parsed)
        except DestinationProblem as problem:
            report = ImportReport(dry_run=dry_run, notes=list(parsed.notes))
            report.errors = [*parsed.errors, RowError(None, "DestSchool", _dest(parsed), str(problem))]
            return report
    return import_rows(
        parsed,
        school,
        actor=actor,
        reason=reason,
        dry_run=dry_run,
        progress=progress,
        source=filename,
        batch=batch,
        stage_sen=stage_sen,
    )


def _dest(parsed: ParseResult) -> str:
    return parsed.destination.describe() if parsed.destination else ""


def import_rows(
    parsed: ParseResult,
    school: School,
    *,
    actor: Actor | None,
    reason: str,
    dry_run: bool = False,
    effective: dt.date | None = None,
    progress: Progress | None = None,
    source: str = "",
    batch: Any = None,
    stage_sen: bool = False,
) -> ImportReport:
    report = ImportReport(
        school_id=school.pk,
        school_name=school.name,
        ignored_columns=list(parsed.ignored_columns),
        notes=list(parsed.notes),
        dry_run=dry_run,
    )
    # SEN values the importer may not apply: taken out of the rows, planned and staged below
    sen_values: dict[int, dict[str, Any]] = {}
    report.sen_staging = stage_sen or not may_change_sen(actor, school)
    if report.sen_staging:
        for row in parsed.rows:
            values = {
                name: row.characteristics.pop(name) for name in SEN_FIELDS if name in row.characteristics
            }
            if values:
                sen_values[row.row] = values
    errors = list(parsed.errors)
    if not school.in_trust:
        errors.append(RowError(None, "school", school.urn, f"{school.name} is not a school of the trust."))
    if not parsed.rows and not errors:
        errors.append(RowError(None, "file", "", "The file has no pupil rows."))
    if progress:
        progress("checking", 0, len(parsed.rows))
    records, refused = complete_records(parsed.rows, actor=actor)
    errors.extend(refused)
    if progress:
        progress("writing", 0, len(records))
    outcomes = []
    plans: list[SenPlan] = []
    if records:
        try:
            with transaction.atomic():  # the pupils and the SEN changes staged, or nothing
                result = upsert_pupils(
                    actor,
                    school,
                    records,
                    effective=effective,
                    reason=reason,
                    dry_run=dry_run or bool(errors),
                )
                plans = plan_sen_changes(_sen_rows(records, sen_values))
                if result.committed and plans:
                    stage_sen_changes(
                        actor,
                        school,
                        plans,
                        source=source or reason,
                        effective=effective or dt.date.today(),
                        batch=batch,
                    )
        except PupilDataError as exc:
            errors.append(RowError(None, "file", "", str(exc)))
        else:
            outcomes = result.outcomes
            report.committed = result.committed
            _report_sen(report, plans, school)
    by_row = {r.row: r for r in records}
    for outcome in outcomes:
        rec = by_row.get(outcome.row)
        report.rows.append(
            RowResult(
                row=outcome.row,
                upn=outcome.upn,
                name=f"{rec.legal_forename} {rec.legal_surname}" if rec else "",
                outcome=outcome.outcome,
                changes={k: [_plain(old), _plain(new)] for k, (old, new) in outcome.changes.items()},
            )
        )
        setattr(report, outcome.outcome, getattr(report, outcome.outcome) + 1)
    report.errors = sorted(errors, key=lambda e: (e.row is not None, e.row or 0))
    if progress:
        progress("writing", len(records), len(records))
    return report


def _sen_rows(records: Sequence[PupilRecord], sen_values: dict[int, dict[str, Any]]) -> list[SenRow]:
    return [
        SenRow(
            row=rec.row,
            upn=rec.upn,
            name=f"{rec.legal_forename} {rec.legal_surname}",
            values=sen_values[rec.row],
            former_upns=rec.former_upns,
        )
        for rec in records
        if rec.row in sen_values
    ]


def _report_sen(report: ImportReport, plans: Sequence[SenPlan], school: School) -> None:
    """The SEN changes staged (or to be staged) in the report, with a note saying so."""
    staged = [p for p in plans if p.outcome == "staged"]
    report.sen_staged = [p.as_report() for p in staged]
    report.sen_waiting = sum(1 for p in plans if p.outcome == "waiting")
    count = len(staged)
    changes = f"{count} SEN change{'' if count == 1 else 's'}"
    who = f"the SENCO or head of {school.name}"
    if count and report.committed:
        report.notes.append(f"{changes} staged for {who} to confirm; SEN records are unchanged until then.")
    elif count:
        report.notes.append(
            f"{changes} will be staged for {who} to confirm: only the SENCO, head or trust admin can "
            "change SEN records, so this import does not apply them itself."
        )
    if report.sen_waiting:
        waiting = report.sen_waiting
        report.notes.append(
            f"{waiting} SEN change{'' if waiting == 1 else 's'} in the file "
            f"{'is' if waiting == 1 else 'are'} already waiting for {who} from an earlier import."
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def complete_records(
    rows: Sequence[SourceRow], *, actor: Actor | None = None
) -> tuple[list[PupilRecord], list[RowError]]:
    """Records for ``upsert_pupils``: known pupils keep what the file leaves out; new pupils must
    have every required field. With an ``actor``, a row naming (by UPN or former UPN) a pupil the
    actor may not reach is refused, neutrally. Reads in a few chunked queries, never one per row."""
    upns = [r.upn for r in rows]
    wanted = list(dict.fromkeys([*upns, *(u for r in rows for u in r.former_upns)]))
    out_of_reach = upns_out_of_reach(actor, wanted)
    known: dict[str, Pupil] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for found in Pupil.objects.filter(upn__in=chunk).only("id", "upn", *IDENTITY_FIELDS):
            known[found.upn] = found
    unknown = [u for u in upns if u not in known]
    replaced: dict[str, str] = {}
    for start in range(0, len(unknown), CHUNK):
        chunk = unknown[start : start + CHUNK]
        replaced.update(FormerUpn.objects.filter(upn__in=chunk).values_list("upn", "pupil__upn"))

    records: list[PupilRecord] = []
    errors: list[RowError] = []
    matched: dict[int, int] = {}
    for row in rows:
        if row.upn in out_of_reach or any(u in out_of_reach for u in row.former_upns):
            # Never the pupil's name, values or current UPN: only which value of the row.
            if row.upn in out_of_reach:
                errors.append(RowError(row.row, row.label("upn"), row.upn, UPN_NOT_HERE))
            for former in (u for u in row.former_upns if u in out_of_reach):
                errors.append(RowError(row.row, row.label("former_upns"), former, UPN_NOT_HERE))
            continue
        pupil = known.get(row.upn) or next((known[u] for u in row.former_upns if u in known), None)
        row_errors: list[RowError] = []
        if pupil is None and row.upn in replaced:
            row_errors.append(
                RowError(
                    row.row,
                    row.label("upn"),
                    row.upn,
                    f"UPN {row.upn} is a former UPN of the pupil now known as {replaced[row.upn]}; "
                    "use the current UPN.",
                )
            )
        elif pupil is not None and pupil.pk in matched:
            row_errors.append(
                RowError(
                    row.row,
                    row.label("upn"),
                    row.upn,
                    f"This row and row {matched[pupil.pk]} are the same pupil ({pupil.upn}).",
                )
            )
        elif pupil is None:
            for name in REQUIRED_FOR_NEW:
                given = row.characteristics if name == "nc_year" else row.identity
                if name not in given:
                    row_errors.append(
                        RowError(
                            row.row,
                            row.label(name),
                            "",
                            f"{row.label(name)} is needed for a new pupil (no pupil has UPN {row.upn}).",
                        )
                    )
        if row_errors:
            errors.extend(row_errors)
            continue
        identity = {name: getattr(pupil, name) for name in IDENTITY_FIELDS} if pupil else {}
        identity.update(row.identity)
        for part in ("forename", "surname"):
            # an MIS fills the preferred name with the legal one; store it only when it differs
            if identity.get(f"preferred_{part}") == identity.get(f"legal_{part}"):
                identity[f"preferred_{part}"] = ""
        if pupil is not None:
            matched[pupil.pk] = row.row
        records.append(
            PupilRecord(
                upn=row.upn,
                legal_forename=identity["legal_forename"],
                legal_surname=identity["legal_surname"],
                date_of_birth=identity["date_of_birth"],
                sex=identity["sex"],
                middle_names=identity.get("middle_names", ""),
                preferred_forename=identity.get("preferred_forename", ""),
                preferred_surname=identity.get("preferred_surname", ""),
                former_upns=row.former_upns,
                characteristics=dict(row.characteristics),
                enrolment_start=row.enrolment_start,
                registration=row.registration or RegistrationType.SINGLE,
                row=row.row,
            )
        )
    return records, errors
