"""The assessment API in the role matrix (strides/access/tests/test_matrix.py).

The matrix fills ``judgement_id`` with :func:`ava_reading`, and says who may see it with its
``_sees_ava``; the tests here hold that promise: the API's scope for that judgement is exactly
"sees Ava". They also check that every assessment API route declares its rule and takes only
keywords the matrix can fill.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from strides.access.gate import visible_pupils
from strides.access.judgements import visible_judgements
from strides.access.rules import AccessRule, rule_of
from strides.assessment.models import DropSchool, DropStatus, Judgement
from strides.assessment.services import create_drop, record_judgement, transition
from strides.frameworks.models import Level, Subject
from strides.testing.api import api_client

pytestmark = pytest.mark.django_db

RELEASED_DROP = "matrix-released-summer"


def ava_reading(world: Any) -> Judgement:
    """Ava's reading, recorded by her teacher in a summer drop of north the trust has locked: a
    released judgement, so everyone who sees Ava reads it (her parent reads another school's,
    or an open drop's, only once released: ADR 11). Made once; later calls return the same
    judgement. The matrix's own autumn drop (``world.autumn_drop``) stays open."""
    cast = world.cast
    existing = Judgement.objects.filter(
        drop__slug=RELEASED_DROP, pupil=cast.ava, subject__code="reading"
    ).first()
    if existing is not None:
        return existing
    year = cast.year
    drop = create_drop(
        cast.analyst, cast.trust, year, name="Summer", term="summer", slug=RELEASED_DROP,
        opens_on=year.starts_on + dt.timedelta(days=200), deadline=year.starts_on + dt.timedelta(days=250),
        schools=[cast.north],
    )  # fmt: skip
    level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 WTS")
    reading = Subject.objects.get(code="reading")
    judgement = record_judgement(cast.teacher, cast.ava, reading, drop, cast.north, level, expected_version=0)
    transition(cast.analyst, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.LOCKED)
    return judgement


def assessment_api_routes() -> list[tuple[str, Any, tuple[str, ...]]]:
    """(name, callback, URL keywords) of every route of the ``assessment_api`` namespace."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "assessment_api":
                found.append((pattern.name, pattern.callback, tuple(pattern.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, None)
    return found


def test_every_assessment_api_route_declares_a_rule_and_takes_known_keywords():
    routes = assessment_api_routes()
    assert len(routes) >= 14
    for name, callback, keywords in routes:
        assert isinstance(rule_of(callback), AccessRule), name
        assert set(keywords) <= {"pk", "drop_slug", "urn"}, name
        if "pk" in keywords:
            assert name.split("-")[0] in {"framework", "crosswalk", "judgement"}, name


def test_the_matrix_judgement_is_seen_by_exactly_those_who_see_ava(cast, drop):
    world = SimpleNamespace(cast=cast, autumn_drop=drop)
    judgement = ava_reading(world)
    assert ava_reading(world).pk == judgement.pk  # made once
    for username, user in cast.users.items():
        sees_ava = visible_pupils(user).filter(pk=cast.ava.pk).exists()
        sees_judgement = visible_judgements(user).filter(pk=judgement.pk).exists()
        assert sees_judgement == sees_ava, username
        status = api_client(user, "matrix").get(f"/api/v1/judgements/{judgement.pk}/").status_code
        assert status == (200 if sees_ava else 404), username


def test_the_assessment_api_is_in_the_openapi_schema(tmp_path):
    import io

    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO())
    text = out.read_text()
    for path in (
        "/api/v1/subjects/",
        "/api/v1/frameworks/{id}/",
        "/api/v1/common-scale/",
        "/api/v1/crosswalks/",
        "/api/v1/drops/{drop_slug}/completeness/",
        "/api/v1/drops/{drop_slug}/schools/{urn}/reopen/",
        "/api/v1/judgements/{id}/",
    ):
        assert f"  {path}:" in text, path
    assert "JudgementConflictOrDropClosed" in text and "'409':" in text
