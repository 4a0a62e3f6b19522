"""The Subjects pages, mounted at /frameworks/subjects/ (docs/frameworks.md, "Subjects").

Who may do what:
- trust admins and analysts (MANAGE_FRAMEWORKS for the whole trust): the trust's list (shipped
  subjects and the trust's own: add, change, archive, restore; of a shipped subject only its
  phase and archive, for this trust) and every school's additions;
- heads (MANAGE_FRAMEWORKS at their school): their school's additions; the trust's list read-only;
- anyone else: 403 (no MANAGE_FRAMEWORKS anywhere); a subject out of the user's reach: 404.

Reads through ``strides.frameworks.queries.subjects_for``; writes through
``strides.frameworks.services`` (atomic, audited).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Viewer
from strides.access.gate import schools_with
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.frameworks.forms import SubjectChangeForm, SubjectForm, manages_trust_wide
from strides.frameworks.models import Subject, SubjectPhase
from strides.frameworks.page_helpers import crumbs as framework_crumbs
from strides.frameworks.page_helpers import user_trust
from strides.frameworks.queries import applies_to, as_the_trust_has_it, subjects_for, with_trust_settings
from strides.frameworks.services import FrameworkError, add_subject, archive_subject, change_subject
from strides.organisations.models import School, Trust

SUBJECTS = AccessRule(
    Capability.MANAGE_FRAMEWORKS,
    description="trust admins and analysts manage the trust's subjects; heads their school's additions",
)
SUBJECT = AccessRule(
    Capability.MANAGE_FRAMEWORKS,
    object_scoped=True,
    description="a subject of the user's trust, or an addition of a school the user manages",
)


def _managed_schools(user: Viewer, trust: Trust) -> list[School]:
    return list(schools_with(user, Capability.MANAGE_FRAMEWORKS).filter(trust=trust).order_by("name"))


def _subject_or_404(user: Viewer, trust: Trust, subject_id: int) -> Subject:
    """A shipped subject, one of the trust's, or an addition of a school the user manages; with
    the trust's phase and archive for a shipped one."""
    reach = Q(trust__isnull=True) | Q(trust=trust, school__isnull=True)
    reach |= Q(trust=trust, school__in=_managed_schools(user, trust))
    found = with_trust_settings(Subject.objects.filter(reach, pk=subject_id), trust.pk).select_related(
        "school"
    )
    subject = found.first()
    if subject is None:
        raise Http404("Not found")
    return as_the_trust_has_it(subject)


def _may_change(user: Viewer, subject: Subject) -> bool:
    """Trust-wide managers change any subject of the trust; heads their school's additions."""
    return manages_trust_wide(user) or subject.school_id is not None


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return framework_crumbs(("Subjects", reverse("frameworks:subjects")), *items)


@access_rule(SUBJECTS)
def subject_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    schools = _managed_schools(user, trust)
    trust_wide = manages_trust_wide(user)
    form = SubjectForm(request.POST or None, trust=trust, schools=schools, trust_wide=trust_wide)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = add_subject(
                user,
                trust,
                data["code"],
                data["name"],
                phase=data.get("phase") or SubjectPhase.ALL,
                order=data["order"],
                school=form.owner_school(),
            )
        except FrameworkError as error:
            form.add_error("code", str(error))
        else:
            where = f"{subject.school.name}'s own subjects" if subject.school_id else "the trust's subjects"
            messages.success(request, f"{subject.name} ({subject.code}) is one of {where}.")
            return redirect("frameworks:subjects")
    every = subjects_for(trust, include_archived=True, every_school=True)
    mine = {s.pk for s in schools}
    trust_subjects = [s for s in every if s.school_id is None]
    additions = [s for s in every if s.school_id in mine]
    return render(
        request,
        "frameworks/subjects.html",
        {
            "trust": trust,
            "form": form,
            "trust_wide": trust_wide,
            "active": [s for s in trust_subjects if s.archived_at is None],
            "additions": [s for s in additions if s.archived_at is None],
            "archived": [
                s for s in every if s.archived_at is not None and (s.school_id is None or s in additions)
            ],
            "breadcrumbs": framework_crumbs(("Subjects", "")),
        },
    )


@access_rule(SUBJECT)
def subject_detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    """One subject: change it (when the user may), archive or restore it, and the schools it is
    for, each linking to which framework each of its year groups uses."""
    user = request.user
    trust = user_trust(user)
    subject = _subject_or_404(user, trust, subject_id)
    may_change = _may_change(user, subject)
    form = SubjectChangeForm(request.POST or None, subject=subject) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                change_subject(
                    user,
                    trust,
                    subject,
                    name=data.get("name"),
                    order=data.get("order"),
                    phase=data.get("phase"),
                )
            except FrameworkError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{subject.name} is saved.")
                return redirect("frameworks:subject", subject_id=subject.pk)
    schools = [school for school in _managed_schools(user, trust) if applies_to(subject, school)]
    return render(
        request,
        "frameworks/subject.html",
        {
            "subject": subject,
            "form": form,
            "may_change": may_change,
            "schools": schools,
            "breadcrumbs": _crumbs((subject.name, "")),
        },
    )


@access_rule(SUBJECT)
@require_POST
def subject_archive(request: HttpRequest, subject_id: int) -> HttpResponse:
    """Archive a subject for the trust, or restore it (``restore`` in the form)."""
    user = request.user
    trust = user_trust(user)
    subject = _subject_or_404(user, trust, subject_id)
    if not _may_change(user, subject):
        raise PermissionDenied
    restore = request.POST.get("action") == "restore"
    try:
        archive_subject(user, trust, subject, restore=restore)
    except FrameworkError as error:
        messages.error(request, str(error))
    else:
        done = "is back in the pickers and new drops" if restore else "is archived: its judgements are kept"
        messages.success(request, f"{subject.name} {done}.")
    return redirect("frameworks:subjects")
