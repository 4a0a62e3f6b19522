"""What every dashboard page (trust, school, class, pupil) is made of.

:class:`Page` holds a page's figures and tables by table name; :class:`Selection` is the filters
in force (``?drop=<slug>&subject=<code>&group=<dimension>``, read by :func:`select` against the
rows the user may see, defaults filled in), and :class:`CollectionNote` what a page says when its
drop is still being collected. :func:`dashboard_response` renders a page, or returns the table its
``?export=xlsx&table=NAME`` asks for. See docs/dashboards.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import polars as pl
from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strides.access.actor import Viewer
from strides.analytics import GROUP_DIMENSIONS
from strides.assessment.completeness import Completeness, completeness
from strides.assessment.models import DataDrop, DropKind
from strides.dashboards import frames
from strides.dashboards.charts import Figure
from strides.dashboards.exports import ExportError, requested_table, xlsx_response
from strides.dashboards.labels import DIMENSION_LABELS
from strides.dashboards.queries import RELEASED, AnalyticsView
from strides.dashboards.services import manages_benchmark
from strides.dashboards.tables import Table, suppressed_text
from strides.frameworks.models import Subject
from strides.frameworks.queries import subjects_for

# --- filters --------------------------------------------------------------------------------------

GROUP_CHOICES = [(d, DIMENSION_LABELS[d]) for d in GROUP_DIMENSIONS if d not in ("school_id", "nc_year")]


class DashboardFilters(forms.Form):
    """What a dashboard shows: a drop, a subject and the group of pupils to compare. All optional:
    an empty or unknown value falls back to the default (and an unknown one says so)."""

    drop = forms.ChoiceField(
        label="Data drop", required=False, error_messages={"invalid_choice": "There is no such drop here."}
    )
    subject = forms.ChoiceField(
        label="Subject",
        required=False,
        error_messages={"invalid_choice": "No judgements in this subject in the drop."},
    )
    group = forms.ChoiceField(
        label="Compare pupils by",
        required=False,
        choices=GROUP_CHOICES,
        error_messages={"invalid_choice": "Choose one of the listed groups."},
    )

    def __init__(
        self,
        data: Any,
        *,
        drops: Sequence[DataDrop],
        subjects: Sequence[Subject],
        collecting: Iterable[int] = (),
    ) -> None:
        super().__init__(data)
        self.fields["drop"].choices = drop_choices(drops, collecting)
        self.fields["subject"].choices = [(s.code, s.name) for s in subjects]


def drop_choices(drops: Sequence[DataDrop], collecting: Iterable[int]) -> list[tuple[str, str]]:
    """The drops for a filter, latest first, those still being collected said so."""
    waiting = set(collecting)
    return [
        (d.slug, f"{d.title} (still being collected)" if d.pk in waiting else d.title)
        for d in reversed(drops)
    ]


def default_drop(drops: Sequence[DataDrop], collecting: Iterable[int]) -> DataDrop | None:
    """A page's drop when none is asked for: the latest whose collection is finished (its
    deadline passed, or every school of the page submitted or locked), so a page never opens on
    figures that are still coming in; the latest of all when none is finished yet. A termly drop
    comes before a baseline (one new school's), which is the default only where no termly drop
    is finished (that school's own page, in its first term)."""
    waiting = set(collecting)
    finished = [d for d in drops if d.pk not in waiting]
    termly = [d for d in finished if d.kind == DropKind.TERMLY]
    chosen = termly or finished or list(drops)
    return chosen[-1] if chosen else None


@dataclass(frozen=True)
class CollectionNote:
    """What a page says at its top when its drop is still being collected: how many of its
    schools have submitted and how much is recorded (``parts``: the drop's completeness at the
    page's schools). ``school``: the one school the page is about, if it is one school's."""

    drop: DataDrop
    parts: Sequence[Completeness]
    school: str = ""

    @property
    def submitted(self) -> int:
        return sum(1 for part in self.parts if part.part.status in RELEASED)

    @property
    def recorded(self) -> int:
        return sum(part.recorded for part in self.parts)

    @property
    def expected(self) -> int:
        return sum(part.expected for part in self.parts)

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.expected) if self.expected else 100

    @property
    def sentence(self) -> str:
        """ "Autumn 2026/27 is still being collected: 7 of 12 schools submitted, 81% of judgements
        recorded; figures will change." """
        title = self.drop.title
        if self.school:
            where = f"{self.school} has not submitted it yet, {self.percent}% of its judgements recorded"
            where += f" ({self.recorded:,} of {self.expected:,})"
        else:
            schools = len(self.parts)
            where = (
                f"{self.submitted} of {schools} school{'' if schools == 1 else 's'} submitted, "
                f"{self.percent}% of judgements recorded"
            )
        return f"{title} is still being collected: {where}; figures will change."

    @property
    def deadline(self) -> str:
        return f"{self.drop.deadline.day} {self.drop.deadline:%B %Y}"


class Filters(Protocol):
    """What the page machinery needs of a page's filters: :class:`Selection` (trust and school
    pages) or the class page's drop alone."""

    drop: DataDrop | None
    collecting: frozenset[int]  # drops still being collected at the page's schools

    @property
    def form(self) -> forms.Form: ...

    @property
    def query(self) -> str: ...

    def described(self) -> list[tuple[str, str]]: ...


def collection_note(
    user: Viewer, selection: Filters | None, school_ids: Iterable[int], school: str = ""
) -> CollectionNote | None:
    """The note for a selection whose drop is still being collected (four queries), else None:
    the completeness of ``school_ids`` as counted in the user's aggregate reach."""
    if selection is None or selection.drop is None or selection.drop.pk not in selection.collecting:
        return None
    done = completeness(user, selection.drop, school_ids=sorted(school_ids))
    return CollectionNote(selection.drop, done, school)


@dataclass
class Selection:
    """The filters in force, after defaults."""

    drop: DataDrop | None
    subject: Subject | None
    group: str
    form: DashboardFilters
    drops: dict[int, DataDrop] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)
    collecting: frozenset[int] = frozenset()  # drops still being collected at the page's schools

    @property
    def is_collecting(self) -> bool:
        return self.drop is not None and self.drop.pk in self.collecting

    @property
    def query(self) -> str:
        """The filters as a query string: links and exports show the same rows."""
        params = {
            "drop": self.drop.slug if self.drop else "",
            "subject": self.subject.code if self.subject else "",
        }
        params["group"] = self.group
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def group_label(self) -> str:
        return DIMENSION_LABELS[self.group]

    def described(self) -> list[tuple[str, str]]:
        """The filters as (label, value) for an export's About sheet."""
        rows = []
        if self.drop:
            rows.append(("Data drop", f"{self.drop.title} (assessed on {self.drop.assessed_on:%d/%m/%Y})"))
        if self.subject:
            rows.append(("Subject", self.subject.name))
        rows.append(("Pupils compared by", self.group_label))
        return rows

    def drop_name(self, drop_id: int) -> str:
        drop = self.drops.get(drop_id)
        return drop.title if drop else f"Drop {drop_id}"

    def subject_name(self, code: str) -> str:
        subject = self.subjects.get(code)
        return subject.name if subject else code


