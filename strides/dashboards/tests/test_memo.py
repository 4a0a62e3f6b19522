"""The dashboards' memo (``strides.dashboards.memo``): one build per key, bounded, single-flight;
and on the pages, never one user's figures for another: every user gets exactly what a fresh
build for them shows, users with the same scope share one build, and a write builds again."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import polars as pl
import pytest

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.assessment.models import DropSchool, DropStatus
from strides.assessment.services import transition
from strides.classes import services as classes
from strides.classes.models import StaffRole
from strides.dashboards import memo
from strides.dashboards.frames import forget_observations

TRUST = "/dashboards/trust/"


@pytest.fixture(autouse=True)
def memo_on(settings):
    settings.STRIDES_DASHBOARD_MEMO = True
    settings.STRIDES_DASHBOARD_PROGRESS = False  # the figures at once, no shell (test_progress)
    memo.forget()
    forget_observations()
    yield
    memo.forget()
    forget_observations()


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """The pages open on this autumn's drop, as they would once its deadline has passed (a drop
    still being collected is not a page's default: test_views_trust)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


def school_url(school, query: str = "") -> str:
    return f"/dashboards/schools/{school.urn}/" + (f"?{query}" if query else "")


# --- the store -------------------------------------------------------------------------------------


def test_a_key_is_built_once_and_no_key_always_builds():
    built = []

    def build() -> list[int]:
        built.append(1)
        return [len(built)]

    first = memo.remember(("page", 1), build)
    assert memo.remember(("page", 1), build) is first
    assert memo.remember(("page", 2), build) == [2]
    assert memo.remember(None, build) == [3]
    assert memo.remember(None, build) == [4]
    assert memo.size() == 2


def test_only_the_most_recently_used_entries_are_kept(settings):
    settings.STRIDES_DASHBOARD_MEMO_ENTRIES = 2
    built: list[str] = []

    def build(name: str) -> Any:
        return lambda: built.append(name) or name

    memo.remember("a", build("a"))
    memo.remember("b", build("b"))
    memo.remember("a", build("a"))  # used: "b" is now the oldest
    memo.remember("c", build("c"))
    assert memo.size() == 2
    memo.remember("a", build("a"))
    memo.remember("b", build("b"))
    assert built == ["a", "b", "c", "b"]


