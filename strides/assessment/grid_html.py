"""The HTML of one grid cell, made in Python: a class grid has 90 or more cells of a dozen
attributes each, which Django's template engine renders about ten times slower than a format
string (measured: most of the grid page's time went on them). The values are escaped here with
:func:`html.escape`, as ``format_html`` would (the same markup in a third of its time: it runs
``conditional_escape`` through a lazy wrapper for every one of the fourteen values)."""

from __future__ import annotations

from html import escape

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


def _text(value: object) -> str:
    """``value`` escaped for HTML text or a double-quoted attribute, as Django's ``escape``."""
    return escape(str(value))


def cell_html(cell: GridCell, nc_year: int | None, read_only: bool) -> SafeString:
    """The cell's input (its accessible name "Ava Archer, Reading", described by the previous
    value, its state and its message), the previous drop's value, and the state and message that
    grid.js fills in (the message starts with the warning of a large jump from the previous drop,
    if the current value makes one). ``data-year`` is the year group whose bands shorthand names
    (the cell's band year, else the pupil's NC year ``nc_year``)."""
    previous = ""
    if cell.previous_code:
        previous = PREVIOUS.format(_text(cell.previous_code), _text(cell.previous_when))
    extra = ""
    if not cell.editable:
        extra += ' data-recordable="false"'
    if cell.withdrawn:
        extra += ' data-withdrawn="true"'
    if read_only or not cell.editable:
        extra += " readonly"
    message = WARNING.format(_text(cell.warning)) if cell.warning else ""
    if cell.held_by:  # another school's judgement: read-only here (ADR 11)
        message = HELD.format(_text(cell.held_by))
    year = cell.band if cell.band is not None else nc_year
    return mark_safe(  # noqa: S308 - every value is escaped above or here; extra is fixed attribute names
        CELL.format(
            r=int(cell.row),
            c=int(cell.col),
            label=_text(cell.label),
            code=_text(cell.code),
            pupil=int(cell.pupil.pk),
            subject=_text(cell.subject.code),
            version=int(cell.version),
            framework=int(cell.framework.pk) if cell.framework else "",
            vocabulary=_text(cell.vocabulary_key),
            year="" if year is None else _text(year),
            extra=extra,
            previous=previous,
            message=message,
        )
    )
