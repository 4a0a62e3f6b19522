"""Recording one judgement (``record_judgement``): the one path for the class grid, the API, the
demo and tasks (a spreadsheet import writes through ``bulk_judgements`` under the same rules).

A save is the moment a teacher waits for, so it makes few statements (ADR 7, docs/performance.md):

1. one query reads every rule about the pupil and the drop (:func:`_save_facts`): the school's
   part of the drop, the pupil through the gate and on the roll, the subject collected, the
   pupil's NC year, the judgement as it stands and the configuration stamp;
2. the trust's frameworks, levels, framework choices and crosswalk come from what the process
   keeps under that stamp (``strides.frameworks.configuration``): no query once warm;
3. in one transaction: the school's part of the drop is read again under a lock (shared on
   PostgreSQL, so teachers of one school do not queue behind each other, but a head's submission,
   which locks it for update, waits for saves under way and they for it), the judgement is
   written only if its version is still the one read (a conditional UPDATE: the lost-update check
   of ADR 7 without a lock of its own), then its revision and the audit entry.

Only the rare paths read more: a save of the value already there, a stale save (who made the
newer edit), a first save in the school's drop (its part becomes in progress).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import as_staff, can, visible_pupils
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services import (
    AssessmentError,
    StaleJudgement,
    _closed,
    _user,
    check_holder,
    still_open,
)
from strides.audit.models import AuditAction
from strides.audit.services import Change, record_many
from strides.frameworks.configuration import code_book, framework_chooser, trust_scale
from strides.frameworks.level_codes import CodeBook, not_in_use
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale
from strides.organisations.models import School
from strides.pupils.models import Pupil


@dataclass(frozen=True)
class _SaveFacts:
    """What ``record_judgement`` checks before it writes, read in one query."""

    status: str  # the school's part of the drop, as read (checked again under the lock)
    pupil_visible: bool
    collected: bool
    on_roll: bool
    nc_year: int | None  # the pupil's NC year on the drop's date: their framework depends on it
    token: str | None  # the configuration stamp (strides.frameworks.configuration)
    # the judgement as it stands, withdrawn or not (all None: there is none yet)
    current_id: int | None
    current_version: int | None
    current_level_id: int | None
    current_note: str | None
    current_school_id: int | None
    current_withdrawn: bool  # it is withdrawn (False: there is none, or it stands)


# The facts in one fixed statement, the same text every save (building it with the ORM cost a
# save about 4 ms of Python). ``{visible}`` is the gate's SQL for "the user sees this pupil",
# compiled for the user's scope (its leaves kept compiled: ``strides.access.gate.frozen``).
_FACTS_SQL = """
SELECT EXISTS({visible}),
  drop_part.status,
  EXISTS(
    SELECT 1 FROM assessment_datadrop_subjects collected
    WHERE collected.datadrop_id = drop_part.drop_id AND collected.subject_id = %(subject)s
  ),
  EXISTS(
    SELECT 1 FROM pupils_enrolment enrolment
    WHERE enrolment.pupil_id = %(pupil)s AND enrolment.school_id = drop_part.school_id
  ),
  (
    SELECT characteristics.nc_year FROM pupils_characteristicsperiod characteristics
    WHERE characteristics.pupil_id = %(pupil)s AND characteristics.valid_from <= %(day)s
      AND (characteristics.valid_to IS NULL OR characteristics.valid_to > %(day)s)
    ORDER BY characteristics.valid_from DESC LIMIT 1
  ),
  (SELECT stamp.token FROM frameworks_configurationstamp stamp WHERE stamp.id = 1),
  judgement.id, judgement.version, judgement.level_id, judgement.note, judgement.school_id,
  judgement.withdrawn_at IS NOT NULL
FROM assessment_dropschool drop_part
LEFT JOIN assessment_judgement judgement
  ON judgement.drop_id = drop_part.drop_id AND judgement.pupil_id = %(pupil)s
  AND judgement.subject_id = %(subject)s