def test_concurrent_callers_with_one_key_wait_for_a_single_build():
    calls = []
    results: list[Any] = []
    start = threading.Barrier(8)

    def build() -> object:
        calls.append(1)
        time.sleep(0.05)
        return object()

    def ask() -> None:
        start.wait()
        results.append(memo.remember("shared", build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(result is results[0] for result in results)


def test_a_failed_build_is_not_remembered():
    def fail() -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        memo.remember("key", fail)
    assert memo.size() == 0
    assert memo.remember("key", lambda: "built") == "built"


def test_off_in_test_mode_unless_turned_on(settings, cast):
    from strides.dashboards.queries import AnalyticsView

    del settings.STRIDES_DASHBOARD_MEMO
    assert not memo.enabled()
    assert memo.version_of(AnalyticsView(cast.analyst)) is None
    assert memo.page_key("trust", AnalyticsView(cast.analyst), pl.DataFrame(), None, 1) is None


def test_the_pupils_digest_is_of_the_exact_pupils_and_schools():
    rows = pl.DataFrame({"pupil_id": [3, 1, 2, 1], "school_id": [10, 10, 10, 10]})
    same = pl.DataFrame({"pupil_id": [1, 2, 3], "school_id": [10, 10, 10]})
    other_pupil = pl.DataFrame({"pupil_id": [1, 2, 4], "school_id": [10, 10, 10]})
    other_school = pl.DataFrame({"pupil_id": [1, 2, 3], "school_id": [10, 10, 11]})
    at = frozenset({10, 11})
    assert memo.pupils_digest(rows, at) == memo.pupils_digest(same, at)
    assert memo.pupils_digest(rows, at) != memo.pupils_digest(other_pupil, at)
    assert memo.pupils_digest(rows, at) != memo.pupils_digest(other_school, at)
    assert memo.pupils_digest(rows, frozenset()) == ""
    # the rows, not only the pairs: one more drop of the same pupil at the same school differs
    drops = pl.DataFrame({"pupil_id": [1, 1], "school_id": [10, 10], "drop_id": [5, 6], "subject_id": [1, 1]})
    fewer = pl.DataFrame({"pupil_id": [1], "school_id": [10], "drop_id": [5], "subject_id": [1]})
    assert memo.pupils_digest(drops, at) != memo.pupils_digest(fewer, at)


# --- the pages -------------------------------------------------------------------------------------


@pytest.fixture
def teacher_of_3b(history):
    """A second north teacher, of 3B: the same schools as ``teacher`` (3T), other pupils."""
    user = accounts.create_user(None, "teacher_3b", first_name="Bea", last_name="Bee")
    accounts.grant_role(None, user, Role.TEACHER, history.trust, history.north)
    classes.assign_staff(None, history.class_3b, user, StaffRole.TEACHER)
    return user


def snapshot(response) -> dict[str, Any]:
    """What a page shows of its figures: every table's rows and every chart's spec."""
    assert response.status_code == 200
    context = response.context
    return {
        "tables": {name: table.rows for name, table in context["tables"].items()},
        "figures": {name: figure.spec for name, figure in context["figures"].items()},
    }


def test_every_user_gets_the_figures_a_fresh_build_gives_them(history, client_for, settings, teacher_of_3b):
    h = history
    visits = [
        (h.analyst, TRUST),
        (h.director, TRUST),
        (h.eap, TRUST),
        (h.analyst, TRUST + "?subject=maths&group=sen"),
        (h.director, TRUST + "?subject=maths&group=sen"),
        (h.head, school_url(h.north)),
        (h.governor, school_url(h.north)),
        (h.senco, school_url(h.north)),
        (h.director, school_url(h.north)),
        (h.teacher, school_url(h.north)),
        (teacher_of_3b, school_url(h.north)),
        (h.governor, school_url(h.north, "subject=maths&group=sex")),
        (h.head, school_url(h.north, "subject=maths&group=sex")),
    ]
    # twice round with the memo on: the second round is served from it
    remembered = [snapshot(client_for(user).get(path)) for _ in range(2) for user, path in visits]
    assert memo.size() > 0
    settings.STRIDES_DASHBOARD_MEMO = False
    fresh = [snapshot(client_for(user).get(path)) for user, path in visits]
    assert remembered == fresh + fresh

    by_visit = dict(zip([(u.username, p) for u, p in visits], fresh, strict=True))
    # the scopes really differ where they must: the director's small groups are suppressed,
    # and the two teachers' pages are their own classes'
    analyst_groups = by_visit["analyst", TRUST + "?subject=maths&group=sen"]["tables"]["groups"]
    director_groups = by_visit["director", TRUST + "?subject=maths&group=sen"]["tables"]["groups"]
    assert not any(row["suppressed"] for row in analyst_groups)
    assert any(row["suppressed"] for row in director_groups)
    north = school_url(h.north)
    tables = {who: by_visit[who, north]["tables"] for who in ("teacher", "teacher_3b", "head", "governor")}
    assert tables["teacher"]["attainment"] != tables["teacher_3b"]["attainment"]
    assert tables["head"]["attention"] != tables["governor"]["attention"]


def test_users_with_the_same_scope_share_one_build_and_others_do_not(history, client_for, teacher_of_3b):
    h = history
    first = client_for(h.analyst).get(TRUST)
    again = client_for(h.analyst).get(TRUST)
    assert again.context["tables"] is first.context["tables"]
    director = client_for(h.director).get(TRUST)
    assert director.context["tables"] is not first.context["tables"]
    assert memo.size() == 2

    teacher = client_for(h.teacher).get(school_url(h.north))
    other = client_for(teacher_of_3b).get(school_url(h.north))
    assert teacher.context["tables"]["attainment"] is not other.context["tables"]["attainment"]
    assert memo.size() == 4


def test_named_pupils_needing_attention_are_never_remembered(history, client_for):
    h = history
    head = client_for(h.head).get(school_url(h.north))
    senior = client_for(h.senior).get(school_url(h.north))
    names = {row["pupil"] for row in head.context["tables"]["attention"].rows}
    assert h.fell_back.display_name in names
    assert senior.context["tables"]["attention"] is not head.context["tables"]["attention"]
    for shared, _ in memo._entries.values():
        assert "attention" not in shared.tables
        assert all(h.fell_back.display_name not in str(table.rows) for table in shared.tables.values())


def test_a_write_builds_the_page_again(history, client_for):
    h = history
    client = client_for(h.analyst)

    def oak_status() -> str:
        rows = client.get(TRUST).context["tables"]["completeness"].rows
        return next(row["status"] for row in rows if row["school"] == h.oak.name)

    assert oak_status() == "In progress"  # fay's judgements
    transition(h.analyst, DropSchool.objects.get(drop=h.current_drop, school=h.oak), DropStatus.LOCKED)
    assert oak_status() == "Locked by the trust"
