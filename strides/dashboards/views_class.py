"""The class dashboard: a teacher's pupils with their recent drops and the flags that ask for
attention, and where the class stands on the common scale.

The class comes through the scoping gate (``visible_classes``): its staff and those who see the
school's named pupils open it; for everyone else (another school's teacher, a governor, a parent)
it answers 404 exactly like a class that does not exist. Its pupils' rows come from
:meth:`AnalyticsView.pupil_observations`: only judgements made at the schools through which the
user sees each pupil. Filters are GET parameters (``?drop=<slug>``); every table exports with
``&export=xlsx&table=NAME``. Definitions of the measures: docs/analytics.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import polars as pl
from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from strides.access.gate import get_or_404, visible_classes, visible_pupils
from strides.access.rules import AccessRule, access_rule
from strides.analytics import distribution, history_until, needing_attention
from strides.assessment.models import DataDrop
from strides.classes.models import TeachingGroup
from strides.dashboards import charts
from strides.dashboards.charts import Figure
from strides.dashboards.named_pupils import point_labels, pupil_percentiles, subject_names
from strides.dashboards.pages import Page, collection_note, dashboard_response, default_drop, drop_choices
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.reasons import REASON_WORDS, reason_words
from strides.dashboards.tables import COUNT, PERCENT, Column, Table
from strides.frameworks.models import Subject
from strides.navigation import school_crumbs
from strides.pupils.models import Pupil

CLASS_RULE = AccessRule(
    None,
    object_scoped=True,
    description="a class the gate's visible_classes lets in: its staff, and those who see the "
    "school's named pupils (404 for everyone else)",
)

RECENT_DROPS = 3


# --- one judgement in the class table --------------------------------------------------------------

MOVEMENTS = {
    "up": ("↑", "up", "tag--good"),
    "same": ("→", "same", ""),
    "down": ("↓", "down", "tag--bad"),
    "first": ("", "first judgement", ""),
}


@dataclass(frozen=True)
class Mark:
    """A pupil's judgement in one drop, with how it moved from their judgement before it."""

    level: str
    point: int
    previous: int | None

    @property
    def movement(self) -> str:
        if self.previous is None:
            return "first"
        if self.point > self.previous:
            return "up"
        return "down" if self.point < self.previous else "same"

    @property
    def arrow(self) -> str:
        return MOVEMENTS[self.movement][0]

    @property
    def word(self) -> str:
        return MOVEMENTS[self.movement][1]

    @property
    def tag_class(self) -> str:
        return MOVEMENTS[self.movement][2]

    @property
    def described(self) -> str:
        """The movement in words, for a screen reader and the export: "up from 9"."""
        if self.previous is None:
            return "first judgement"
        if self.movement == "same":
            return "same as before"
        return f"{self.word} from {self.previous}"


@dataclass
class PupilRow:
    pupil: Pupil
    url: str
    marks: list[Mark | None]
    reasons: list[str]


@dataclass
class SubjectBlock:
    subject: Subject
    drops: list[DataDrop]
    rows: list[PupilRow]
    table: Table

    @property
    def drop_names(self) -> list[str]:
        return [drop.title for drop in self.drops]

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.reasons)


def recent_blocks(
    obs: pl.DataFrame,
    pupils: Sequence[Pupil],
    subjects: Sequence[Subject],
    drops: Mapping[int, DataDrop],
    flags: Mapping[tuple[int, str], list[str]],
    group: TeachingGroup,
) -> list[SubjectBlock]:
    """Per subject, the class's last three drops with each pupil's level, point and movement."""
    blocks = []
    ordered = obs.sort(["pupil_id", "subject", "drop_date", "drop_id"]).with_columns(
        pl.col("point").shift(1).over(["pupil_id", "subject"]).alias("previous")
    )
    for subject in subjects:
        rows_of = ordered.filter(pl.col("subject") == subject.code)
        recent_ids = (
            rows_of.select("drop_date", "drop_id")
            .unique()
            .sort(["drop_date", "drop_id"])
            .get_column("drop_id")
        ).to_list()[-RECENT_DROPS:]
        recent = [drops[drop_id] for drop_id in recent_ids if drop_id in drops]
        marks: dict[tuple[int, int], Mark] = {}
        for row in rows_of.filter(pl.col("drop_id").is_in(recent_ids)).iter_rows(named=True):
            marks[row["pupil_id"], row["drop_id"]] = Mark(row["level"], row["point"], row["previous"])
        rows = []
        for pupil in pupils:
            rows.append(
                PupilRow(
                    pupil=pupil,
                    url=reverse("dashboards:pupil", kwargs={"pupil_id": pupil.pk}),
                    marks=[marks.get((pupil.pk, drop.pk)) for drop in recent],
                    reasons=reason_words(flags.get((pupil.pk, subject.code), [])),
                )
            )
        blocks.append(SubjectBlock(subject, recent, rows, recent_table(subject, recent, rows, group)))
    return blocks