@dataclass(frozen=True)
class RowFacts:
    """What the filters offer, read from the rows a user may see and the trust's calendar: each
    drop with rows and its subjects, those drops (oldest first) and subjects (in their usual
    order), and which of the drops are still being collected at the page's schools. Remembered
    per scope (``memo.remember_facts``): a warm page reads neither rows nor calendar for them."""

    subjects_by_drop: Mapping[int, frozenset[str]]
    drops: tuple[DataDrop, ...]
    subjects: tuple[Subject, ...]
    collecting: frozenset[int]


def row_facts(view: AnalyticsView, obs: pl.DataFrame, school_ids: Iterable[int]) -> RowFacts:
    """The facts of ``obs`` for a page of ``school_ids``: three queries (the trust's drops, those
    still being collected, the subjects)."""
    by_drop: dict[int, set[str]] = {}
    if obs.height:
        for drop_id, subject in obs.select("drop_id", "subject").unique().iter_rows():
            by_drop.setdefault(int(drop_id), set()).add(subject)
    drops = [d for d in view.drops().select_related("academic_year") if d.pk in by_drop]
    collecting = view.collecting_drop_ids(drops, school_ids)
    codes = {code for codes in by_drop.values() for code in codes}
    known = subjects_for(view.trust_id, include_archived=True, every_school=True)  # codes: per trust
    return RowFacts(
        {drop_id: frozenset(codes) for drop_id, codes in by_drop.items()},
        tuple(drops),
        tuple(s for s in known if s.code in codes),
        collecting,
    )


