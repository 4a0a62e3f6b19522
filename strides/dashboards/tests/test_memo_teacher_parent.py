"""The memo's key for a teacher is a digest of the rows they read, not only of their (pupil,
school) pairs: which of a pair's rows a user may read also depends on whether the pupil is theirs
(drafts included) or seen from outside (released drops only, ADR 11). A teacher who is also the
parent of a pupil they do not teach reads that pupil's released rows only; a colleague who teaches
the pupil reads the drafts too. With the same pairs and a digest of pairs only, whoever built the
page first decided what the other saw (found by a privacy review on 7 December 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.classes import services as classes
from strides.classes.models import StaffRole
from strides.dashboards import memo
from strides.dashboards.frames import forget_observations


@pytest.fixture(autouse=True)
def memo_on(settings, monkeypatch):
    from strides.dashboards import queries

    settings.STRIDES_DASHBOARD_MEMO = True
    settings.STRIDES_DASHBOARD_PROGRESS = False
    monkeypatch.setattr(queries, "today", lambda: dt.date.max)  # autumn is the default drop
    memo.forget()
    forget_observations()
    yield
    memo.forget()
    forget_observations()


def tables(response):
    assert response.status_code == 200
    return {n: t.rows for n, t in response.context["tables"].items() if n != "attention"}


def test_a_teacher_parent_never_gets_a_colleagues_drafts_of_their_own_child(history, client_for):
    h = history
    # Y teaches a maths set of 3T without lea, and is lea's parent (a staff member's child)
    y = accounts.create_user(None, "teacher_parent", first_name="Yan", last_name="Parent")
    accounts.grant_role(None, y, Role.TEACHER, h.trust, h.north)
    maths_set = classes.create_group(None, h.north, h.year, "3T maths set", nc_year=3)
    classes.set_pupils(None, maths_set, [h.ava, h.gus, h.hal, h.ida, h.jon, h.kai])
    classes.assign_staff(None, maths_set, y, StaffRole.TEACHER)
    accounts.link_parent(None, y, h.lea, h.trust, "father")
    page = f"/dashboards/schools/{h.north.urn}/?drop={h.current_drop.slug}&subject=maths"

    own_build = tables(client_for(y).get(page))  # what Y may see: lea's autumn draft is not in it
    memo.forget()
    client_for(h.teacher).get(page)  # 3T's teacher, who reads lea's draft, builds first
    served = tables(client_for(y).get(page))
    assert served == own_build, "Y was served figures that include lea's unreleased (draft) judgements"