WHERE drop_part.drop_id = %(drop)s AND drop_part.school_id = %(school)s
ORDER BY drop_part.id
LIMIT 1
"""
_FACTS_NAMES = re.findall(r"%\((\w+)\)s", _FACTS_SQL)  # the named values, in the order they appear
_FACTS_POSITIONAL = re.sub(r"%\((\w+)\)s", "%s", _FACTS_SQL)


def _save_facts(
    actor: Actor, pupil: Pupil, subject: Subject, drop: DataDrop, school: School
) -> _SaveFacts | None:
    """Every rule of a save about the pupil and the drop, as one row of the school's part of the
    drop (None: the school is not part of it). Read before the saving transaction, so an SQLite
    writer holds the database's one write lock only for the lock-and-write statements."""
    # as staff: what the user sees as a parent is not theirs to record for (gate.as_staff)
    visible = visible_pupils(as_staff(actor)).filter(pk=pupil.pk).order_by().values("pk")
    try:
        visible_sql, visible_params = visible.query.get_compiler(connection.alias).as_sql()
    except EmptyResultSet:  # the user sees no named pupil at all
        visible_sql, visible_params = "SELECT 1 WHERE 1 = 0", ()
    values: dict[str, int | dt.date] = {"pupil": pupil.pk, "subject": subject.pk, "drop": drop.pk}
    values.update(school=school.pk, day=drop.assessed_on)
    with connection.cursor() as cursor:
        cursor.execute(
            _FACTS_POSITIONAL.replace("{visible}", visible_sql),
            [*visible_params, *(values[name] for name in _FACTS_NAMES)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    visible_to_user, status, collected, on_roll, nc_year, token, *judgement = row
    return _SaveFacts(
        status=status,
        pupil_visible=bool(visible_to_user),
        collected=bool(collected),
        on_roll=bool(on_roll),
        nc_year=nc_year,
        token=token,
        current_id=judgement[0],
        current_version=judgement[1],
        current_level_id=judgement[2],
        current_note=judgement[3],
        current_school_id=judgement[4],
        current_withdrawn=bool(judgement[5]),
    )


def _check_save(
    actor: Actor,
    pupil: Pupil,
    subject: Subject,
    drop: DataDrop,
    school: School,
    level: Level,
    in_use: Framework | None,
) -> tuple[_SaveFacts, CodeBook]:
    """The rules in the order a person meets them: who may record, the drop still open, then the
    subject, the roll and the level, which must be of the framework the school's assignment gives
    the pupil in the subject (``in_use``, looked up with ``FrameworkChooser`` when not given)."""
    if not can(actor, Capability.RECORD_ASSESSMENT, school):
        raise PermissionError("You cannot record judgements for this pupil.")
    facts = _save_facts(actor, pupil, subject, drop, school)
    if facts is None:
        raise AssessmentError(f"{school} is not part of {drop}.")
    if not facts.pupil_visible:
        raise PermissionError("You cannot record judgements for this pupil.")
    part_as_read = DropSchool(drop=drop, school=school, status=facts.status)
    if not part_as_read.teachers_may_edit:
        raise _closed(part_as_read, drop, school)
    if not facts.collected:
        raise AssessmentError(f"{subject.name} is not collected in {drop}.")
    if not facts.on_roll:
        raise AssessmentError(f"{pupil} is not on {school}'s roll.")
    book = code_book(facts.token, drop.trust_id)
    codes = book.frameworks.get(level.framework_id)
    if codes is None or codes.framework.school_id not in (None, school.pk):
        raise AssessmentError(f"{level.code} is not from a framework {school} can use.")
    if codes.subject_ids and subject.pk not in codes.subject_ids:
        raise AssessmentError(f"{codes.framework.name} is not used for {subject.name}.")
    if in_use is None:  # the school's assignment for the pupil decides the framework
        chooser = framework_chooser(facts.token, school.pk, [subject], drop.assessed_on)
        in_use = chooser.framework_for(pupil.pk, subject.pk, facts.nc_year)
    if in_use is not None and in_use.pk != level.framework_id:
        used = book.frameworks.get(in_use.pk)
        codes_in_use = [lv.code for lv in used.levels] if used else []
        raise AssessmentError(
            not_in_use(
                level.code, codes.framework.name, in_use.name, codes_in_use, facts.nc_year, school.name,
                subject.name,
            )
        )  # fmt: skip
    return facts, book


def _crosswalk_point(
    token: str | None, drop: DataDrop, actor: Actor, level: Level
) -> tuple[int | None, int | None]:
    """(crosswalk id, point id) in force on the drop's date. A trust without its common scale yet
    (only a drop made outside ``create_drop`` can be one) gets it made here, as before."""
    scale = trust_scale(token, drop.trust_id)
    if scale.exists:
        crosswalk_id, entries = scale.crosswalk_on(drop.assessed_on)
        return crosswalk_id, entries.get(level.pk)
    crosswalk = crosswalk_in_force(ensure_common_scale(drop.trust, actor), drop.assessed_on)
    if crosswalk is None:
        return None, None
    point_id = crosswalk.entries.filter(level=level).values_list("point_id", flat=True).first()
    return crosswalk.pk, point_id


def _locked_part(drop: DataDrop, school: School, *, exclusive: bool) -> DropSchool:
    """The school's part of the drop, read again under a lock and still open, or DropClosed.
    Shared on PostgreSQL (Django's ORM has no FOR SHARE), so saves in one school do not queue
    behind each other but a submission (``transition`` locks for update) and a save wait for
    each other; ``exclusive`` when the part is to be written (its first save). On SQLite the
    transaction (BEGIN IMMEDIATE) already holds the database's one write lock."""
    if connection.vendor == "postgresql" and not exclusive:
        found = list(
            DropSchool.objects.raw(
                "SELECT * FROM assessment_dropschool WHERE drop_id = %s AND school_id = %s "
                "ORDER BY id LIMIT 1 FOR SHARE",
                [drop.pk, school.pk],
            )
        )
        part = found[0] if found else None
    else:
        part = (
            DropSchool.objects.filter(drop=drop, school=school)
            .order_by("pk")
            .select_for_update(of=("self",))
            .first()
        )
    return still_open(part, drop, school)


def _as_it_stands(pupil: Pupil, subject: Subject, drop: DataDrop, *, lock: bool = False) -> Judgement | None:
    found = Judgement.history.filter(pupil=pupil, subject=subject, drop=drop).select_related(
        "level", "recorded_by"
    )
    if lock:
        found = found.select_for_update(of=("self",))
    judgement = found.first()
    if judgement is not None:
        judgement.pupil, judgement.subject, judgement.drop = pupil, subject, drop
    return judgement


def _unchanged_or_stale(
    actor: Actor,
    current: Judgement,
    school: School,
    subject: Subject,
    level: Level,
    note: str,
) -> Judgement:
    """A judgement that changed between the facts and the write (or a resend): the value already
    saved is no lost update and is answered as saved; anything else is stale."""
    check_holder(actor, current, school, subject)
    if current.withdrawn_at is None and (current.level_id, current.note) == (level.pk, note):
        return current
    raise StaleJudgement(None if current.withdrawn_at else current, level)


def record_judgement(
    actor: Actor,
    pupil: Pupil,
    subject: Subject,
    drop: DataDrop,
    school: School,
    level: Level,
    *,
    expected_version: int | None,
    note: str = "",
    reason: str = "grid",
    framework: Framework | None = None,
) -> Judgement:
    """Set a pupil's judgement. ``expected_version`` is the version the user saw (0: none yet);
    a save against an older version raises :class:`StaleJudgement` and changes nothing, unless
    the judgement already holds ``level`` and ``note``: then nothing is lost, and the current
    judgement is returned unchanged (no new version, revision or audit entry), whoever saved it.
    ``level`` must be of the pupil's framework for the subject: ``framework`` when the caller
    has just looked it up by the same rule (the grid's and the API's ``CodeBook`` reading),
    else ``FrameworkChooser``'s (docs/frameworks.md, "Typing a level"). The statements it makes:
    the module's docstring."""
    facts, book = _check_save(actor, pupil, subject, drop, school, level, framework)
    withdrawn = facts.current_withdrawn
    if facts.current_id is not None:
        if facts.current_school_id != school.pk or (
            not withdrawn and (facts.current_level_id, facts.current_note) == (level.pk, note)
        ):
            current = _as_it_stands(pupil, subject, drop)
            if current is not None:  # else withdrawn and gone since: save it as new below
                return _unchanged_or_stale(actor, current, school, subject, level, note)
        # a withdrawn judgement is "nothing yet" to whoever saw it gone (0) or withdrawn (its version)
        seen = {facts.current_version, 0} if withdrawn else {facts.current_version}
        if expected_version is not None and expected_version not in seen:
            current = _as_it_stands(pupil, subject, drop)
            if current is not None:
                return _unchanged_or_stale(actor, current, school, subject, level, note)
    elif expected_version not in (None, 0):
        raise StaleJudgement(None, level)
    crosswalk_id, point_id = _crosswalk_point(facts.token, drop, actor, level)
    user = _user(actor)
    now = timezone.now()
    with transaction.atomic():
        part = _locked_part(drop, school, exclusive=facts.status == DropStatus.NOT_STARTED)
        judgement = Judgement(
            pupil=pupil, subject=subject, drop=drop, school=school, level=level, point_id=point_id,
            crosswalk_id=crosswalk_id, note=note, recorded_by=user, recorded_at=now,
        )  # fmt: skip
        before: dict[str, Any] | None = None
        level_before_id = None
        if facts.current_id is None:
            try:
                with transaction.atomic():
                    judgement.save(force_insert=True)
            except IntegrityError as race:  # saved by another request since the facts were read
                theirs = _as_it_stands(pupil, subject, drop)
                if theirs is None:
                    raise
                return _race_lost(actor, theirs, school, subject, level, note, race)
        else:
            version_read = facts.current_version or 0  # a row's version is never null
            judgement.pk, judgement.version = facts.current_id, version_read + 1
            # the lost-update check: written only if nobody has saved since the facts were read
            written = Judgement.history.filter(
                pk=facts.current_id, version=version_read, school_id=school.pk
            ).update(
                level=level, point_id=point_id, crosswalk_id=crosswalk_id, note=note,
                version=judgement.version, recorded_by=user, recorded_at=now,
                withdrawn_at=None, withdrawn_by=None, withdrawn_reason="",
            )  # fmt: skip
            if not written:
                current = _as_it_stands(pupil, subject, drop, lock=True)
                if current is None:  # pragma: no cover - judgements are never deleted
                    raise StaleJudgement(None, level)
                return _unchanged_or_stale(actor, current, school, subject, level, note)
            was = book.level(facts.current_level_id)
            before = {
                "level": was.code if was else _level_code(facts.current_level_id),
                "note": facts.current_note,
                "version": facts.current_version,
            }
            if withdrawn:  # re-entering a level reinstates it, as a new version
                before["withdrawn"] = True
            else:
                level_before_id = facts.current_level_id
        JudgementRevision.objects.create(
            judgement=judgement,
            version=judgement.version,
            level_before_id=level_before_id,
            level_after=level,
            point_after_id=point_id,
            note=note,
            changed_by=user,
            reason=reason[:120],
        )
        changes = [
            Change(
                AuditAction.CREATE if before is None else AuditAction.UPDATE,
                judgement,
                before,
                {"level": level.code, "note": note, "version": judgement.version},
                school.pk,
            )
        ]
        if part.status == DropStatus.NOT_STARTED:
            part.status = DropStatus.IN_PROGRESS
            part.save(update_fields=["status", "changed_at"])
            changes.append(
                Change(
                    AuditAction.UPDATE,
                    part,
                    {"status": DropStatus.NOT_STARTED},
                    {"status": DropStatus.IN_PROGRESS},
                    school.pk,
                )
            )
        record_many(actor, changes, reason=reason)
    return judgement


def _race_lost(
    actor: Actor,
    theirs: Judgement,
    school: School,
    subject: Subject,
    level: Level,
    note: str,
    race: IntegrityError,
) -> Judgement:
    """A new judgement saved first by another request: the same value is nothing lost."""
    check_holder(actor, theirs, school, subject)
    if theirs.withdrawn_at is None and (theirs.level_id, theirs.note) == (level.pk, note):
        return theirs
    raise StaleJudgement(theirs, level) from race


def _level_code(level_id: int | None) -> str:
    """A level's code when it is no longer in the trust's code book (a framework since removed)."""
    if level_id is None:
        return ""
    return Level.objects.filter(pk=level_id).values_list("code", flat=True).first() or ""
