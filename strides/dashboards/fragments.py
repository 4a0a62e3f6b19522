"""The HTML of a dashboard's tables and charts, made in Python and kept with the figures.

Django's template engine spent most of a warm dashboard request on ``_table.html``: the large demo
trust's page has about 2,000 table rows, each cell a dozen variable lookups and ``if`` tags
(docs/page-speed.md). These functions write the same markup with ``str.join`` and
:func:`html.escape`, ten to twenty times faster, and keep what they wrote on the
:class:`~strides.dashboards.tables.Table` or :class:`~strides.dashboards.charts.Figure` itself.
Those objects live in the page memo (:mod:`strides.dashboards.memo`), whose key is the user's exact
scope and filters, so the HTML is shared exactly as the figures are: never across scopes. Its own
key is what else the markup reads: the page's filters as a query string (the export links) and the
words for a suppressed figure (the threshold).

The templates ``dashboards/_table.html`` and ``dashboards/_chart.html`` call these through the
``dashboard_html`` tag library, so every page that includes them gets the same markup.
"""

from __future__ import annotations

import json
from html import escape as _escape
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from strides.dashboards.tables import TEXT, Table, suppressed_text

if TYPE_CHECKING:
    from strides.dashboards.charts import Figure

# What json_script escapes, so the JSON cannot close its <script> element (django.utils.html).
NUM = ' class="num"'
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def escape(value: Any) -> str:
    """As the template engine's autoescape: safe strings as they are, anything else escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape(str(value))


def spec_json(spec: Any) -> str:
    """A chart's spec as the page carries it: compact JSON (no spaces after separators, about a
    tenth smaller than json_script's) escaped as json_script escapes it."""
    text = json.dumps(spec, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    return text.translate(_JSON_SCRIPT_ESCAPES)


def _rows(table: Table) -> str:
    parts = []
    for row in table.body():
        cells = []
        for cell in row:
            tag = "th" if cell.header else "td"
            opening = '<th scope="row"' if cell.header else "<td"
            if cell.figure:
                opening += NUM
            if cell.suppressed:
                text = f'<span class="suppressed">{escape(cell.text)}</span>'
            elif cell.url:
                text = f'<a href="{escape(cell.url)}">{escape(cell.text)}</a>'
            else:
                text = escape(cell.text)
            cells.append(f"{opening}>{text}</{tag}>")
        parts.append(f"<tr>{''.join(cells)}</tr>")
    if not parts:
        parts.append(f'<tr><td colspan="{len(table.columns)}">{escape(table.empty)}</td></tr>')
    return "\n".join(parts)


def _table_html(table: Table, export_query: str) -> str:
    dom_id = table.dom_id
    headings = "".join(
        f'<th scope="col"{"" if column.kind == TEXT else NUM}>{escape(column.heading)}</th>'
        for column in table.columns
    )
    note = f'<p class="muted small">{escape(table.note)}</p>' if table.note else ""
    export = ""
    if table.rows:
        query = f"{escape(export_query)}&amp;" if export_query else ""
        export = (
            f'<p class="table-export"><a href="?{query}export=xlsx&amp;table={escape(table.name)}" download>'
            f"Download “{escape(table.caption)}” (XLSX)</a></p>"
        )
    return (
        '<div class="dashboard-table">\n'
        f'<div class="table-wrap" role="region" aria-labelledby="{dom_id}-caption" tabindex="0">\n'
        f'<table id="{dom_id}">\n'
        f'<caption id="{dom_id}-caption">{escape(table.caption)}</caption>\n'
        f"<thead><tr>{headings}</tr></thead>\n"
        f"<tbody>\n{_rows(table)}\n</tbody>\n"
        "</table>\n"
        "</div>\n"
        f"{note}{export}\n"
        "</div>"
    )


def table_html(table: Table | None, export_query: str = "") -> SafeString:
    """The table's markup: caption, column and row headers, figures right-aligned, suppressed
    figures in words, and its XLSX download link for the page's filters (``export_query``)."""
    if not table:
        return mark_safe("")
    key = (export_query, suppressed_text())
    html = table.html.get(key)
    if html is None:
        html = table.html[key] = mark_safe(_table_html(table, export_query))  # noqa: S308 - escaped above
    return html


def _figure_html(figure: Figure, export_query: str) -> str:
    dom_id, spec_id = escape(figure.dom_id), escape(figure.spec_id)
    return (
        '<div class="figure-pair">\n'
        f'<figure class="chart" aria-labelledby="{dom_id}-title" aria-describedby="{dom_id}-description">\n'
        "<figcaption>\n"
        f'<span class="chart__title" id="{dom_id}-title">{escape(figure.title)}</span>\n'
        f'<span class="chart__description" id="{dom_id}-description">{escape(figure.description)} '
        f"The figures are in the table “{escape(figure.table.caption)}”.</span>\n"
        "</figcaption>\n"
        f'<div class="chart__canvas" id="{dom_id}" data-chart="{spec_id}">\n'
        '<p class="muted chart__fallback">The chart is drawn in the browser with JavaScript; '
        "the table has the same figures.</p>\n"
        "</div>\n"
        f'<script id="{spec_id}" type="application/json">{spec_json(figure.spec)}</script>\n'
        "</figure>\n"
        f"{table_html(figure.table, export_query)}\n"
        "</div>"
    )


def figure_html(figure: Figure | None, export_query: str = "") -> SafeString:
    """A chart (its caption, canvas and spec) and the table with its figures, side by side."""
    if not figure:
        return mark_safe("")
    key = (export_query, suppressed_text())
    html = figure.html.get(key)
    if html is None:
        html = figure.html[key] = mark_safe(_figure_html(figure, export_query))  # noqa: S308 - escaped above
    return html
