"""The dashboard benchmark's steps that need Django, each run by bench/dashboard_load.py in a
process of its own against the throwaway database (SQLite or PostgreSQL, from DATABASE_URL):

    python -m bench.dashboard_steps frame OUT.parquet|- REPEATS   time the observations frame (JSON)
    python -m bench.dashboard_steps setup USERS                   sessions and URLs as JSON
    python -m bench.dashboard_steps queries JSON                  statement counts as JSON
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.load import LoadError

REPO = Path(__file__).resolve().parent.parent


def _django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()


def step_frame(out: str, repeats: int) -> dict[str, Any]:
    _django()
    from strides.dashboards import frames
    from strides.organisations.models import Trust

    trust = Trust.objects.order_by("pk").first()
    if trust is None:
        raise LoadError("the database has no trust")
    shutil.rmtree(frames.cache_dir() or "/nonexistent", ignore_errors=True)
    frames.forget_observations()
    started = time.perf_counter()
    frame = frames.observations(trust.pk)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        frames.observations(trust.pk)
        warm.append(time.perf_counter() - started)
    shared = []
    for _ in range(repeats):
        frames.forget_observations()  # as another worker: memory empty, the file on disk
        started = time.perf_counter()
        frames.observations(trust.pk)
        shared.append(time.perf_counter() - started)
    versions = []
    for _ in range(repeats):
        started = time.perf_counter()
        frames.data_version(trust.pk)
        versions.append(time.perf_counter() - started)
    if out != "-":
        frame.write_parquet(out)
    return {
        "rows": frame.height,
        "columns": frame.width,
        "mb": frame.estimated_size("mb"),
        "cold_seconds": cold,
        "warm_seconds": sorted(warm)[len(warm) // 2],
        "shared_seconds": sorted(shared)[len(shared) // 2],
        "version_seconds": sorted(versions)[len(versions) // 2],
    }


def step_setup(users: int) -> dict[str, Any]:
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import NoReverseMatch, resolve, reverse
    from django.urls.exceptions import Resolver404

    from strides.accounts.models import Membership, User
    from strides.accounts.roles import Role
    from strides.organisations.models import School, Trust
    from strides.pupils.models import Enrolment

    trust = Trust.objects.order_by("pk").first()
    if trust is None:
        raise LoadError("the database has no trust")
    analyst = User.objects.get(username="analyst")
    director = User.objects.get(username="director")
    heads = list(
        Membership.objects.filter(trust=trust, role=Role.HEADTEACHER, school__isnull=False)
        .select_related("user", "school")
        .order_by("school__name")[:users]
    )
    if not heads:
        raise LoadError("the demo trust has no headteachers")

    def session(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def served(name: str, **kwargs: Any) -> str | None:
        try:
            path = reverse(name, kwargs=kwargs)
            resolve(path)
        except (NoReverseMatch, Resolver404):
            return None
        return path

    missing = []
    trust_page = served("dashboards:trust")
    if trust_page is None:
        missing.append("/dashboards/trust/")
    if served("dashboards:school", urn=heads[0].school.urn) is None:
        missing.append("/dashboards/schools/<urn>/")
    made = []
    for n in range(users):
        head = heads[n % len(heads)]
        viewer = analyst if n % 2 == 0 else director
        paths = {
            "api_attainment": "/api/v1/analytics/attainment/?group=disadvantaged",
            "api_attention": f"/api/v1/analytics/attention/?school={head.school.urn}",
        }
        if trust_page:
            paths["trust"] = trust_page
        school_page = served("dashboards:school", urn=head.school.urn)
        if school_page:
            paths["school"] = school_page
        # the trust-wide views as the analyst or the director, the school's as its head
        sessions = {"viewer": session(viewer), "head": session(head.user)}
        by_kind = {
            kind: sessions["viewer" if kind in ("trust", "api_attainment") else "head"] for kind in paths
        }
        made.append({"paths": paths, "sessions": by_kind})
    return {
        "users": made,
        "missing": missing,
        "pupils": Enrolment.objects.filter(school__trust=trust).values("pupil_id").distinct().count(),
        "schools": School.objects.filter(trust=trust).count(),
    }


def step_queries(made: dict[str, Any]) -> dict[str, int]:
    _django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    user = made["users"][0]
    for kind, path in user["paths"].items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = user["sessions"][kind]
        client.get(path)  # fills this process's cache: the count is a warm request's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise LoadError(f"{path} answered {response.status_code}")
        counts[kind] = len(queries.captured_queries)
    return counts


def main(argv: list[str]) -> int:
    if argv[:1] == ["frame"]:
        print(json.dumps(step_frame(argv[1], int(argv[2]) if len(argv) > 2 else 3)))
        return 0
    if argv[:1] == ["setup"]:
        print(json.dumps(step_setup(int(argv[1]))))
        return 0
    if argv[:1] == ["queries"]:
        print(json.dumps(step_queries(json.loads(argv[1]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
