"""Writes of frameworks, the common scale and crosswalks. Atomic and audited.

A crosswalk version is never edited once judgements use it: changing a mapping publishes a new
version with an effective date, and past drops keep their points until a trust analyst applies the
difference explicitly (``strides.assessment.services.apply_crosswalk``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.apps.registry import Apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.frameworks import shipped
from strides.frameworks.models import (
    CommonScale,
    Crosswalk,
    CrosswalkEntry,
    ExpectedPoint,
    Framework,
    FrameworkAssignment,
    Level,
    ScalePoint,
    Subject,
    SubjectPhase,
    TrustSubject,
)
from strides.organisations.models import School, Trust

if TYPE_CHECKING:
    from strides.pupils.models import Pupil

DEFAULT_CROSSWALK_FROM = dt.date(2000, 9, 1)
FOR_THE_TIME_OF_YEAR = " for the time of year."  # the end of a year-band point's descriptor


class FrameworkError(ValueError):
    """A change that would break a rule of frameworks or crosswalks; the message is for the user."""


def install_shipped(registry: Apps) -> None:
    """Create the shipped subjects, frameworks and levels. ``registry`` is Django's app registry
    (or a migration's), so the data migration and tests build the same thing. Idempotent."""
    subject_model = registry.get_model("frameworks", "Subject")
    framework_model = registry.get_model("frameworks", "Framework")
    level_model = registry.get_model("frameworks", "Level")
    subjects = {}
    # migration 0002 runs this before subjects had a phase or a trust: it installs the first four
    fields = {f.name for f in subject_model._meta.get_fields()}
    catalogue = shipped.SUBJECTS if "phase" in fields else shipped.SUBJECTS[:4]
    for code, name, order, phase in catalogue:
        lookup = {"code": code, "trust": None} if "trust" in fields else {"code": code}
        defaults = {"name": name, "order": order} | ({"phase": phase} if "phase" in fields else {})
        subjects[code], _ = subject_model.objects.get_or_create(**lookup, defaults=defaults)
    for spec in shipped.shipped_frameworks():
        framework, _ = framework_model.objects.get_or_create(
            code=spec.code,
            trust=None,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "note_areas": spec.note_areas,
                "shipped": True,
            },
        )
        framework.subjects.set([subjects[code] for code in spec.subjects])
        for order, level in enumerate(spec.levels, start=1):
            level_model.objects.get_or_create(
                framework=framework,
                code=level.code,
                defaults={
                    "label": level.label,
                    "descriptor": level.descriptor,
                    "order": order,
                    "aliases": list(level.aliases),
                },
            )


def adopt_expected_points_for_the_time_of_year(registry: Apps) -> int:
    """Move every trust still on the expected points shipped before 2026-12 ("working towards" in
    autumn and spring, which made Year 1 100% at expected all year) to the shipped table (the
    year's expected standard at every term), with the NC bands' description and the scale's
    descriptors to match. A trust whose table differs in any row from the old default has
    changed it itself and is left alone (ADR 6). ``registry`` is Django's app registry or a
    migration's. Returns how many scales moved; idempotent."""
    scale_model = registry.get_model("frameworks", "CommonScale")
    expected_model = registry.get_model("frameworks", "ExpectedPoint")
    point_model = registry.get_model("frameworks", "ScalePoint")
    framework_model = registry.get_model("frameworks", "Framework")
    framework_model.objects.filter(
        code="nc-bands", trust=None, description=shipped.NC_BANDS_DESCRIPTION_BEFORE_2026_12
    ).update(description=shipped.NC_BANDS_DESCRIPTION)
    old = set(shipped.expected_points_before_2026_12())
    new = {(year, term): code for year, term, code in shipped.expected_points()}
    descriptors = {code: descriptor for _, code, _, descriptor in shipped.scale_points()}
    moved = 0
    for scale in scale_model.objects.all():
        rows = list(expected_model.objects.filter(scale=scale).select_related("point"))
        if {(row.nc_year, row.term, row.point.code) for row in rows} != old or len(rows) != len(old):
            continue
        points = {p.code: p for p in point_model.objects.filter(scale=scale)}
        for row in rows:
            wanted = points.get(new[(row.nc_year, row.term)])
            if wanted is not None and wanted.pk != row.point_id:
                row.point = wanted
                row.save(update_fields=["point"])
        for code, point in points.items():
            descriptor = descriptors.get(code, "")
            if descriptor.endswith(FOR_THE_TIME_OF_YEAR) and point.descriptor == descriptor.replace(
                FOR_THE_TIME_OF_YEAR, " by year end."
            ):
                point.descriptor = descriptor
                point.save(update_fields=["descriptor"])
        moved += 1
    return moved


