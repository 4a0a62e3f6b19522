"""Users and roles. Trust admins manage everyone in the trust; a head (``MANAGE_USERS`` at their
school) manages their own school's staff and parents only, and grants school roles at their
school, never trust roles. A user the acting user does not manage answers 404, like a missing one.
Writes go through ``strides.accounts.services`` and ``strides.accounts.security``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from strides.access.actor import Actor, SignedInRequest
from strides.access.gate import get_or_404, schools_with, scope_for, visible_pupils
from strides.access.parent_links import children_shown, linked_outside
from strides.access.rules import AccessRule, access_rule
from strides.accounts import security, services
from strides.accounts.forms import (
    GrantRoleForm,
    LinkParentForm,
    UserCreateForm,
    UserFilterForm,
)
from strides.accounts.models import Membership, User
from strides.accounts.roles import (
    PARENT_ROLES,
    PLACING_ROLES,
    ROLE_CAPABILITIES,
    TRUST_LEVEL_ROLES,
    Capability,
    Role,
)
from strides.forms import add_service_error
from strides.organisations.models import School, Trust
from strides.pupils.models import Pupil
from strides.pupils.upn import normalise

MANAGE_ANY = AccessRule(Capability.MANAGE_USERS, description="trust admins and heads")
MANAGE_ONE = AccessRule(Capability.MANAGE_USERS, object_scoped=True, description="users the actor manages")
PAGE_SIZE = 50
TRUST_ROLES = {str(role) for role in TRUST_LEVEL_ROLES}


@dataclass(frozen=True)
class Manager:
    """What the acting user may manage: the trust (trust admins) or some schools (heads)."""

    user: Actor
    trust_wide: bool
    trust: Trust | None
    school_ids: frozenset[int]

    @classmethod
    def of(cls, user: Actor) -> Manager:
        scope = scope_for(user)
        held = scope.capabilities.get(str(Capability.MANAGE_USERS), frozenset())
        trust_wide = None in held
        schools = schools_with(user, Capability.MANAGE_USERS)
        # Strides serves one trust per installation; a trust-wide manager acts for the trust of
        # their membership (the first, should an account ever belong to several).
        trust = Trust.objects.filter(pk__in=scope.trust_ids).order_by("pk").first()
        return cls(user, trust_wide, trust, frozenset(schools.values_list("pk", flat=True)))

    def schools(self) -> QuerySet[School]:
        return School.objects.filter(pk__in=self.school_ids).order_by("name")

    def grantable_schools(self) -> QuerySet[School]:
        """Schools a role may be granted at: the managed ones, and for trust admins also the
        schools outside the trust that place pupils here (for placing-school contacts)."""
        if self.trust_wide:
            return School.objects.filter(Q(pk__in=self.school_ids) | Q(trust__isnull=True)).order_by(
                "trust_id", "name"
            )
        return self.schools()

    def grantable_roles(self, *, with_parent: bool = False) -> list[tuple[str, str]]:
        roles = [
            (value, label)
            for value, label in Role.choices
            if (self.trust_wide or value not in TRUST_ROLES) and (with_parent or value not in PARENT_ROLES)
        ]
        return roles

    def users(self) -> QuerySet[User]:
        if self.trust_wide:
            # Everyone in the trust, and accounts with no role at all (made, or with every role
            # revoked), which only a trust admin can see.
            return User.objects.filter(
                Q(memberships__trust=self.trust) | Q(memberships__isnull=True, children_links__isnull=True)
            ).distinct()
        return User.objects.filter(
            Q(memberships__school_id__in=self.school_ids)
            | Q(children_links__pupil__enrolments__school_id__in=self.school_ids)
        ).distinct()

    def memberships(self) -> QuerySet[Membership]:
        if self.trust_wide:
            return Membership.objects.filter(trust=self.trust)
        return Membership.objects.filter(school_id__in=self.school_ids)

    def manages_fully(self, target: User) -> bool:
        """Whether every role of ``target`` is within reach, so the account itself may be changed
        (deactivated, two-factor reset, unlocked). A head may not lock out a trust admin."""
        if self.trust_wide:
            return True
        for membership in target.memberships.all():
            if membership.role in PARENT_ROLES:
                if linked_outside(target, self.school_ids):
                    return False
            elif membership.school_id not in self.school_ids:
                return False
        return True


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", reverse("web:home")), *items]


def _users_crumb() -> tuple[str, str]:
    return ("Users", reverse("accounts_manage:list"))


def _managed_user(manager: Manager, user_id: int) -> User:
    return get_or_404(manager.users(), pk=user_id)


# --- list and create ------------------------------------------------------------------------


def locked_until(usernames: Iterable[str]) -> dict[str, dt.datetime]:
    """For the usernames locked out by failed sign-ins right now (from any address, as
    ``security.is_locked_out`` sees it), when the lock lifts by itself. One query."""
    attempts = AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME) if settings.AXES_COOLOFF_TIME else None
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    latest = attempts.values("username").annotate(last=Max("attempt_time"))
    # no cool-off: locked until someone unlocks it (shown without a time)
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    return {row["username"]: row["last"] + cool_off if cool_off else far_future for row in latest}


@access_rule(MANAGE_ANY)
def user_list(request: SignedInRequest) -> HttpResponse:
    manager = Manager.of(request.user)
    form = UserFilterForm(request.GET or None, schools=manager.schools())
    users = manager.users()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            for word in data["q"].split()[:4]:
                users = users.filter(
                    Q(username__icontains=word)
                    | Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(email__icontains=word)
                )
        if data["school"] or data["role"]:
            held = manager.memberships()
            if data["school"]:
                held = held.filter(school=data["school"])
            if data["role"]:
                held = held.filter(role=data["role"])
            users = users.filter(memberships__in=held)
    users = users.order_by("last_name", "first_name", "username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("school").order_by("role"))
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    locks = locked_until(person.username for person in page.object_list)
    for person in page.object_list:
        person.locked_until = locks.get(person.username)
        person.lock_never_lifts = person.locked_until is not None and person.locked_until.year == dt.MAXYEAR
        person.unlockable = (
            person.locked_until is not None and person.pk != request.user.pk and manager.manages_fully(person)
        )
    return render(
        request,
        "accounts/manage/user_list.html",
        {
            "form": form,
            "page": page,
            "manager": manager,
            "breadcrumbs": _crumbs(("Users", "")),
        },
    )


def _pupil_for_parent(manager: Manager, upn: str) -> Pupil | None:
    """The pupil with this UPN, if the acting user can see them and manages their school."""
    pupil = visible_pupils(manager.user).filter(upn=normalise(upn)).first()
    if pupil is None or not any(
        school_id in manager.school_ids for school_id in pupil.enrolments.values_list("school_id", flat=True)
    ):
        return None
    return pupil


def _check_grant(manager: Manager, form: Any, role: str, school: School | None) -> Trust | None:
    """The trust the role is held in, or None after adding the reason it cannot be granted."""
    if role in PARENT_ROLES:
        return manager.trust
    if school is not None and school.trust_id is None and role not in PLACING_ROLES:
        form.add_error(
            "school",
            f"{school.name} is outside the trust: only a placing-school contact can be linked to it.",
        )
        return None
    if school is not None and school.trust_id is not None and school.pk not in manager.school_ids:
        form.add_error("school", f"You cannot grant roles at {school.name}.")
        return None
    if school is None and not manager.trust_wide:
        form.add_error("school", "Choose the school.")
        return None
    return school.trust if school is not None and school.trust_id else manager.trust


@access_rule(MANAGE_ANY)
def user_create(request: SignedInRequest) -> HttpResponse:
    manager = Manager.of(request.user)
    form = UserCreateForm(
        request.POST or None,
        roles=manager.grantable_roles(with_parent=True),
        schools=manager.grantable_schools(),
        role_required=not manager.trust_wide,
        trust_roles=TRUST_ROLES,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role, school = data["role"], data["school"]
        pupil = None
        if role in PARENT_ROLES:
            pupil = _pupil_for_parent(manager, data["child_upn"])
            if pupil is None:
                form.add_error("child_upn", f"No pupil with UPN {data['child_upn']} that you manage.")
        trust = _check_grant(manager, form, role, school) if role else manager.trust
        if not form.errors:
            try:
                with transaction.atomic():
                    user = services.create_user(
                        request.user,
                        data["username"],
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        password=data["password"] or None,
                    )
                    if pupil is not None:
                        services.link_parent(request.user, user, pupil, trust)
                    elif role:
                        services.grant_role(request.user, user, role, trust, school)
            except (ValidationError, ValueError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"The account {user.username} is created.")
                return redirect("accounts_manage:detail", user_id=user.pk)
    return render(
        request,
        "accounts/manage/user_form.html",
        {"form": form, "manager": manager, "breadcrumbs": _crumbs(_users_crumb(), ("New user", ""))},
    )


# --- one user -------------------------------------------------------------------------------


def _detail_page(
    request: SignedInRequest,
    manager: Manager,
    target: User,
    *,
    grant_form: GrantRoleForm | None = None,
    link_form: LinkParentForm | None = None,
) -> HttpResponse:
    memberships = list(target.memberships.select_related("school").order_by("school__name", "role"))
    manageable = set(manager.memberships().filter(user=target).values_list("pk", flat=True))
    children, hidden_children = children_shown(request.user, target)
    context = {
        "target": target,
        "manager": manager,
        "memberships": [(m, m.pk in manageable and _may_revoke(request.user, m)) for m in memberships],
        "children": children,
        "hidden_children": hidden_children,
        "grant_form": grant_form
        or GrantRoleForm(
            roles=manager.grantable_roles(), schools=manager.grantable_schools(), trust_roles=TRUST_ROLES
        ),
        "link_form": link_form or LinkParentForm(),
        "manages_fully": manager.manages_fully(target),
        "is_self": target.pk == request.user.pk,
        "two_factor_on": security.is_enrolled(target),
        "locked_out": security.is_locked_out(target),
        "breadcrumbs": _crumbs(_users_crumb(), (str(target), "")),
    }
    return render(request, "accounts/manage/user_detail.html", context)


def _may_revoke(actor: Actor, membership: Membership) -> bool:
    """Nobody removes their own power to manage users: ask another admin (no lock-outs by mistake)."""
    return not (
        membership.user_id == actor.pk and Capability.MANAGE_USERS in ROLE_CAPABILITIES[membership.role]
    )


@access_rule(MANAGE_ONE)
def user_detail(request: SignedInRequest, user_id: int) -> HttpResponse:
    manager = Manager.of(request.user)
    return _detail_page(request, manager, _managed_user(manager, user_id))


@require_POST
@access_rule(MANAGE_ONE)
def grant_role(request: SignedInRequest, user_id: int) -> HttpResponse:
    manager = Manager.of(request.user)
    target = _managed_user(manager, user_id)
    form = GrantRoleForm(
        request.POST,
        roles=manager.grantable_roles(),
        schools=manager.grantable_schools(),
        trust_roles=TRUST_ROLES,
    )
    if form.is_valid():
        role, school = form.cleaned_data["role"], form.cleaned_data["school"]
        trust = _check_grant(manager, form, role, school)
        if trust is not None:
            try:
                services.grant_role(request.user, target, role, trust, school)
            except (ValidationError, ValueError) as error:
                add_service_error(form, error)
            else:
                where = f" at {school.name}" if school else ""
                messages.success(request, f"{target} is now {Role(role).label.lower()}{where}.")
                return redirect("accounts_manage:detail", user_id=target.pk)
    return _detail_page(request, manager, target, grant_form=form)


@require_POST
@access_rule(MANAGE_ONE)
def revoke_role(request: SignedInRequest, user_id: int, membership_id: int) -> HttpResponse:
    manager = Manager.of(request.user)
    target = _managed_user(manager, user_id)
    membership = get_or_404(
        manager.memberships().filter(user=target).select_related("school", "user"), pk=membership_id
    )
    if not _may_revoke(request.user, membership):
        messages.error(
            request, "You cannot remove your own role that lets you manage users. Ask another admin."
        )
    else:
        services.revoke_role(request.user, membership)
        where = f" at {membership.school.name}" if membership.school_id else ""
        messages.success(request, f"{target} is no longer {membership.get_role_display().lower()}{where}.")
    return redirect("accounts_manage:detail", user_id=target.pk)


@require_POST
@access_rule(MANAGE_ONE)
def link_parent(request: SignedInRequest, user_id: int) -> HttpResponse:
    manager = Manager.of(request.user)
    target = _managed_user(manager, user_id)
    form = LinkParentForm(request.POST)
    if form.is_valid():
        upn = form.cleaned_data["upn"]
        pupil = _pupil_for_parent(manager, upn)
        if pupil is None:
            # the same words whether the pupil is missing or out of reach
            form.add_error("upn", f"No pupil with UPN {upn} that you manage.")
        else:
            services.link_parent(
                request.user, target, pupil, manager.trust, form.cleaned_data["relationship"]
            )
            messages.success(request, f"{target} is linked to {pupil.display_name} as a parent or carer.")
            return redirect("accounts_manage:detail", user_id=target.pk)
    return _detail_page(request, manager, target, link_form=form)


def account_change(view: Callable[[SignedInRequest, User], HttpResponse]) -> Callable[..., HttpResponse]:
    """For the actions on an account itself: the view gets the target user, or the request goes
    back to the user's page with the reason when it is the actor's own account or one with roles
    the actor does not manage."""

    @wraps(view)
    def checked(request: SignedInRequest, user_id: int) -> HttpResponse:
        manager = Manager.of(request.user)
        target = _managed_user(manager, user_id)
        if target.pk == request.user.pk:
            messages.error(request, "You cannot change your own account here.")
            return redirect("accounts_manage:detail", user_id=target.pk)
        if not manager.manages_fully(target):
            messages.error(request, f"{target} also has roles you do not manage. Ask a trust admin.")
            return redirect("accounts_manage:detail", user_id=target.pk)
        return view(request, target)

    return checked


@require_POST
@access_rule(MANAGE_ONE)
@account_change
def set_active(request: SignedInRequest, target: User) -> HttpResponse:
    active = request.POST.get("active") == "1"
    if target.is_active != active:
        services.set_active(request.user, target, active)
    if active:
        messages.success(request, f"{target} can sign in again.")
    else:
        messages.success(request, f"{target} is deactivated: they can no longer sign in or use API tokens.")
    return redirect("accounts_manage:detail", user_id=target.pk)


@require_POST
@access_rule(MANAGE_ONE)
@account_change
def reset_two_factor(request: SignedInRequest, target: User) -> HttpResponse:
    if security.reset_two_factor(request.user, target):
        messages.success(
            request, f"Two-factor sign-in is reset for {target}: they set it up again at next sign-in."
        )
    else:
        messages.info(request, f"{target} had no two-factor sign-in set up.")
    return redirect("accounts_manage:detail", user_id=target.pk)


@require_POST
@access_rule(MANAGE_ONE)
@account_change
def unlock(request: SignedInRequest, target: User) -> HttpResponse:
    if security.clear_lockout(request.user, target):
        messages.success(request, f"{target} can try to sign in again now.")
    else:
        messages.info(request, f"{target} was not locked out.")
    if request.POST.get("back") == "list":  # unlocked from a row of the Users list
        return redirect("accounts_manage:list")
    return redirect("accounts_manage:detail", user_id=target.pk)
