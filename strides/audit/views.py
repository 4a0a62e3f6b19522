"""Searching the audit log: who changed what, when, with the values before and after. Trust admins
only (``VIEW_AUDIT``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from strides.access.gate import visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.accounts.forms import DateInput, StridesForm
from strides.accounts.roles import Capability
from strides.audit.models import AuditAction, AuditEntry
from strides.audit.queries import search_audit

PAGE_SIZE = 50


def object_type_label(label: str) -> str:
    """'accounts.Membership' -> 'Membership (accounts)': readable, and still unambiguous."""
    try:
        name = apps.get_model(label)._meta.verbose_name
    except (LookupError, ValueError):
        return label
    return f"{str(name)[:1].upper()}{str(name)[1:]} ({label.split('.')[0]})"


class AuditSearchForm(StridesForm):
    mark_optional = False
    q = forms.CharField(
        label="Text",
        required=False,
        max_length=200,
        help_text="Part of the name of what changed, its id, or the reason (e.g. 'role granted').",
    )
    object_type = forms.ChoiceField(label="Kind of record", required=False)
    action = forms.ChoiceField(label="Change", required=False, choices=[("", "Any"), *AuditAction.choices])
    actor = forms.CharField(label="Changed by (username)", required=False, max_length=150)
    school = forms.ModelChoiceField(label="School", queryset=None, required=False, empty_label="Any school")
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args: Any, schools, object_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        kinds = sorted(
            ((label, object_type_label(label)) for label in object_types), key=lambda kind: kind[1]
        )
        self.fields["object_type"].choices = [("", "Any"), *kinds]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", f"The end date {until:%d/%m/%Y} is before the start {since:%d/%m/%Y}.")
        return cleaned


@dataclass(frozen=True)
class DiffRow:
    field: str
    before: Any
    after: Any
    changed: bool


def diff_rows(entry: AuditEntry) -> list[DiffRow]:
    """Every field of the entry's before and after, changed ones first marked as such."""
    before, after = entry.before or {}, entry.after or {}
    names = sorted(before.keys() | after.keys())
    return [
        DiffRow(
            name.replace("_", " "), before.get(name), after.get(name), before.get(name) != after.get(name)
        )
        for name in names
    ]


@access_rule(AccessRule(Capability.VIEW_AUDIT, description="trust admins"))
def search(request: HttpRequest) -> HttpResponse:
    schools = visible_schools(request.user).order_by("name")
    object_types = list(
        AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    form = AuditSearchForm(request.GET or None, schools=schools, object_types=object_types)
    entries = AuditEntry.objects.none()
    if not form.is_bound:
        entries = search_audit()
    elif form.is_valid():
        data = form.cleaned_data
        entries = search_audit(
            text=data["q"].strip(),
            object_type=data["object_type"],
            action=data["action"],
            actor=data["actor"].strip(),
            since=data["since"],
            until=data["until"],
            school_id=data["school"].pk if data["school"] else None,
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "rows": [
                (entry, object_type_label(entry.object_type), diff_rows(entry)) for entry in page.object_list
            ],
            "query": query.urlencode(),
            "breadcrumbs": [("Home", reverse("web:home")), ("Audit log", "")],
        },
    )
