"""The role matrix: every route, every member of the cast, checked against the route's declared rule.

For each URL pattern (the API router's too) this reads the rule declared with
``strides.access.rules`` and GETs the route as anonymous and as each cast member
(strides/testing/cast.py), expecting:

- a public route: anything but a server error;
- anonymous: a redirect to the login page (401/403 under /api/);
- a user who holds the rule's capability nowhere: 404 when the capability reads pupils
  (``AccessRule.shows_pupil_data``: a class page, pupil search, the grid...), else 403 (404 too on
  an object-scoped route);
- an object-scoped route whose object the user cannot see through the gate: 404, like missing;
- a user who may: 200 (or 302 / 405 for views that only take a POST);
- never a 500, for anyone.

A signed-in user who must be refused an object-scoped or POST-only route is also sent a POST (an
empty one): it must be refused too (403 or 404; 405 only when a missing object gets the same), and
it must write nothing: the audit log has as many entries after it as before. ``river_head``
(headteacher at river) holds at river every capability ``head`` holds at north, so every
north object route is checked against "may do this, but at another school".

A route with no declared rule fails ``test_every_route_declares_an_access_rule``.

The cases that found issue 9's leaks put one awkward pupil, class or school before the whole cast
in ``test_matrix_leaks.py``: a moved pupil, a dual-registered pupil, a placed pupil on another
roll, a past-year class, a governor's home and school pages with small groups.

Adding a route whose URL takes a keyword this file does not know fails with a message: add the
keyword to ``KWARGS`` below, naming the cast object it stands for and who can see it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from strides.access.gate import (
    can,
    forget_scope,
    scope_for,
    visible_classes,
    visible_pupils,
    visible_schools,
)
from strides.access.rules import AccessRule, rule_of
from strides.access.tests.matrix_steps import (
    StepsWorld,
    reads_ava_record,
    sees_conversation,
    uses_north_step_framework,
)

# Routes that answer to Django, not to Strides' rules. Each needs its reason.
EXEMPT_PREFIXES = {
    "/static/": "static files, public by nature",
}

# 302: a view that redirects; 405: a view that only takes a POST
ALLOWED = frozenset({200, 302, 405})


# --- the routes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # the pattern, e.g. "/pupils/<int:pupil_id>/"
    name: str | None  # "namespace:name" when the pattern has a name
    callback: Callable[..., Any]
    kwargs: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.name or self.path

    @property
    def rule(self) -> AccessRule | None:
        return rule_of(self.callback)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def exempt_because(self) -> str | None:
        for prefix, reason in EXEMPT_PREFIXES.items():
            if self.path.startswith(prefix):
                return reason
        return None


def _walk(patterns: list, prefix: str, namespace: str | None) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = None
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            path = "/" + (prefix + str(pattern.pattern)).replace("^", "").replace("$", "").replace("\\Z", "")
            keywords = tuple(pattern.pattern.regex.groupindex)
            for outer in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", prefix):
                keywords = (*(k for k in outer if k), *keywords)
            yield Route(
                path=path, name=name, callback=pattern.callback, kwargs=tuple(dict.fromkeys(keywords))
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", None))


ROUTES = all_routes()
CHECKED_ROUTES = [route for route in ROUTES if route.exempt_because is None and route.rule is not None]


# --- what each URL keyword stands for ---------------------------------------------------------


class World(StepsWorld):
    """The cast, plus the few objects the cast does not make, created when a route needs them."""

    def __init__(self, cast) -> None:
        self.cast = cast

    @cached_property
    def ava_enrolment(self):
        from strides.pupils.models import Enrolment

        return Enrolment.objects.get(pupil=self.cast.ava, school=self.cast.north)

    @cached_property
    def teacher_token(self):
        from strides.accounts import services as accounts

        token, _secret = accounts.create_api_token(None, self.cast.teacher, "role matrix")
        return token

    @cached_property
    def teacher_membership(self):
        from strides.accounts.models import Membership

        return Membership.objects.get(user=self.cast.teacher, school=self.cast.north)

    @cached_property
    def teacher_in_3t(self):
        from strides.classes.models import GroupStaff

        return GroupStaff.objects.get(group=self.cast.class_3t, user=self.cast.teacher)

    @cached_property
    def head_import_batch(self):
        from strides.imports import batches

        content = b"UPN,Legal surname,Legal forename\n"
        return batches.create_batch(self.cast.head, self.cast.north, "pupils.csv", content)

    @cached_property
    def head_drop_batch(self):
        from strides.assessment.sheets import batches

        return batches.create_batch(self.cast.head, self.autumn_drop, "drop.csv", b"UPN,Reading\n")

    @cached_property
    def autumn_drop(self):
        from datetime import timedelta

        from strides.assessment.services import create_drop

        year = self.cast.year
        return create_drop(
            None,
            self.cast.trust,
            year,
            name="Autumn",
            term="autumn",
            opens_on=year.starts_on,
            deadline=year.starts_on + timedelta(days=110),
            schools=[self.cast.north, self.cast.river],
        )

    @cached_property
    def north_officer(self):
        from strides.organisations.models import SchoolOfficer

        return SchoolOfficer.objects.get(school=self.cast.north, user=self.cast.eap)

    @cached_property
    def north_framework(self):
        from strides.frameworks.models import ScalePoint
        from strides.frameworks.services import create_framework, ensure_common_scale

        point = ScalePoint.objects.get(scale=ensure_common_scale(self.cast.trust), code="NS1")
        levels = [("S1", "Step 1", "", point)]
        trust, north = self.cast.trust, self.cast.north
        return create_framework(None, trust, "north-steps", "North steps", levels, school=north)

    @cached_property
    def north_subject(self):
        from strides.frameworks.services import add_subject

        return add_subject(None, self.cast.trust, "forest-school", "Forest school", school=self.cast.north)

    @cached_property
    def first_crosswalk(self):
        from strides.frameworks.services import ensure_common_scale

        return ensure_common_scale(self.cast.trust).crosswalks.get(version=1)

    @cached_property
    def ava_sen_change(self):
        from strides.pupils.services import staged_sen

        ava = self.cast.ava
        row = staged_sen.SenRow(row=2, upn=ava.upn, name="Ava Archer", values={"sen_provision": "K"})
        plans = staged_sen.plan_sen_changes([row])
        [change] = staged_sen.stage_sen_changes(
            self.cast.analyst, self.cast.north, plans, source="mis.csv", effective=self.cast.today
        )
        return change


def _sees_school(w: World, user) -> bool:
    return visible_schools(user).filter(pk=w.cast.north.pk).exists()


def _sees_ava(w: World, user) -> bool:
    return visible_pupils(user).filter(pk=w.cast.ava.pk).exists()


def _sees_class(w: World, user) -> bool:
    return visible_classes(user).filter(pk=w.cast.class_3t.pk).exists()


def _in_trust(w: World, user) -> bool:
    return w.cast.trust.pk in scope_for(user).trust_ids


def _decides_north_sen(w: World, user) -> bool:
    # a SEN change staged at north: north's SENCO and head, and the trust admin (EDIT_SEN there)
    return can(user, "edit_sen", w.cast.north) and _sees_ava(w, user)


def _sees_north_framework(w: World, user) -> bool:
    # a school's own framework: that school's staff who record assessment, and the trust's roles
    return can(user, "record_assessment", w.cast.north) or can(user, "manage_frameworks", w.cast.north)


@dataclass(frozen=True)
class Target:
    """What a URL keyword names in the matrix.

    ``value``: the value put in the URL. ``visible``: who may see the object through the gate
    (None: no gate reader for it; the rule's capability at ``school`` decides alone). ``school``:
    where the rule's capability must be held (None: anywhere will do). ``only_user``: the object
    is one user's own (a token, an upload). ``missing``: a value naming no object, to check that
    out of scope answers exactly like missing.
    """

    value: Callable[[World], Any]
    visible: Callable[[World, Any], bool] | None = None
    school: Callable[[World], Any] | None = None
    only_user: Callable[[World], Any] | None = None
    missing: Any = 987654321


def _north(w: World):
    return w.cast.north


KWARGS: dict[str, Target] = {
    # schools: Northfield Primary
    "urn": Target(lambda w: w.cast.north.urn, _sees_school, _north, missing="999999"),
    "school_id": Target(lambda w: w.cast.north.pk, _sees_school, _north),
    # pupils: Ava (north, Year 3, class 3T; her parent is `parent`)
    "pupil_id": Target(lambda w: w.cast.ava.pk, _sees_ava, _north),
    "upn": Target(lambda w: w.cast.ava.upn, _sees_ava, _north, missing="A999999999999"),
    "enrolment_id": Target(lambda w: w.ava_enrolment.pk, _sees_ava, _north),
    # frameworks: North steps, Northfield Primary's own; crosswalks: the trust's version 1
    "framework_id": Target(lambda w: w.north_framework.pk, _sees_north_framework),
    "crosswalk_id": Target(lambda w: w.first_crosswalk.pk, _in_trust),
    # subjects: Forest school, Northfield Primary's own addition (its head and the trust's managers)
    "subject_id": Target(
        lambda w: w.north_subject.pk, lambda w, user: can(user, "manage_frameworks", w.cast.north), _north
    ),
    # classes: 3T at north (teacher and ta teach it)
    "group_id": Target(lambda w: w.cast.class_3t.pk, _sees_class, _north),
    "class_id": Target(lambda w: w.cast.class_3t.pk, _sees_class, _north),
    # people at north: the teacher, their membership, the EAP assigned to north
    "user_id": Target(lambda w: w.cast.teacher.pk, None, _north),
    "username": Target(lambda w: w.cast.teacher.username, None, _north, missing="nobody-at-all"),
    "membership_id": Target(lambda w: w.teacher_membership.pk, None, _north),
    "officer_id": Target(lambda w: w.north_officer.pk, None, _north),
    "staff_id": Target(lambda w: w.teacher_in_3t.pk, _sees_class, _north),
    # the teacher's own API token: nobody else's business
    "token_id": Target(lambda w: w.teacher_token.pk, only_user=lambda w: w.cast.teacher),
    # a pupil import the head uploaded at north: only the uploader may open it
    "batch_id": Target(
        lambda w: w.head_import_batch.pk, _sees_school, _north, only_user=lambda w: w.cast.head
    ),
    # the trust's current academic year
    "year_id": Target(lambda w: w.cast.year.pk, _in_trust),
    "start_year": Target(lambda w: w.cast.year.start_year, _in_trust),
    # the trust's autumn data drop (north and river): a trust object, any member of the trust
    "drop_slug": Target(lambda w: w.autumn_drop.slug, _in_trust, missing="no-such-drop"),
    # a data-drop spreadsheet the head uploaded for the autumn drop: only the uploader may open it
    "drop_batch_id": Target(
        lambda w: w.head_drop_batch.pk, _sees_school, _north, only_user=lambda w: w.cast.head
    ),
    # a SEN change (Ava: SEN support) from the analyst's pupil import at north, for north to confirm
    "sen_change_id": Target(lambda w: w.ava_sen_change.pk, _decides_north_sen, _north),
    # Ava's reading in the autumn drop, recorded by her teacher (strides/assessment/tests/test_api_matrix.py)
    "judgement_id": Target(
        lambda w: __import__("strides.assessment.tests.test_api_matrix", fromlist=["_"]).ava_reading(w).pk,
        _sees_ava,
        _north,
    ),
    # small steps: Northfield Primary's own framework, its one area and statement
    "step_framework_id": Target(lambda w: w.north_step_framework.pk, uses_north_step_framework, _north),
    "statement_id": Target(lambda w: w.north_statement.pk, uses_north_step_framework, _north),
    "area_id": Target(lambda w: w.north_step_area.pk, uses_north_step_framework, _north),
    # small steps: Ava's record on the trust's shared framework (her school's staff, her teacher and TA)
    "achievement_record_id": Target(lambda w: w.ava_record.pk, reads_ava_record, _north),
    # small steps: a threshold conversation about Ava (north's staff with school reach, her class teacher)
    "conversation_id": Target(lambda w: w.ava_conversation.pk, sees_conversation, _north),
    # DRF format suffixes
    "format": Target(lambda w: "json", missing="json"),
}

# `pk` means different things on different routes: the first of these words found in the route's
# name (e.g. the API's "pupil-detail") says which keyword above it stands for.
PK_BY_WORD = {
    "pupil": "pupil_id",
    "enrolment": "enrolment_id",
    "school": "school_id",
    "class": "group_id",
    "group": "group_id",
    "user": "user_id",
    "membership": "membership_id",
    "token": "token_id",
    "officer": "officer_id",
    "staff": "staff_id",
    "batch": "batch_id",
    "year": "year_id",
    "framework": "framework_id",
    "crosswalk": "crosswalk_id",
    "judgement": "judgement_id",
    "achievement": "achievement_record_id",
    "conversation": "conversation_id",
}


def target_for(route: Route, keyword: str) -> Target:
    if keyword == "pk":
        words = re.split(r"[-_:]", route.name or route.path)
        for word in words:
            if word in PK_BY_WORD:
                return KWARGS[PK_BY_WORD[word]]
        pytest.fail(
            f"{route.label} ({route.path}) takes <pk>, but no word of its name says what kind of object: "
            f"add the word to PK_BY_WORD in {__file__}."
        )
    if keyword not in KWARGS:
        pytest.fail(
            f"{route.label} ({route.path}) takes <{keyword}>, which the role matrix cannot fill: add "
            f"{keyword!r} to KWARGS in {__file__}, naming the cast object it stands for and who can see it."
        )
    return KWARGS[keyword]


def build_url(route: Route, values: dict[str, Any]) -> str:
    if route.name:
        return reverse(route.name, kwargs=values)
    url = route.path
    for keyword, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{keyword}>|\(\?P<{keyword}>[^)]*\)", str(value), url)
    return url


# --- what each user should get ----------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    statuses: frozenset[int]
    why: str
    refused: bool  # the user must be turned away (sign in, 403 or 404)
    to_login: bool = False  # anonymous: a 302 must lead to the login page
    out_of_scope: bool = False  # must answer exactly as it would for a missing object


def expected_for(
    route: Route, rule: AccessRule, targets: dict[str, Target], world: World, user
) -> Expectation:
    if rule.public:
        return Expectation(frozenset(range(200, 500)), "public route", refused=False)
    if user is None:
        statuses = {401, 403, 302} if route.is_api else {302}
        return Expectation(frozenset(statuses), "anonymous: sign in first", refused=True, to_login=True)
    forget_scope(user)  # a POST of an earlier user may have changed who sees what
    objects = [target for keyword, target in targets.items() if keyword != "format"]
    scoped = rule.object_scoped and bool(objects)
    if rule.capability is not None and not can(user, rule.capability):
        if rule.shows_pupil_data:  # ADR 2: pupil data one may not read is not there, like out of scope
            why = f"holds {rule.capability} nowhere: pupil data, so not found"
            return Expectation(frozenset({404}), why, refused=True)
        statuses = {403, 404} if scoped else {403}
        return Expectation(frozenset(statuses), f"holds {rule.capability} nowhere", refused=True)
    if not scoped:
        statuses = set(ALLOWED) | ({404} if objects else set())
        return Expectation(frozenset(statuses), "may use this route", refused=False)
    for target in objects:
        if target.only_user is not None and target.only_user(world).pk != user.pk:
            why = "not their own object: out of scope"
            return Expectation(frozenset({404}), why, refused=True, out_of_scope=True)
        if target.visible is not None and not target.visible(world, user):
            why = "cannot see the object through the gate"
            return Expectation(frozenset({404}), why, refused=True, out_of_scope=True)
    if rule.capability is not None:
        for target in objects:
            if target.school is not None and not can(user, rule.capability, target.school(world)):
                why = f"holds {rule.capability} elsewhere, not here"
                return Expectation(frozenset({403, 404}), why, refused=True)
    return Expectation(ALLOWED, "can see the object and holds the capability", refused=False)


@dataclass(frozen=True)
class Answer:
    method: str
    status: int | None  # None: the view raised
    location: str = ""
    error: str = ""


def send(client: Client, method: str, url: str) -> Answer:
    try:
        response = client.get(url) if method == "GET" else client.post(url, {})
    except Exception as exc:  # any exception is the finding
        return Answer(method, None, error=f"{type(exc).__name__}: {exc}")
    return Answer(method, response.status_code, response.get("Location", ""))


def problem_with(answer: Answer, expectation: Expectation, login_url: str) -> str | None:
    if answer.status is None or answer.status >= 500:
        return f"{answer.method} server error {answer.status or ''} {answer.error}".rstrip()
    if answer.status not in expectation.statuses:
        wanted = "/".join(map(str, sorted(expectation.statuses)))
        return f"{answer.method} got {answer.status}, expected {wanted} ({expectation.why})"
    at_login = answer.location.startswith(login_url)
    if answer.status == 302 and expectation.to_login and not at_login:
        return f"{answer.method} redirected to {answer.location}, expected the login page"
    if answer.status == 302 and not expectation.to_login and at_login:
        return f"{answer.method} signed in, yet sent to the login page ({expectation.why})"
    return None


def audit_count() -> int:
    from strides.audit.models import AuditEntry

    return AuditEntry.objects.count()


def send_counting_writes(client: Client, method: str, url: str) -> tuple[Answer, str | None]:
    """Send a request a refused user makes, and say if it wrote: every service audits its writes."""
    before = audit_count()
    answer = send(client, method, url)
    written = audit_count() - before
    if written:
        return (
            answer,
            f"{method} got {answer.status} and wrote {written} audit entr{'y' if written == 1 else 'ies'}",
        )
    return answer, None


def refused_post_problem(client: Client, url: str, missing_url: str) -> str | None:
    """A signed-in user refused an object route POSTs to it: 403/404 (405 only when a missing
    object answers the same: the route takes no POST at all), and no write."""
    answer, wrote = send_counting_writes(client, "POST", url)
    if wrote:
        return wrote
    if answer.status is None or answer.status >= 500:
        return f"POST server error {answer.status or ''} {answer.error}".rstrip()
    if answer.status in {403, 404}:
        return None
    if answer.status == 405 and send(client, "POST", missing_url).status == 405:
        return None
    return f"POST got {answer.status}, expected 403/404: a refused user must not reach the form"


def check(
    client: Client,
    url: str,
    missing_url: str,
    expectation: Expectation,
    login_url: str,
    *,
    post_too: bool = False,
) -> str | None:
    """GET the route. A 405 is the same answer for every object, existing or not, so it gives
    nothing away; but on a POST-only route a user who must be refused is then refused a POST too
    (an empty one: a refused POST never reaches the form), and it must write nothing.
    ``post_too``: on an object-scoped route, a refused signed-in user is sent a POST as well."""
    answer = send(client, "GET", url)
    if answer.status == 405 and expectation.refused:
        answer, wrote = send_counting_writes(client, "POST", url)
        if wrote:
            return wrote
        if answer.status == 405:  # a route for PUT or DELETE only
            return None
    problem = problem_with(answer, expectation, login_url)
    if problem and expectation.out_of_scope and answer.status in {403, 405}:
        # Refused before the object is looked up (say, a write the user may do nowhere): fine, as
        # long as a missing object gets the very same answer.
        twin = send(client, answer.method, missing_url)
        if twin.status == answer.status:
            problem = None
        else:
            problem += f"; for a missing object it answers {twin.status}: out of scope must look like missing"
    if problem is None and post_too and expectation.refused and answer.method == "GET":
        problem = refused_post_problem(client, url, missing_url)
    return problem


# --- the tests ----------------------------------------------------------------------------------


def test_the_matrix_sees_the_routes():
    names = {route.name for route in ROUTES}
    assert {"web:home", "web:health", "accounts:login"} <= names
    assert not any(route.path.startswith("/django-admin/") for route in ROUTES), "no unscoped admin"


def test_every_route_declares_an_access_rule():
    missing = [
        f"{route.label}  {route.path}  ({getattr(route.callback, '__module__', '?')}."
        f"{getattr(route.callback, '__name__', '?')})"
        for route in ROUTES
        if route.exempt_because is None and route.rule is None
    ]
    assert not missing, (
        "Routes without a declared access rule (use @access_rule(...) on function views, "
        "`access = AccessRule(...)` on class views and viewsets; see strides/access/rules.py):\n  "
        + "\n  ".join(missing)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("route", CHECKED_ROUTES, ids=[route.label for route in CHECKED_ROUTES])
def test_route_answers_each_role_as_its_rule_says(route: Route, cast):
    from django.conf import settings

    rule = route.rule
    assert rule is not None
    world = World(cast)
    targets = {keyword: target_for(route, keyword) for keyword in route.kwargs}
    url = build_url(route, {keyword: target.value(world) for keyword, target in targets.items()})
    missing_url = build_url(route, {keyword: target.missing for keyword, target in targets.items()})
    login_url = reverse(settings.LOGIN_URL)

    people: list[tuple[str, Any]] = [("anonymous", None), *cast.users.items()]
    problems = []
    for username, user in people:
        client = Client()
        if user is not None:
            client.force_login(user)
        expectation = expected_for(route, rule, targets, world, user)
        object_route = rule.object_scoped and any(keyword != "format" for keyword in targets)
        post_too = user is not None and object_route
        problem = check(client, url, missing_url, expectation, login_url, post_too=post_too)
        if problem:
            problems.append(f"{username:15} {problem}")
    assert not problems, f"{url} [{route.label}, rule {rule}]:\n  " + "\n  ".join(problems)