def recent_table(
    subject: Subject, drops: Sequence[DataDrop], rows: Sequence[PupilRow], group: TeachingGroup
) -> Table:
    """The export of one subject's table: a level, point and movement column per drop."""
    columns = [Column("pupil", "Pupil", row_header=True)]
    for index, drop in enumerate(drops):
        name = drop.title
        columns += [
            Column(f"level_{index}", f"{name}: level"),
            Column(f"point_{index}", f"{name}: common point", COUNT),
            Column(f"movement_{index}", f"{name}: movement"),
        ]
    columns.append(Column("attention", "Needs attention"))
    out = []
    for row in rows:
        values: dict[str, Any] = {"pupil": f"{row.pupil.surname}, {row.pupil.forename}"}
        for index, mark in enumerate(row.marks):
            values[f"level_{index}"] = mark.level if mark else "no judgement"
            values[f"point_{index}"] = mark.point if mark else None
            values[f"movement_{index}"] = mark.described if mark else ""
        values["attention"] = "; ".join(row.reasons) or "No"
        out.append(values)
    return Table(
        f"recent-{subject.code}"[:41].rstrip("-"),
        f"{group.name}: {subject.name} in the last {len(drops)} drop{'s' if len(drops) != 1 else ''}",
        columns,
        out,
        empty="No judgements in this subject yet.",
    )


# --- the distribution chart ------------------------------------------------------------------------


def distribution_figure(
    obs: pl.DataFrame,
    subjects: Sequence[Subject],
    drops: Mapping[int, DataDrop],
    labels: Mapping[int, tuple[str, str]],
    group: TeachingGroup,
) -> Figure:
    """Where the class's pupils are on the common scale, per subject, at each subject's latest drop
    (of those shown): a bar per point and the table of counts and shares."""
    latest = obs.filter(
        (pl.col("drop_date") == pl.col("drop_date").max().over("subject"))
        & (pl.col("drop_id") == pl.col("drop_id").max().over(["subject", "drop_date"]))
    )
    counts = distribution(latest, ["subject", "drop_id"]) if latest.height else None
    order = {subject.code: position for position, subject in enumerate(subjects)}
    names = {subject.code: subject.name for subject in subjects}
    rows = []
    if counts is not None:
        for row in counts.iter_rows(named=True):
            if row["subject"] not in order:
                continue
            drop = drops.get(row["drop_id"])
            code, label = labels.get(row["point"], (f"Point {row['point']}", ""))
            rows.append(
                {
                    "subject_code": row["subject"],
                    "subject": names[row["subject"]],
                    "drop": drop.title if drop else "",
                    "point_value": row["point"],
                    "point": f"{code} {label}".strip(),
                    "point_code": code,
                    "n": row["n"],
                    "pct": round(float(row["pct"]), 1),
                }
            )
    rows.sort(key=lambda r: (order[r["subject_code"]], -r["point_value"]))
    table = Table(
        "distribution",
        f"{group.name}: pupils at each common point, by subject",
        [
            Column("subject", "Subject", row_header=True),
            Column("drop", "Data drop"),
            Column("point", "Common point"),
            Column("n", "Pupils (n)", COUNT),
            Column("pct", "Share of the class", PERCENT),
        ],
        rows,
        note="Each subject at its latest drop shown on this page. Pupils on different frameworks "
        "are placed on the trust's common scale.",
        empty="No judgements to show yet.",
    )
    spec = charts.attainment_bars(
        rows,
        category="point_code",
        category_title="Common point",
        category_names={code: label for code, label in labels.values()},
        measure="pct",
        measure_title="% of the class",
        title=f"Where {group.name}'s pupils are on the common scale",
        description="Bars: the share of the class's pupils at each common point (its code and name), "
        "highest point at the top, one panel per subject, each bar labelled with its "
        "percentage and n.",
    )
    return Figure(spec, table)


# --- filters ---------------------------------------------------------------------------------------


class ClassFilters(forms.Form):
    drop = forms.ChoiceField(
        label="As at data drop",
        required=False,
        help_text="The page shows this drop and the two before it.",
        error_messages={"invalid_choice": "There is no such drop for this class; the latest is shown."},
    )

    def __init__(self, data: Any, *, drops: Sequence[DataDrop], collecting: Iterable[int] = ()) -> None:
        super().__init__(data)
        self.fields["drop"].choices = drop_choices(drops, collecting)


