"""The HTML of one grid cell, made in Python: a class grid has 90 or more cells of a dozen
attributes each, which Django's template engine renders about ten times slower than
``format_html`` (measured: most of the grid page's time went on them)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from strides.assessment.grid_queries import GridCell

CELL = (
    '<div class="grid-cell"><input type="text" class="grid-input" id="cell-{r}-{c}" aria-label="{label}" '
    'value="{code}" aria-describedby="prev-{r}-{c} state-{r}-{c} msg-{r}-{c}" autocomplete="off" '
    'autocapitalize="characters" spellcheck="false" enterkeyhint="next" size="7" maxlength="40" '
    'data-cell data-row="{r}" data-col="{c}" data-pupil="{pupil}" data-subject="{subject}" '
    'data-version="{version}" data-saved="{code}" data-framework="{framework}" '
    'data-vocabulary="{vocabulary}" data-year="{year}"{extra}>'
    '<span class="grid-prev" id="prev-{r}-{c}">{previous}</span>'
    '<span class="grid-state" id="state-{r}-{c}"></span></div>'
    '<div class="grid-message" id="msg-{r}-{c}">{message}</div>'
)

WARNING = '<p class="grid-warning">{}</p>'
HELD = '<p class="grid-held">Recorded by {}: only that school can change it.</p>'


PREVIOUS = 'was {}<span class="visually-hidden"> in {}</span>'


def cell_html(cell: GridCell, nc_year: int | None, read_only: bool) -> SafeString:
    """The cell's input (its accessible name "Ava Archer, Reading", described by the previous
    value, its state and its message), the previous drop's value, and the state and message that
    grid.js fills in (the message starts with the warning of a large jump from the previous drop,
    if the current value makes one). ``data-year`` is the year group whose bands shorthand names
    (the cell's band year, else the pupil's NC year ``nc_year``)."""
    previous = ""
    if cell.previous_code:
        previous = format_html(PREVIOUS, cell.previous_code, cell.previous_when)
    extra = ""
    if not cell.editable:
        extra += ' data-recordable="false"'
    if cell.withdrawn:
        extra += ' data-withdrawn="true"'
    if read_only or not cell.editable:
        extra += " readonly"
    message = format_html(WARNING, cell.warning) if cell.warning else ""
    if cell.held_by:  # another school's judgement: read-only here (ADR 11)
        message = format_html(HELD, cell.held_by)
    return format_html(
        CELL,
        r=cell.row,
        c=cell.col,
        label=cell.label,
        code=cell.code,
        pupil=cell.pupil.pk,
        subject=cell.subject.code,
        version=cell.version,
        framework=cell.framework.pk if cell.framework else "",
        vocabulary=cell.vocabulary_key,
        year=_year(cell.band if cell.band is not None else nc_year),
        extra=mark_safe(extra),  # noqa: S308 - fixed attribute names, no user input
        previous=previous,
        message=message,
    )


def _year(year: int | None) -> str | int:
    return "" if year is None else year
