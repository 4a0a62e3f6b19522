"""``{% dashboard_table table %}`` and ``{% dashboard_figure figure %}``: a dashboard's tables and
charts, written by :mod:`strides.dashboards.fragments` (kept with the figures) rather than by the
template engine, with the page's filters (``export_query`` in the context) in the export links."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from strides.dashboards import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_table(context: template.Context, table: Any) -> SafeString:
    return fragments.table_html(table or None, context.get("export_query") or "")


@register.simple_tag(takes_context=True)
def dashboard_figure(context: template.Context, figure: Any) -> SafeString:
    return fragments.figure_html(figure or None, context.get("export_query") or "")