@dataclass
class ClassSelection:
    """The drop in force (after its default) and the form that chose it; what
    ``dashboard_response`` needs of a selection."""

    drop: DataDrop | None
    form: ClassFilters
    drops: list[DataDrop] = field(default_factory=list)
    collecting: frozenset[int] = frozenset()  # drops still being collected at the class's school

    @property
    def query(self) -> str:
        return urlencode({"drop": self.drop.slug}) if self.drop else ""

    def described(self) -> list[tuple[str, str]]:
        if self.drop is None:
            return []
        return [("As at data drop", f"{self.drop.title} (assessed on {self.drop.assessed_on:%d/%m/%Y})")]


def select_drop(
    request: HttpRequest, view: AnalyticsView, obs: pl.DataFrame, group: TeachingGroup
) -> ClassSelection:
    """The drops with rows for the class up to the end of the class's academic year (an old class
    is shown as it stood then), and the one asked for, else the latest whose collection is
    finished at the class's school. Two queries."""
    present = set(obs.get_column("drop_id").unique().to_list()) if obs.height else set()
    ends = group.academic_year.ends_on
    drops = [
        d for d in view.drops().select_related("academic_year") if d.pk in present and d.assessed_on <= ends
    ]
    collecting = view.collecting_drop_ids(drops, [group.school_id])
    form = ClassFilters(request.GET, drops=drops, collecting=collecting)
    form.is_valid()
    slug = form.cleaned_data.get("drop") or ""
    drop = next((d for d in drops if d.slug == slug), None) or default_drop(drops, collecting)
    if "drop" not in form.errors:
        form.data = form.data.copy()
        form.data["drop"] = drop.slug if drop else ""
    return ClassSelection(drop, form, drops, collecting)


# --- the page --------------------------------------------------------------------------------------


@access_rule(CLASS_RULE)
def class_dashboard(request: HttpRequest, group_id: int) -> HttpResponse:
    """The class's pupils with their last three drops per subject (level entered, common point and
    whether it went up, stayed or went down), the flags of ``needing_attention`` in words, and the
    class's spread over the common scale."""
    user = request.user
    group = get_or_404(visible_classes(user).select_related("school", "academic_year"), pk=group_id)
    view = AnalyticsView(user, trust_id=group.school.trust_id)
    pupils = list(
        visible_pupils(user)
        .filter(group_memberships__group=group)
        .only("legal_forename", "legal_surname", "preferred_forename", "preferred_surname")
        .order_by("legal_surname", "legal_forename", "pk")
    )
    pupils.sort(key=lambda p: (p.surname.lower(), p.forename.lower(), p.pk))
    obs = view.pupil_observations(pupil_ids=[p.pk for p in pupils])
    selection = select_drop(request, view, obs, group)
    shown = (
        history_until(obs, selection.drop.pk, selection.drop.assessed_on) if selection.drop else obs.clear()
    )
    codes = shown.get_column("subject").unique().to_list() if shown.height else []
    subjects = subject_names(group.school.trust_id, codes) if codes else []
    drops = {d.pk: d for d in selection.drops}

    flags: dict[tuple[int, str], list[str]] = {}
    if shown.height:
        assert selection.drop is not None
        pool = view.benchmark(end_year=selection.drop.academic_year.start_year)  # up to the drop's year
        attention = needing_attention(shown, pupil_percentiles(shown, pool))
        for row in attention.iter_rows(named=True):
            flags[row["pupil_id"], row["subject"]] = list(row["reasons"])
    blocks = recent_blocks(shown, pupils, subjects, drops, flags, group)

    page = Page()
    if shown.height:
        page.add(distribution_figure(shown, subjects, drops, point_labels(view.trust_id), group))
    for block in blocks:
        page.add(table=block.table)
    flagged_pupils = len({pupil_id for pupil_id, _ in flags})
    class_url = reverse("classes:class_detail", kwargs={"group_id": group.pk})
    context = {
        "group": group,
        "pupils": pupils,
        "blocks": blocks,
        "selection": selection,
        "flagged_pupils": flagged_pupils,
        "reasons": list(REASON_WORDS.values()),
        "class_url": class_url,
        "collecting": collection_note(request.user, selection, [group.school_id], group.school.name),
        "breadcrumbs": [*school_crumbs(user, group.school), (group.name, class_url), ("Dashboard", "")],
    }
    return dashboard_response(
        request,
        "dashboards/class.html",
        context,
        page,
        title=f"{group.name} class dashboard",
        filename=f"class-{group.name}",
        selection=selection,
    )
