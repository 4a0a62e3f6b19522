"""The grid benchmark's steps that need Django, each run by bench/grid_load.py in a process of its
own against the throwaway database (SQLite or PostgreSQL, from DATABASE_URL):

    python -m bench.grid_steps setup USERS     a trust, one class and teacher per user; prints
                                               the users' sessions, URLs and cells as JSON
    python -m bench.grid_steps queries JSON    the SQL statements of one grid page, one new cell
                                               and one change of a saved cell, as JSON
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.load import LoadError

REPO = Path(__file__).resolve().parent.parent

PUPILS_PER_CLASS = 30
SUBJECTS = ("reading", "writing", "maths")
SCHOOLS = 5


def step_setup(users: int) -> dict[str, Any]:
    """Through the real services, so the rows are what a school would have: a trust, its schools,
    one class and teacher per simulated user, a signed-in session each (no password round trip
    under load), and each class's cells column by column as a teacher fills the grid."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from strides.accounts import services as accounts
    from strides.accounts.roles import Role
    from strides.assessment.services import create_drop
    from strides.classes import services as classes
    from strides.frameworks.services import ensure_common_scale
    from strides.organisations import services as organisations
    from strides.organisations.models import AcademicYear
    from strides.pupils.models import Pupil
    from strides.pupils.services import PupilRecord, upsert_pupils
    from strides.pupils.upn import make_upn

    today = dt.date.today()
    trust = organisations.create_trust(None, "Grid Load Trust", "grid-load")
    year = organisations.ensure_academic_year(None, trust, AcademicYear.start_year_for(today))
    schools = [
        organisations.create_school(
            None,
            trust,
            name=f"Grid Load Primary {n}",
            urn=f"99810{n}",
            la_code="801",
            establishment_number=f"{2100 + n}",
            school_type="primary",
            phase="primary",
            joined_trust_on=dt.date(2018, 9, 1),
        )
        for n in range(1, SCHOOLS + 1)
    ]
    ensure_common_scale(trust)
    drop = create_drop(
        None,
        trust,
        year,
        name="Autumn",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=110),
        schools=schools,
    )
    made = []
    for n in range(users):
        school = schools[n % SCHOOLS]
        nc_year = 1 + n % 6
        records = [
            PupilRecord(
                upn=make_upn(
                    801, int(school.establishment_number), 22, (n // SCHOOLS) * PUPILS_PER_CLASS + k
                ),
                legal_forename=f"Child{k:02d}",
                legal_surname=f"Class{n:02d}",
                date_of_birth=dt.date(today.year - 5 - nc_year, 3, 1),
                sex="F" if k % 2 else "M",
                characteristics={"nc_year": nc_year},
                enrolment_start=year.starts_on,
            )
            for k in range(PUPILS_PER_CLASS)
        ]
        upsert_pupils(None, school, records, effective=year.starts_on)
        pupils = list(Pupil.objects.filter(legal_surname=f"Class{n:02d}").order_by("pk"))
        group = classes.create_group(None, school, year, f"{nc_year}-{n:02d}", nc_year=nc_year)
        classes.set_pupils(None, group, pupils)
        teacher = accounts.create_user(None, f"grid-teacher-{n:02d}", validate=False)
        accounts.grant_role(None, teacher, Role.TEACHER, trust, school)
        classes.assign_staff(None, group, teacher)
        session = SessionStore()
        session[SESSION_KEY] = str(teacher.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = teacher.get_session_auth_hash()
        session.create()
        kwargs = {"drop_slug": drop.slug, "group_id": group.pk}
        made.append(
            {
                "session": session.session_key,
                "grid": reverse("assessment:grid", kwargs=kwargs),
                "save": reverse("assessment:grid_save", kwargs=kwargs),
                # column by column, as a teacher fills the grid
                "cells": [[p.pk, subject, nc_year] for subject in SUBJECTS for p in pupils],
            }
        )
    return {"drop": drop.slug, "users": made}


def step_queries(plan: dict[str, Any]) -> dict[str, int]:
    """The statements of one grid page, one new cell and one change, as the teacher: the numbers
    the tests pin (a save's transaction statements count too)."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from strides.assessment.models import Judgement

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = plan["session"]
    counts: dict[str, int] = {}
    with CaptureQueriesContext(connection) as page:
        response = client.get(plan["grid"])
    if response.status_code != 200:
        raise LoadError(f"the grid page answered {response.status_code}")
    counts["page"] = len(page.captured_queries)
    for name in ("new", "change"):
        pupil, subject, version, nc_year = plan[name]
        # the bench's database holds one drop
        saved = Judgement.objects.filter(pupil_id=pupil, subject__code=subject)
        saved_code = saved.values_list("level__code", flat=True).first()
        # a level other than the one saved, so the change really writes
        value = f"Y{nc_year} WTS" if saved_code == f"Y{nc_year} GDS" else f"Y{nc_year} GDS"
        with CaptureQueriesContext(connection) as save:
            response = client.post(
                plan["save"], {"pupil": pupil, "subject": subject, "value": value, "version": version}
            )
        if response.status_code != 200 or response.json().get("status") != "saved":
            raise LoadError(f"the {name} save answered {response.status_code}: {response.content[:300]!r}")
        counts[name] = len(save.captured_queries)
    return counts


def main(argv: list[str]) -> int:
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