@transaction.atomic
def ensure_common_scale(trust: Trust, actor: Actor | None = None) -> CommonScale:
    """The trust's common scale; made on first use with the default points, expected points and
    crosswalk version 1 for every shipped framework."""
    existing = CommonScale.objects.filter(trust=trust).first()
    if existing is not None:
        return existing
    from django.apps import apps

    install_shipped(apps)
    scale = CommonScale.objects.create(trust=trust)
    points = ScalePoint.objects.bulk_create(
        ScalePoint(scale=scale, value=value, code=code, label=label, descriptor=descriptor)
        for value, code, label, descriptor in shipped.scale_points()
    )
    by_code = {p.code: p for p in points}
    ExpectedPoint.objects.bulk_create(
        ExpectedPoint(scale=scale, nc_year=year, term=term, point=by_code[code])
        for year, term, code in shipped.expected_points()
    )
    crosswalk = Crosswalk.objects.create(
        scale=scale, version=1, effective_from=DEFAULT_CROSSWALK_FROM, note="Strides default crosswalk"
    )
    entries = []
    for spec in shipped.shipped_frameworks():
        levels = {
            lv.code: lv for lv in Level.objects.filter(framework__code=spec.code, framework__trust=None)
        }
        entries += [
            CrosswalkEntry(crosswalk=crosswalk, level=levels[lv.code], point=by_code[lv.point])
            for lv in spec.levels
        ]
    CrosswalkEntry.objects.bulk_create(entries)
    record(actor, AuditAction.CREATE, scale, reason="default common scale and crosswalk v1")
    return scale


def crosswalk_in_force(scale: CommonScale, day: dt.date) -> Crosswalk | None:
    return scale.crosswalks.filter(effective_from__lte=day).order_by("-effective_from", "-version").first()


def point_map(crosswalk: Crosswalk) -> dict[int, int]:
    """level id -> scale point id for one crosswalk version."""
    return dict(crosswalk.entries.values_list("level_id", "point_id"))


