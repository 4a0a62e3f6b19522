"""The gate builds each of its querysets once per scope and day (gate.kept_per_scope), across
requests, and hands out copies: still lazy, so rows changed meanwhile are seen; never shared
between users, and a changed membership is a new scope."""

from __future__ import annotations

import datetime as dt

from strides.access.gate import forget_scope, scope_for, visible_classes, visible_pupils
from strides.access.judgements import visible_judgements
from strides.classes import services as classes


def test_a_second_ask_is_a_copy_of_the_same_sql_built_once(cast):
    first = visible_pupils(cast.teacher)
    kept = len(scope_for(cast.teacher).querysets)
    second = visible_pupils(cast.teacher)
    assert second is not first and str(second.query) == str(first.query)
    assert len(scope_for(cast.teacher).querysets) == kept
    visible_judgements(cast.teacher)
    visible_judgements(cast.teacher, dt.date(2020, 1, 1))  # another day: other querysets
    kept = len(scope_for(cast.teacher).querysets)
    visible_judgements(cast.teacher)
    visible_judgements(cast.teacher, dt.date(2020, 1, 1))
    assert len(scope_for(cast.teacher).querysets) == kept
    assert {key[1] for key in scope_for(cast.teacher).querysets} == {dt.date.today(), dt.date(2020, 1, 1)}


def test_a_copy_runs_its_sql_afresh(cast):
    before = set(visible_pupils(cast.teacher).values_list("pk", flat=True))
    assert cast.ava.pk in before
    classes.set_pupils(None, cast.class_3t, [])
    assert cast.ava.pk not in set(visible_pupils(cast.teacher).values_list("pk", flat=True))


def test_a_copy_changed_by_its_caller_leaves_the_kept_one_alone(cast):
    visible_classes(cast.head).filter(pk=-1)
    assert visible_classes(cast.head).exists()


def test_each_user_has_their_own_and_forgetting_the_scope_forgets_them(cast):
    teacher, head = visible_pupils(cast.teacher), visible_pupils(cast.head)
    assert str(teacher.query) != str(head.query)
    forget_scope(cast.teacher)
    assert scope_for(cast.teacher).querysets == {}


def test_nobody_signed_in_keeps_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not visible_pupils(anonymous).exists()
    assert scope_for(anonymous).querysets == {}


def test_a_scope_narrowed_from_another_keeps_its_own(cast):
    """pupils.queries narrows a staff-and-parent user's scope with dataclasses.replace: the
    narrowed scope must not answer with the querysets kept for the whole one."""
    from dataclasses import replace

    scope = scope_for(cast.head)
    visible_pupils(cast.head)
    narrowed = replace(scope, pupil_school_ids=frozenset())
    assert narrowed.querysets == {} and scope.querysets


def _next_request(user):
    """The same user on their next request: a new scope, worked out afresh from the memberships."""
    forget_scope(user)
    return user


def test_the_next_request_with_the_same_memberships_reuses_what_the_process_keeps(cast, monkeypatch):
    from strides.access import gate

    gate.forget_kept_querysets()
    built = []
    original = gate.frozen

    def counting(subquery):
        built.append(subquery.model)
        return original(subquery)

    monkeypatch.setattr(gate, "frozen", counting)
    first = set(visible_pupils(cast.teacher).values_list("pk", flat=True))
    assert built, "the first request builds the teacher's queryset"
    built.clear()
    again = set(visible_pupils(_next_request(cast.teacher)).values_list("pk", flat=True))
    assert again == first and built == [], "a new scope with the same values is not built again"
    visible_pupils(_next_request(cast.head))
    assert built, "another user's scope is built for them, never shared"


def test_a_role_taken_away_takes_effect_on_the_next_request(cast):
    """What the process keeps is keyed by every value of the scope: a membership ended is
    another key, so the SQL the old scope was given is not used for the new one."""
    from strides.accounts import services as accounts
    from strides.accounts.models import Membership

    assert visible_pupils(cast.head).filter(pk=cast.ava.pk).exists()
    for membership in Membership.objects.filter(user=cast.head):
        accounts.revoke_role(None, membership)
    assert not visible_pupils(_next_request(cast.head)).exists()


def test_what_the_process_keeps_is_bounded(cast, monkeypatch):
    from strides.access import gate

    gate.forget_kept_querysets()
    monkeypatch.setattr(gate, "KEPT_MAX", 2)
    for day in (dt.date(2020, 1, 1), dt.date(2020, 1, 2), dt.date(2020, 1, 3)):
        visible_pupils(cast.teacher, day)
    assert len(gate._KEPT) == 2
