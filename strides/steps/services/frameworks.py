"""Small-step frameworks: made in the UI or from a spreadsheet, shared by a trust with its
schools, reworded and pruned with their history kept (docs/small-steps.md, "Frameworks")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.frameworks.models import Framework, Level, Subject
from strides.organisations.models import School, Trust
from strides.steps.models import (
    AchievementLevel,
    Shape,
    Statement,
    StatementWording,
    Step,
    StepArea,
    StepFramework,
)
from strides.steps.services import StepsError, user_or_none

ENGAGEMENT_AREAS = (
    (
        "exploration",
        "Exploration",
        "Whether the pupil builds on an initial response to a new stimulus or activity.",
    ),
    (
        "realisation",
        "Realisation",
        "How the pupil interacts with a new stimulus, or discovers a new aspect of a familiar one.",
    ),
    (
        "anticipation",
        "Anticipation",
        "How much the pupil predicts, expects or associates a stimulus with an event.",
    ),
    (
        "persistence",
        "Persistence",
        "Whether the pupil sustains attention long enough to find out more and interact.",
    ),
    (
        "initiation",
        "Initiation",
        "How much, and in what ways, the pupil investigates to bring about a desired outcome.",
    ),
)


@dataclass(frozen=True)
class LevelSpec:
    code: str
    label: str
    secured: bool = False
    not_applicable: bool = False
    credit: Decimal = Decimal("0")


# The default levels of security (docs/small-steps.md): only "secured" counts; "not applicable"
# leaves the statement out; "developing" counts for half when the framework gives partial credit.
DEFAULT_LEVELS = (
    LevelSpec("0", "Not yet"),
    LevelSpec("E", "Emerging", credit=Decimal("0.25")),
    LevelSpec("D", "Developing", credit=Decimal("0.5")),
    LevelSpec("S", "Secured", secured=True, credit=Decimal("1")),
    LevelSpec("NA", "Not applicable", not_applicable=True),
)

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _audit_school(framework: StepFramework) -> int | None:
    return framework.school_id


@transaction.atomic
def create_framework(
    actor: Actor | None,
    *,
    code: str,
    name: str,
    shape: str,
    trust: Trust | None,
    school: School | None = None,
    description: str = "",
    levels: Sequence[LevelSpec] = DEFAULT_LEVELS,
    partial_credit: bool = False,
    step_complete_percent: int = 100,
) -> StepFramework:
    """A new framework with its levels of security; an engagement-model framework gets its five
    areas and no levels (it is never scored)."""
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise StepsError(
            f"Code: {code!r} is not a code: use lower-case letters, digits and dashes (e.g. pre-key-steps)."
        )
    if not (name or "").strip():
        raise StepsError("Name: a framework needs a name.")
    if shape not in Shape.values:
        raise StepsError(f"Shape: {shape!r} is not one of {', '.join(Shape.values)}.")
    if school is not None and (trust is None or school.trust_id != trust.pk):
        raise StepsError(f"School: {school} is not a school of {trust}.")
    if not 1 <= step_complete_percent <= 100:
        raise StepsError(f"Step completed at: {step_complete_percent} is not a % from 1 to 100.")
    if StepFramework.objects.filter(code=code).filter(trust=trust).exists() or (
        trust is None and StepFramework.objects.filter(code=code, trust__isnull=True).exists()
    ):
        raise StepsError(f"Code: a framework with the code {code!r} already exists.")
    framework = StepFramework.objects.create(
        code=code,
        name=name.strip(),
        shape=shape,
        trust=trust,
        school=school,
        description=description.strip(),
        shared=trust is None,
        partial_credit=partial_credit,
        step_complete_percent=step_complete_percent,
    )
    if shape == Shape.ENGAGEMENT:
        StepArea.objects.bulk_create(
            StepArea(framework=framework, code=c, name=n, description=d, order=i)
            for i, (c, n, d) in enumerate(ENGAGEMENT_AREAS, start=1)
        )
    else:
        set_levels(framework, levels)
    record(actor, AuditAction.CREATE, framework, school_id=_audit_school(framework))
    return framework


def set_levels(framework: StepFramework, levels: Sequence[LevelSpec]) -> None:
    codes = [spec.code.strip().upper() for spec in levels]
    if len(set(codes)) != len(codes) or not all(codes):
        raise StepsError("Levels: every level needs a code of its own.")
    if not any(spec.secured for spec in levels):
        raise StepsError("Levels: one level at least must count as secured.")
    AchievementLevel.objects.bulk_create(
        AchievementLevel(
            framework=framework,
            code=code,
            label=spec.label,
            order=i,
            secured=spec.secured,
            not_applicable=spec.not_applicable,
            credit=Decimal("1") if spec.secured else spec.credit,
        )
        for i, (code, spec) in enumerate(zip(codes, levels, strict=True), start=1)
    )


@transaction.atomic
def change_settings(
    actor: Actor | None, framework: StepFramework, *, partial_credit: bool, step_complete_percent: int
) -> StepFramework:
    """How % of a step is worked out for this framework: partial credit, and the % at which a step
    counts as completed. Every measure is worked out from the records, so the change applies to the
    past too, and the audit log says when it was made."""
    if not 1 <= step_complete_percent <= 100:
        raise StepsError(f"Step completed at: {step_complete_percent} is not a % from 1 to 100.")
    before = {
        "partial_credit": framework.partial_credit,
        "step_complete_percent": framework.step_complete_percent,
    }
    framework.partial_credit = partial_credit
    framework.step_complete_percent = step_complete_percent
    framework.save(update_fields=["partial_credit", "step_complete_percent"])
    record(actor, AuditAction.UPDATE, framework, before=before, school_id=_audit_school(framework))
    return framework


@transaction.atomic
def share_framework(actor: Actor | None, framework: StepFramework, shared: bool = True) -> StepFramework:
    """A trust framework offered to (or withdrawn from) its schools' pickers."""
    if framework.trust_id is None or framework.school_id is not None:
        raise StepsError(f"{framework.name} is not a trust framework: only those are shared with schools.")
    framework.shared = shared
    framework.save(update_fields=["shared"])
    record(actor, AuditAction.UPDATE, framework, after={"shared": shared})
    return framework