@transaction.atomic
def publish_crosswalk(
    actor: Actor | None,
    scale: CommonScale,
    effective_from: dt.date,
    changes: Mapping[Level, ScalePoint],
    *,
    note: str = "",
) -> Crosswalk:
    """A new crosswalk version: the latest one's mappings with ``changes`` applied, in force from
    ``effective_from``. Past drops keep their points until the difference is applied."""
    latest = scale.crosswalks.order_by("-version").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise FrameworkError(
            f"A new crosswalk must take effect after {latest.effective_from:%d/%m/%Y}, "
            f"when version {latest.version} began; {effective_from:%d/%m/%Y} does not."
        )
    for level, point in changes.items():
        if point.scale_id != scale.pk:
            raise FrameworkError(f"{point.code} is not a point of {scale.name}.")
        if level.framework.trust_id not in (None, scale.trust_id):
            raise FrameworkError(f"{level.code} belongs to another trust's framework.")
    mapping = point_map(latest) if latest else {}
    mapping.update({level.pk: point.pk for level, point in changes.items()})
    crosswalk = Crosswalk.objects.create(
        scale=scale,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    CrosswalkEntry.objects.bulk_create(
        CrosswalkEntry(crosswalk=crosswalk, level_id=level_id, point_id=point_id)
        for level_id, point_id in mapping.items()
    )
    record(
        actor,
        AuditAction.CREATE,
        crosswalk,
        after={
            "version": crosswalk.version,
            "effective_from": effective_from.isoformat(),
            "changes": {level.code: point.code for level, point in changes.items()},
        },
        reason="crosswalk published",
    )
    return crosswalk


# --- levels typed or pasted by people ---------------------------------------------------------


def normalise_code(text: str) -> str:
    """'y3 exp' -> 'Y3EXP', 'PK 4' -> 'PK4': case, spaces, dots, dashes and underscores forgiven."""
    return re.sub(r"[\s.\-_/]+", "", (text or "").strip()).upper()


def level_lookup(levels: Iterable[Level]) -> dict[str, Level]:
    """Every accepted spelling (code and aliases, normalised) of these levels -> level."""
    lookup: dict[str, Level] = {}
    for level in levels:
        for spelling in (level.code, *(level.aliases or [])):
            lookup.setdefault(normalise_code(spelling), level)
    return lookup


# --- bespoke frameworks and choices ------------------------------------------------------------


@transaction.atomic
def create_framework(
    actor: Actor | None,
    trust: Trust,
    code: str,
    name: str,
    levels: Iterable[tuple[str, str, str, ScalePoint]],
    *,
    subjects: Iterable[Subject] = (),
    school: School | None = None,
    description: str = "",
) -> Framework:
    """A bespoke framework with its ordered levels, each mapped to a common point."""
    rows = list(levels)
    if not rows:
        raise FrameworkError("A framework needs at least one level.")
    codes = [normalise_code(c) for c, _, _, _ in rows]
    if len(set(codes)) != len(codes):
        raise FrameworkError("Two levels have the same code.")
    if (
        Framework.objects.filter(trust=trust, code=code).exists()
        or Framework.objects.filter(trust=None, code=code).exists()
    ):
        raise FrameworkError(f"A framework with the code {code!r} already exists.")
    scale = ensure_common_scale(trust, actor)
    framework = Framework.objects.create(
        code=code, name=name, trust=trust, school=school, description=description
    )
    framework.subjects.set(subjects)
    created = Level.objects.bulk_create(
        Level(framework=framework, code=c.strip(), label=label.strip() or c.strip(), descriptor=d, order=i)
        for i, (c, label, d, _) in enumerate(rows, start=1)
    )
    for (_, _, _, point), _level in zip(rows, created, strict=True):
        if point.scale_id != scale.pk:
            raise FrameworkError(f"{point.code} is not a point of {scale.name}.")
    # New levels join every version: no judgement can use them yet, so nothing is rewritten, and
    # a drop still under an older version (historic data entered late) gets points too.
    CrosswalkEntry.objects.bulk_create(
        CrosswalkEntry(crosswalk=crosswalk, level=level, point=point)
        for crosswalk in scale.crosswalks.all()
        for (_, _, _, point), level in zip(rows, created, strict=True)
    )
    record(
        actor,
        AuditAction.CREATE,
        framework,
        after={"code": code, "name": name, "levels": [c for c, _, _, _ in rows]},
        school_id=school.pk if school else None,
    )
    return framework


@transaction.atomic
def assign_framework(
    actor: Actor | None,
    school: School,
    subject: Subject,
    framework: Framework,
    valid_from: dt.date,
    *,
    nc_year: int | None = None,
    pupil: Pupil | None = None,
) -> FrameworkAssignment:
    if framework.trust_id not in (None, school.trust_id) or (framework.school_id not in (None, school.pk)):
        raise FrameworkError(f"{framework.name} is not available to {school.name}.")
    assignment, _ = FrameworkAssignment.objects.update_or_create(
        school=school,
        subject=subject,
        nc_year=nc_year,
        pupil=pupil,
        valid_from=valid_from,
        defaults={"framework": framework, "created_by": actor if getattr(actor, "pk", None) else None},
    )
    record(
        actor,
        AuditAction.CREATE,
        assignment,
        after={
            "subject": subject.code,
            "framework": framework.code,
            "nc_year": nc_year,
            "pupil": getattr(pupil, "pk", None),
            "valid_from": valid_from.isoformat(),
        },
        school_id=school.pk,
    )
    return assignment


# --- subjects ----------------------------------------------------------------------------------

SUBJECT_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _subject_code(code: str) -> str:
    """'Food Tech' -> 'food-tech'; refuses what cannot be a code, naming it."""
    cleaned = re.sub(r"[\s_]+", "-", (code or "").strip().lower())
    if not cleaned:
        raise FrameworkError("Enter a code for the subject, e.g. food-tech.")
    if len(cleaned) > 30 or not SUBJECT_CODE.match(cleaned):
        raise FrameworkError(
            f"The code {code!r} is not usable: use up to 30 lowercase letters, digits and "
            "hyphens, e.g. food-tech."
        )
    return cleaned


def _subject_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise FrameworkError("Enter the subject's name.")
    if len(cleaned) > 60:
        raise FrameworkError(f"The name {cleaned[:20]!r}... is longer than 60 characters.")
    return cleaned


def _subject_snapshot(subject: Subject, trust_setting: TrustSubject | None = None) -> dict[str, Any]:
    shown = trust_setting if trust_setting is not None else subject
    return {
        "code": subject.code,
        "name": subject.name,
        "order": subject.order,
        "phase": (trust_setting.phase if trust_setting is not None else "") or subject.phase,
        "school": subject.school_id,
        "archived": shown.archived_at is not None,
    }


@transaction.atomic
def add_subject(
    actor: Actor | None,
    trust: Trust,
    code: str,
    name: str,
    *,
    phase: str = SubjectPhase.ALL,
    order: int = 100,
    school: School | None = None,
) -> Subject:
    """A subject of the trust's own (every school of its phase owes it when a drop collects it) or,
    with ``school``, that school's own addition. Its code may not be a shipped code or another
    subject code of the trust or its schools (archived ones too: history keeps them)."""
    code, name = _subject_code(code), _subject_name(name)
    if school is not None and school.trust_id != trust.pk:
        raise FrameworkError(f"{school.name} is not a school of {trust.name}.")
    if phase not in SubjectPhase.values:
        raise FrameworkError(f"{phase!r} is not a phase: choose all phases, primary or secondary.")
    clash = Subject.objects.filter(Q(trust__isnull=True) | Q(trust=trust), code=code).select_related("school")
    taken = clash.first()
    if taken is not None:
        whose = (
            "a subject Strides ships"
            if taken.trust_id is None
            else f"{taken.school.name}'s {taken.name}"
            if taken.school
            else f"the trust's {taken.name}"
        )
        raise FrameworkError(f"The code {code!r} is already used by {whose}: choose another.")
    subject = Subject.objects.create(
        code=code,
        name=name,
        order=order,
        phase=SubjectPhase.ALL if school is not None else phase,
        trust=trust,
        school=school,
    )
    record(
        actor,
        AuditAction.CREATE,
        subject,
        after=_subject_snapshot(subject),
        school_id=school.pk if school else None,
        reason="subject added",
    )
    return subject


def _trust_setting(trust: Trust, subject: Subject) -> TrustSubject:
    setting, _ = TrustSubject.objects.select_for_update().get_or_create(trust=trust, subject=subject)
    return setting


def _check_owner(trust: Trust, subject: Subject) -> None:
    if subject.trust_id not in (None, trust.pk):
        raise FrameworkError(f"{subject.name} is not a subject of {trust.name}.")


@transaction.atomic
def change_subject(
    actor: Actor | None,
    trust: Trust,
    subject: Subject,
    *,
    name: str | None = None,
    order: int | None = None,
    phase: str | None = None,
) -> Subject:
    """Change a trust's or school's subject's name, order or phase. Of a shipped subject a trust
    changes only the phase, for itself. The code never changes: judgements, templates and the API
    name subjects by it."""
    _check_owner(trust, subject)
    if phase is not None and phase not in SubjectPhase.values:
        raise FrameworkError(f"{phase!r} is not a phase: choose all phases, primary or secondary.")
    if subject.trust_id is None:
        if (name is not None and _subject_name(name) != subject.name) or (
            order is not None and order != subject.order
        ):
            raise FrameworkError(
                f"{subject.name} is shipped with Strides: its name and order stay; "
                "only its phase may change for the trust."
            )
        setting = _trust_setting(trust, subject)
        before = _subject_snapshot(subject, setting)
        if phase is not None:
            setting.phase = "" if phase == subject.phase else phase
            setting.save(update_fields=["phase"])
        record(actor, AuditAction.UPDATE, setting, before=before, after=_subject_snapshot(subject, setting))
        return subject
    before = _subject_snapshot(subject)
    if name is not None:
        subject.name = _subject_name(name)
    if order is not None:
        subject.order = order
    if phase is not None and subject.school_id is None:
        subject.phase = phase
    subject.save(update_fields=["name", "order", "phase"])
    record(
        actor,
        AuditAction.UPDATE,
        subject,
        before=before,
        after=_subject_snapshot(subject),
        school_id=subject.school_id,
    )
    return subject


@transaction.atomic
def archive_subject(actor: Actor | None, trust: Trust, subject: Subject, *, restore: bool = False) -> Subject:
    """Archive a subject for the trust (``restore``: bring it back). Archived subjects leave the
    pickers and new drops; their judgements, drops and framework choices stay. A shipped subject
    is archived for this trust alone."""
    _check_owner(trust, subject)
    when = None if restore else timezone.now()
    by = None if restore or not getattr(actor, "pk", None) else actor
    target: Subject | TrustSubject = subject if subject.trust_id else _trust_setting(trust, subject)
    if (target.archived_at is None) == restore:
        state = "is not archived" if restore else "is already archived"
        raise FrameworkError(f"{subject.name} {state}.")
    before = _subject_snapshot(subject, target if isinstance(target, TrustSubject) else None)
    target.archived_at, target.archived_by = when, by
    target.save(update_fields=["archived_at", "archived_by"])
    record(
        actor,
        AuditAction.UPDATE,
        target,
        before=before,
        after=_subject_snapshot(subject, target if isinstance(target, TrustSubject) else None),
        school_id=subject.school_id,
        reason="subject restored" if restore else "subject archived",
    )
    return subject
