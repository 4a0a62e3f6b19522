"""Searching the audit log: who changed what, when, with the values before and after. Trust admins
only (``VIEW_AUDIT``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from strides.access.gate import visible_schools
from strides.access.readers import visible_audit_entries
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.audit.models import AuditAction, AuditEntry
from strides.audit.queries import search_audit
from strides.forms import DateInput, StridesForm

PAGE_SIZE = 50


# What people call the records the audit log is about, where the model's own name is not it.
OBJECT_TYPE_NAMES = {
    "accounts.User": "User",
    "accounts.Membership": "Role",
    "accounts.ParentLink": "Parent link",
    "accounts.ApiToken": "API token",
    "organisations.SchoolOfficer": "Assigned officer",
    "pupils.CharacteristicsPeriod": "Characteristics",
    "pupils.FormerUpn": "Former UPN",
    "classes.TeachingGroup": "Class",
    "classes.GroupMembership": "Class member",
    "classes.GroupStaff": "Class staff",
    "assessment.DropSchool": "Data drop at a school",
    "assessment.DropImportBatch": "Drop spreadsheet import",
    "imports.ImportBatch": "Pupil import",
}


def object_type_label(label: str) -> str:
    """'accounts.Membership' -> 'Role', 'pupils.Pupil' -> 'Pupil': the name people use."""
    if label in OBJECT_TYPE_NAMES:
        return OBJECT_TYPE_NAMES[label]
    try:
        name = str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
    return name[:1].upper() + name[1:]


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
    readable = visible_audit_entries(request.user)
    object_types = list(readable.order_by("object_type").values_list("object_type", flat=True).distinct())
    form = AuditSearchForm(request.GET or None, schools=schools, object_types=object_types)
    entries = readable.none()
    if not form.is_bound:
        entries = search_audit(readable)
    elif form.is_valid():
        data = form.cleaned_data
        entries = search_audit(
            readable,
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


# --- sign-in attempts -------------------------------------------------------------------------


class SignInSearchForm(StridesForm):
    mark_optional = False
    username = forms.CharField(label="Username", required=False, max_length=150)


@dataclass(frozen=True)
class FailedSignIns:
    """Failed sign-ins still counted against a username and address (django-axes'
    ``AccessAttempt``): locked when they reach the limit within the cool-off."""

    username: str
    ip_address: str | None
    last_attempt: dt.datetime
    failures: int
    locked_until: dt.datetime | None
    locked: bool


def _failed_sign_ins(attempts) -> list[FailedSignIns]:
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME) if settings.AXES_COOLOFF_TIME else None
    now = timezone.now()
    rows = []
    for attempt in attempts:
        counted = cool_off is None or attempt.attempt_time >= now - cool_off
        locked = counted and attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
        rows.append(
            FailedSignIns(
                username=attempt.username or "",
                ip_address=attempt.ip_address,
                last_attempt=attempt.attempt_time,
                failures=attempt.failures_since_start,
                locked_until=attempt.attempt_time + cool_off if locked and cool_off else None,
                locked=locked,
            )
        )
    return rows


@access_rule(AccessRule(Capability.VIEW_AUDIT, description="trust admins"))
def sign_ins(request: HttpRequest) -> HttpResponse:
    """Failed and locked-out sign-ins, read only: the counts django-axes keeps per username and
    address, and the log of each failure."""
    form = SignInSearchForm(request.GET or None)
    attempts = AccessAttempt.objects.order_by("-attempt_time").only(
        "username", "ip_address", "attempt_time", "failures_since_start"
    )
    failures = AccessFailureLog.objects.order_by("-attempt_time").only(
        "username", "ip_address", "attempt_time", "locked_out"
    )
    if form.is_valid() and form.cleaned_data["username"].strip():
        username = form.cleaned_data["username"].strip()
        attempts = attempts.filter(username__iexact=username)
        failures = failures.filter(username__iexact=username)
    attempt_page = Paginator(attempts, PAGE_SIZE).get_page(request.GET.get("attempts_page"))
    failure_page = Paginator(failures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/sign_ins.html",
        {
            "form": form,
            "attempts": _failed_sign_ins(attempt_page.object_list),
            "attempt_page": attempt_page,
            "page": failure_page,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "failure_log_kept": settings.AXES_ENABLE_ACCESS_FAILURE_LOG,
            "breadcrumbs": [
                ("Home", reverse("web:home")),
                ("Audit log", reverse("audit:search")),
                ("Sign-in attempts", ""),
            ],
        },
    )