def select(
    request: HttpRequest, view: AnalyticsView, obs: pl.DataFrame | RowFacts, school_ids: Iterable[int]
) -> Selection:
    """Read the filters against the rows the user may see (``obs``, or what :func:`row_facts`
    read of them and the calendar): drops with rows, latest first; the drop's subjects in their
    usual order. By default the latest drop whose collection is finished at ``school_ids`` (the
    page's schools). Given rows, three queries (:func:`row_facts`)."""
    facts = obs if isinstance(obs, RowFacts) else row_facts(view, obs, school_ids)
    drops = list(facts.drops)
    by_id = {d.pk: d for d in drops}
    collecting = facts.collecting
    all_subjects = list(facts.subjects)
    probe = DashboardFilters(request.GET, drops=drops, subjects=all_subjects, collecting=collecting)
    probe.is_valid()
    slug = probe.cleaned_data.get("drop") or ""
    drop = next((d for d in drops if d.slug == slug), None) or default_drop(drops, collecting)
    in_drop = facts.subjects_by_drop.get(drop.pk, frozenset()) if drop else frozenset()
    subjects = [s for s in all_subjects if s.code in in_drop]
    form = DashboardFilters(request.GET, drops=drops, subjects=subjects, collecting=collecting)
    form.is_valid()
    code = form.cleaned_data.get("subject") or ""
    subject = next((s for s in subjects if s.code == code), None) or (subjects[0] if subjects else None)
    group = form.cleaned_data.get("group") or "disadvantaged"
    # The form shows what is in force, defaults included, so "Show" keeps it; a refused value
    # stays as it was sent, for the error summary to quote.
    form.data = form.data.copy()
    in_force = {"drop": drop.slug if drop else "", "subject": subject.code if subject else "", "group": group}
    for name, value in in_force.items():
        if name not in form.errors:
            form.data[name] = value
    return Selection(drop, subject, group, form, by_id, {s.code: s for s in all_subjects}, collecting)


# --- the page --------------------------------------------------------------------------------------


@dataclass
class Page:
    """A dashboard's figures and tables, by table name (the export's ``table=NAME``)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    collecting: CollectionNote | None = None  # the drop is still being collected

    def add(self, figure: Figure | None = None, *, table: Table | None = None) -> None:
        if figure is not None:
            self.figures[figure.table.name.replace("-", "_")] = figure  # a template reads figures.heat_map
            self.tables[figure.table.name] = figure.table
        if table is not None:
            self.tables[table.name] = table


SUPPRESSION_NOTE = (
    "Groups of fewer than {n} pupils are shown as “suppressed (fewer than {n})”, and where one small "
    "group could be worked out from the others, the next smallest is hidden too. No pupil can be "
    "identified from these figures."
)


def suppression_note(view: AnalyticsView) -> str:
    return SUPPRESSION_NOTE.format(n=view.threshold) if view.suppress_small_groups else ""


WAIT = "wait"  # ?wait=1: answer with the figures, however long they take (the shell's fetch)


def figures_pending(request: HttpRequest, view: AnalyticsView, version: str | None) -> bool:
    """Whether to answer with the page's shell and a progress indicator rather than keep the user
    on a blank page: the trust's frame is not in this process's memory (the first page after new
    data or a restart reads the shared file or builds it, then works out the page: seconds for a
    large trust). Never with the memo off (tests, ``STRIDES_DASHBOARD_MEMO``) or
    ``STRIDES_DASHBOARD_PROGRESS`` set false, for an export, or for the shell's own fetch
    (``?wait=1``)."""
    if version is None or view.trust_id is None or WAIT in request.GET or "export" in request.GET:
        return False
    if not getattr(settings, "STRIDES_DASHBOARD_PROGRESS", True):
        return False
    return not frames.in_memory(view.trust_id, version)


def loading_response(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page's shell: its heading and a progress indicator (``dashboards/base.html``) whose
    htmx fetch of the same address with ``?wait=1`` fills it in; a link does the same without
    JavaScript. Nothing about the figures is read for it. Status 202 (Accepted: the figures are
    still being worked out), so a client that wants them (a benchmark, a monitor) can tell the
    shell from the page and fetch its ``hx-get`` address."""
    params = request.GET.copy()
    params[WAIT] = "1"
    url = f"{request.path}?{params.urlencode()}"
    context.update(loading={"url": url}, manages_benchmark=manages_benchmark(request.user))
    return render(request, template, context, status=202)


def dashboard_response(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    page: Page,
    *,
    title: str,
    filename: str,
    selection: Filters | None,
) -> HttpResponse:
    """The page, or the table its ``?export=xlsx&table=NAME`` asks for; a bad export request
    shows the page with what was wrong (status 400)."""
    try:
        table = requested_table(request.GET, page.tables)
    except ExportError as error:
        context["export_error"] = str(error)
        table = None
        status = 400
    else:
        status = 200
    if table is not None:
        if selection is not None:
            table.filters = selection.described()
        user = request.user
        who = user.get_full_name() or user.get_username()
        return xlsx_response(table, page=title, filename=f"{filename}-{table.name}", generated_by=who)
    context.update(
        manages_benchmark=manages_benchmark(request.user),
        figures=page.figures,
        tables=page.tables,
        filters=selection.form if selection else None,
        export_query=selection.query if selection else "",
        suppressed_text=suppressed_text(),
    )
    return render(request, template, context, status=status)
