"""Template helpers for the product pages: navigation, labels, accessible form fields."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import format_html

from strides.access.gate import can, scope_for, visible_schools
from strides.accounts.roles import Capability
from strides.pupils import display
from strides.pupils.census_codes import NC_YEAR_LABELS
from strides.small_groups import Cell, small_group_threshold

register = template.Library()


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: str  # "page" on the page itself, "true" anywhere inside its section, "" elsewhere


def _current(path: str, url: str, exact_only: bool = False) -> str:
    if path == url:
        return "page"
    if not exact_only and url != "/" and path.startswith(url):
        return "true"
    return ""


@register.simple_tag(takes_context=True)
def nav_links(context) -> list[NavLink]:
    """The main navigation for the signed-in user: only what their roles can open."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    scope = scope_for(user)
    home = reverse("web:home")
    links = [NavLink("Home", home, _current(path, home, exact_only=True))]
    schools_url = reverse("organisations:school_list")
    if scope.trust_wide_aggregates:
        links.append(NavLink("Schools", schools_url, _current(path, schools_url)))
    elif scope.aggregate_school_ids or scope.class_reach_school_ids:
        schools = list(visible_schools(user).only("urn", "name")[:2])
        if len(schools) == 1:
            url = reverse("organisations:school_detail", kwargs={"urn": schools[0].urn})
            links.append(NavLink(schools[0].name, url, _current(path, url)))
        elif schools:
            links.append(NavLink("Schools", schools_url, _current(path, schools_url)))
    if can(user, Capability.SEARCH_PUPILS):
        search_url = reverse("pupils:search")
        links.append(NavLink("Find a pupil", search_url, _current(path, search_url)))
    if can(user, Capability.VIEW_AGGREGATES) or can(user, Capability.RECORD_ASSESSMENT):
        steps_url = reverse("steps:home")
        links.append(NavLink("Small steps", steps_url, _current(path, steps_url)))
    return links


@register.filter
def year_label(nc_year: int | None) -> str:
    if nc_year is None:
        return "Mixed years"
    return NC_YEAR_LABELS.get(nc_year, str(nc_year))


@register.filter
def language(code: str | None) -> str:
    """A census first-language code as "Romanian (RMN)" (an unknown code as it is)."""
    return display.language_with_code(code)


@register.filter
def pupil_tags(period) -> list[tuple[str, str, str]]:
    return display.tags(period)


@register.simple_tag
def count_cell(cell: Cell, short: bool = False) -> str:
    """A count an aggregate-only reader may see: the number, or "fewer than N" when small.
    ``short``: "<N" for wide tables, with "fewer than N: suppressed" as its title, and the words
    for a screen reader."""
    if cell.suppressed:
        limit = small_group_threshold()
        if short:
            return format_html(
                '<abbr class="suppressed" title="fewer than {}: suppressed">'
                '<span aria-hidden="true">&lt;{}</span>'
                '<span class="visually-hidden">fewer than {}</span></abbr>',
                limit,
                limit,
                limit,
            )
        return format_html('<span class="suppressed">fewer than {}</span>', limit)
    return format_html("{}", cell.value)


@register.filter
def described(field: BoundField) -> str:
    """The field's widget, tied to its hint and error by ``aria-describedby``, flagged invalid
    when it has an error, so a screen reader reads all three together."""
    ids = []
    attrs: dict[str, str] = {}
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


@register.filter
def submitted(field: BoundField) -> str:
    """What the user typed into a field, for error summaries that name the value."""
    if not field.form.is_bound:
        return ""
    value = field.form.data.get(field.html_name, "")
    return str(value).strip()


@register.simple_tag
def threshold() -> int:
    return small_group_threshold()


@register.simple_tag
def blank(meaning: str = "none") -> str:
    """An empty cell: a dash for the eye, a word for a screen reader."""
    return format_html(
        '<span aria-hidden="true" class="muted">–</span><span class="visually-hidden">{}</span>', meaning
    )


@register.filter
def sen_label(period) -> str:
    if period is None or period.sen_provision == "N":
        return ""
    return "EHCP" if period.sen_provision == "E" else "SEN support"


@register.filter
def disadvantage_label(period) -> str:
    if period is None:
        return ""
    parts = []
    if period.fsm:
        parts.append("FSM")
    if period.disadvantaged:
        parts.append("PP")
    return ", ".join(parts)