def add_area(framework: StepFramework, code: str, name: str, *, subject: Subject | None = None) -> StepArea:
    order = (framework.areas.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return StepArea.objects.create(framework=framework, code=code, name=name, order=order, subject=subject)


@dataclass
class StatementRow:
    """One row of a framework spreadsheet, or of a framework made on the page: one statement,
    milestone or element, with the area (strand, domain) and step (level) it sits in."""

    row: int
    area: str
    step: int | None
    step_name: str
    code: str
    text: str
    weight: Decimal = Decimal("1")
    key: bool = False
    leads_to: list[str] = field(default_factory=list)
    area_name: str = ""


@transaction.atomic
def build_structure(actor: Actor | None, framework: StepFramework, rows: Iterable[StatementRow]) -> int:
    """Add areas, steps and statements from ``rows`` (checked already: ``sheets.read_statements``).
    All or nothing; returns the statements added. A code already in the area is refused."""
    rows = list(rows)
    areas = {a.code: a for a in framework.areas.all()}
    steps: dict[tuple[str, int], Step] = {
        (s.area.code, s.number): s
        for s in Step.objects.filter(area__framework=framework).select_related("area")
    }
    existing = set(Statement.objects.filter(area__framework=framework).values_list("area__code", "code"))
    made: dict[str, Statement] = {}
    next_order: dict[int, int] = {}
    for item in rows:
        area = areas.get(item.area)
        if area is None:
            area = add_area(framework, item.area, item.area_name or item.area.replace("-", " ").capitalize())
            areas[item.area] = area
        step = None
        if framework.shape in (Shape.LINEAR, Shape.MATRIX):
            if item.step is None:
                raise StepsError(
                    f"Row {item.row}, step: a {framework.get_shape_display().lower()} needs a step number."
                )
            step = steps.get((item.area, item.step))
            if step is None:
                step = Step.objects.create(
                    area=area, number=item.step, name=item.step_name or f"Step {item.step}"
                )
                steps[(item.area, item.step)] = step
        if (item.area, item.code) in existing:
            raise StepsError(f"Row {item.row}, code: {item.code!r} is already a statement of {area.name}.")
        existing.add((item.area, item.code))
        order = next_order.get(area.pk)
        if order is None:
            order = area.statements.order_by("-order").values_list("order", flat=True).first() or 0
        order += 1
        next_order[area.pk] = order
        statement = Statement.objects.create(
            area=area,
            step=step,
            code=item.code,
            text=item.text,
            order=order,
            weight=item.weight,
            key=item.key,
        )
        StatementWording.objects.create(
            statement=statement, version=1, text=item.text, changed_by=user_or_none(actor)
        )
        made[f"{item.area}:{item.code}"] = statement
    for item in rows:
        if not item.leads_to:
            continue
        source = made[f"{item.area}:{item.code}"]
        targets = []
        for target_code in item.leads_to:
            target = (
                made.get(f"{item.area}:{target_code}")
                or Statement.objects.filter(area__framework=framework, code=target_code).first()
            )
            if target is None:
                raise StepsError(
                    f"Row {item.row}, leads to: {target_code!r} is not a milestone of this framework."
                )
            targets.append(target)
        source.leads_to.add(*targets)
    record(
        actor,
        AuditAction.UPDATE,
        framework,
        after={"statements_added": len(rows)},
        school_id=_audit_school(framework),
    )
    if framework.shape == Shape.LINEAR:
        ensure_common_scale_levels(actor, framework)
    return len(rows)


@transaction.atomic
def reword_statement(actor: Actor | None, statement: Statement, text: str) -> Statement:
    """New words for a statement: the old ones are kept, and records keep the wording they were
    made against."""
    text = (text or "").strip()
    if not text:
        raise StepsError(f"Text: statement {statement.code} needs words.")
    if text == statement.text:
        return statement
    before = {"text": statement.text, "wording_version": statement.wording_version}
    statement.wording_version += 1
    statement.text = text
    statement.save(update_fields=["text", "wording_version"])
    StatementWording.objects.create(
        statement=statement, version=statement.wording_version, text=text, changed_by=user_or_none(actor)
    )
    record(
        actor,
        AuditAction.UPDATE,
        statement,
        before=before,
        after={"text": text, "wording_version": statement.wording_version},
        school_id=statement.area.framework.school_id,
    )
    return statement


@transaction.atomic
def remove_statement(actor: Actor | None, statement: Statement, on: dt.date | None = None) -> Statement:
    """Take a statement out of its step from ``on`` (today): past records stay, and count for the
    days before."""
    if statement.removed_on is not None:
        raise StepsError(
            f"Statement {statement.code} was removed on {statement.removed_on:%d/%m/%Y} already."
        )
    statement.removed_on = on or timezone.localdate()
    statement.save(update_fields=["removed_on"])
    record(
        actor,
        AuditAction.UPDATE,
        statement,
        after={"removed_on": statement.removed_on.isoformat()},
        school_id=statement.area.framework.school_id,
    )
    return statement


@transaction.atomic
def set_area_subject(actor: Actor | None, area: StepArea, subject: Subject | None) -> StepArea:
    """The subject an area of a linear framework stands for in data drops."""
    area.subject = subject
    area.save(update_fields=["subject"])
    record(
        actor,
        AuditAction.UPDATE,
        area,
        after={"subject": getattr(subject, "code", None)},
        school_id=area.framework.school_id,
    )
    return area


def ensure_common_scale_levels(actor: Actor | None, framework: StepFramework) -> Framework | None:
    """For a linear framework of a trust: the level framework standing for its steps on the
    common scale ("S3" within the first half of step 3, "S3+" half way or more), made or extended
    so every step has its two levels. The trust maps them to common points in its crosswalk like
    any framework's levels; a drop then takes small-step pupils' judgements from their records
    (``strides.steps.services.drops``). Shipped examples get theirs when a trust first uses them."""
    if framework.shape != Shape.LINEAR or framework.trust_id is None:
        return None
    levels_framework = framework.levels_framework
    if levels_framework is None:
        levels_framework = Framework.objects.create(
            code=f"steps-{framework.code}"[:40],
            name=f"{framework.name} (small steps)",
            trust_id=framework.trust_id,
            school_id=framework.school_id,
            description=(
                "Made from the small-step framework of the same name: one level for the first half "
                "of each step, one for half way or more."
            ),
        )
        framework.levels_framework = levels_framework
        framework.save(update_fields=["levels_framework"])
        record(actor, AuditAction.CREATE, levels_framework, school_id=framework.school_id)
    by_code = {level.code: level for level in levels_framework.levels.all()}
    order = max((level.order for level in by_code.values()), default=0)
    for step in Step.objects.filter(area__framework=framework).order_by("number", "area__order"):
        for attribute, code, label in (
            ("level_within", f"S{step.number}", f"Step {step.number}"),
            ("level_beyond_half", f"S{step.number}+", f"Step {step.number}, half way or more"),
        ):
            level = by_code.get(code)
            if level is None:
                order += 1
                level = Level.objects.create(framework=levels_framework, code=code, label=label, order=order)
                by_code[code] = level
            if getattr(step, f"{attribute}_id") != level.pk:
                setattr(step, attribute, level)
                step.save(update_fields=[attribute])
    return levels_framework


@dataclass(frozen=True)
class LevelChange:
    """One level as the framework's levels page sends it: an existing level (``level_id``) or a new
    one (None), in the order they are listed; ``remove`` takes an unused level away."""

    level_id: int | None
    spec: LevelSpec
    remove: bool = False


@transaction.atomic
def change_levels(actor: Actor | None, framework: StepFramework, changes: Sequence[LevelChange]) -> None:
    """The framework's levels of security, as listed: codes, words, which count as secured or not
    applicable, and their partial credit. A level a record uses cannot be removed (its records keep
    their meaning); every measure is worked out from the records, so a changed level applies to the
    past too, and the audit log says when."""
    from strides.steps.models import AchievementRecord

    if not framework.scored:
        raise StepsError(f"{framework.name} is never scored: it has no levels.")
    existing = {level.pk: level for level in framework.achievement_levels.all()}
    kept = [c for c in changes if not c.remove]
    codes = [c.spec.code.strip().upper() for c in kept]
    for change, code in zip(kept, codes, strict=True):
        if not code or len(code) > 3 or not re.fullmatch(r"[A-Z0-9+\-]+", code):
            raise StepsError(f"Code: {change.spec.code!r} is not a code of 1 to 3 letters, digits, + or -.")
        if not change.spec.label.strip():
            raise StepsError(f"Words: level {code} needs words (Secured, Developing...).")
        if not Decimal("0") <= change.spec.credit <= Decimal("1"):
            raise StepsError(f"Credit: {change.spec.credit} for level {code} is not between 0 and 1.")
        if change.spec.secured and change.spec.not_applicable:
            raise StepsError(f"Level {code} cannot both count as secured and as not applicable.")
        if change.level_id is not None and change.level_id not in existing:
            raise StepsError(f"Level {code} is not a level of {framework.name}.")
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise StepsError(f"Code: {', '.join(sorted(duplicates))} is given to two levels.")
    if not any(c.spec.secured for c in kept):
        raise StepsError("Levels: one level at least must count as secured.")
    removed = [existing[c.level_id] for c in changes if c.remove and c.level_id in existing]
    used = set(
        AchievementRecord.objects.filter(level__in=removed).values_list("level__code", flat=True).distinct()
    )
    if used:
        raise StepsError(f"Level {', '.join(sorted(used))} is used by records and cannot be removed.")
    before = [
        (level.code, level.label, level.secured, level.not_applicable, str(level.credit))
        for level in existing.values()
    ]
    for level in removed:
        level.delete()
    # orders are unique: move every kept level out of the way first
    AchievementLevel.objects.filter(framework=framework).update(order=models.F("order") + 1000)
    for order, (change, code) in enumerate(zip(kept, codes, strict=True), start=1):
        spec = change.spec
        values = {
            "code": code,
            "label": spec.label.strip()[:40],
            "order": order,
            "secured": spec.secured,
            "not_applicable": spec.not_applicable,
            "credit": Decimal("1") if spec.secured else spec.credit,
        }
        if change.level_id is None:
            AchievementLevel.objects.create(framework=framework, **values)
        else:
            AchievementLevel.objects.filter(pk=change.level_id).update(**values)
    after = list(
        framework.achievement_levels.order_by("order").values_list(
            "code", "label", "secured", "not_applicable", "credit"
        )
    )
    record(
        actor,
        AuditAction.UPDATE,
        framework,
        before={"levels": before},
        after={"levels": [[c, lb, s, na, str(cr)] for c, lb, s, na, cr in after]},
        school_id=_audit_school(framework),
    )
