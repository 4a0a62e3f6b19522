"""The assessment API's reads of subjects, frameworks, the common scale and crosswalks: scoping,
filters, pagination and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.pagination import PageNumberPagination

from strides.frameworks.models import ScalePoint
from strides.frameworks.services import create_framework, ensure_common_scale, publish_crosswalk
from strides.organisations import services as organisations

pytestmark = pytest.mark.django_db

API = "/api/v1"


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- subjects, frameworks, common scale, crosswalks -------------------------------------------


def test_subjects(cast, api):
    rows = results(api(cast.parent).get(f"{API}/subjects/"))
    assert [row["code"] for row in rows][:5] == ["reading", "writing", "maths", "science", "english-language"]


def test_frameworks_list_shipped_ones_with_their_levels(cast, api, drop):
    body = api(cast.teacher).get(f"{API}/frameworks/").json()
    codes = {row["code"] for row in body["results"]}
    assert {"nc-bands", "pre-key-stage", "engagement", "gcse"} <= codes
    bands = next(row for row in body["results"] if row["code"] == "nc-bands")
    assert bands["owner"] == "shipped" and bands["school"] is None
    assert bands["subjects"] == []  # any subject, a trust's own ones too
    pre = next(row for row in body["results"] if row["code"] == "pre-key-stage")
    assert set(pre["subjects"]) == {"reading", "writing", "maths"}
    y3 = next(lv for lv in bands["levels"] if lv["code"] == "Y3 EXS")
    assert y3["label"] and y3["order"] > 0 and isinstance(y3["aliases"], list)
    orders = [lv["order"] for lv in bands["levels"]]
    assert orders == sorted(orders)


def bespoke(cast, school=None, code="north-steps"):
    scale = ensure_common_scale(cast.trust)
    point = ScalePoint.objects.get(scale=scale, code="NS3")
    return create_framework(
        cast.analyst,
        cast.trust,
        code,
        "Steps",
        [("S1", "Step 1", "", point), ("S2", "Step 2", "", point)],
        school=school,
    )


def test_a_school_s_own_framework_is_seen_by_that_school_only(cast, api, drop):
    river_own = bespoke(cast, school=cast.river, code="river-steps")
    trust_wide = bespoke(cast, code="trust-steps")
    head = api(cast.head)
    codes = {row["code"] for row in results(head.get(f"{API}/frameworks/"))}
    assert "trust-steps" in codes and "river-steps" not in codes
    assert head.get(f"{API}/frameworks/{river_own.pk}/").status_code == 404
    assert head.get(f"{API}/frameworks/{trust_wide.pk}/").json()["owner"] == "trust"
    detail = api(cast.river_head).get(f"{API}/frameworks/{river_own.pk}/")
    assert detail.status_code == 200
    assert detail.json()["owner"] == "school" and detail.json()["school"]["urn"] == cast.river.urn
    assert [lv["code"] for lv in detail.json()["levels"]] == ["S1", "S2"]
    assert api(cast.admin).get(f"{API}/frameworks/{river_own.pk}/").status_code == 200
    # a school's own framework is for those who record or manage frameworks there
    for user in (cast.other_teacher, cast.analyst):
        assert api(user).get(f"{API}/frameworks/{river_own.pk}/").status_code == 200, user
    for user in (cast.governor, cast.director, cast.parent, cast.placing, cast.teacher):
        assert api(user).get(f"{API}/frameworks/{river_own.pk}/").status_code == 404, user
    assert head.get(f"{API}/frameworks/987654/").status_code == 404


def test_framework_filters_and_pagination(cast, api, drop, monkeypatch):
    bespoke(cast, school=cast.river, code="river-steps")
    client = api(cast.admin)
    total = client.get(f"{API}/frameworks/").json()["count"]
    monkeypatch.setattr(PageNumberPagination, "page_size", 3)
    first = client.get(f"{API}/frameworks/").json()
    assert first["count"] == total and len(first["results"]) == 3 and first["next"].endswith("?page=2")
    last_page = -(-total // 3)
    last = client.get(f"{API}/frameworks/?page={last_page}").json()
    assert last["next"] is None and len(last["results"]) == total - 3 * (last_page - 1)
    monkeypatch.undo()
    for_science = {row["code"] for row in results(client.get(f"{API}/frameworks/?subject=science"))}
    assert "nc-bands" in for_science
    assert all(
        not row["subjects"] or "science" in row["subjects"]
        for row in results(client.get(f"{API}/frameworks/?subject=science"))
    )
    at_north = {row["code"] for row in results(client.get(f"{API}/frameworks/?school={cast.north.urn}"))}
    at_river = {row["code"] for row in results(client.get(f"{API}/frameworks/?school={cast.river.urn}"))}
    assert "river-steps" in at_river and "river-steps" not in at_north
    assert results(client.get(f"{API}/frameworks/?school=999999")) == []


def test_framework_list_query_count_is_pinned(cast, api, drop, django_assert_max_num_queries):
    for n in range(3):
        bespoke(cast, code=f"steps-{n}")
    client = api(cast.head)
    client.get(f"{API}/subjects/")  # the token's first use records when it was used
    # token, scope (memberships, officers), count, page, subjects, levels
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/frameworks/").status_code == 200


def test_common_scale_with_points_and_expected_points(cast, api):
    body = api(cast.parent).get(f"{API}/common-scale/").json()
    assert body["name"] == "Next Steps" and body["trust"] == cast.trust.slug
    values = [p["value"] for p in body["points"]]
    assert values == sorted(values) and body["points"][0]["code"] == "NS1"
    y3_autumn = next(e for e in body["expected_points"] if e["nc_year"] == 3 and e["term"] == "autumn")
    assert y3_autumn["point"].startswith("NS") and y3_autumn["value"] > 0
    wrong = api(cast.head).get(f"{API}/common-scale/?trust=another-trust")
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == [
        {"field": "trust", "value": "another-trust", "message": "You belong to no trust 'another-trust'."}
    ]


def test_common_scale_query_count_is_pinned(cast, api, django_assert_max_num_queries):
    ensure_common_scale(cast.trust)
    client = api(cast.head)
    client.get(f"{API}/subjects/")
    # token, scope (memberships, officers), trusts, scale, points, expected points
    with django_assert_max_num_queries(7):
        assert client.get(f"{API}/common-scale/").status_code == 200


def test_crosswalk_versions_and_the_one_in_force(cast, api, drop, level):
    scale = ensure_common_scale(cast.trust)
    ns12 = ScalePoint.objects.get(scale=scale, code="NS12")
    v2_from = drop.assessed_on - dt.timedelta(days=1)
    v2 = publish_crosswalk(cast.analyst, scale, v2_from, {level("Y3 WTS"): ns12}, note="Y3 WTS up a point")
    client = api(cast.teacher)
    rows = results(client.get(f"{API}/crosswalks/"))
    assert [row["version"] for row in rows] == [2, 1]
    assert rows[0]["created_by"] == "Ana Lyst" and rows[0]["note"] == "Y3 WTS up a point"

    def point_of(row, code):
        return next((e["point"], e["value"]) for e in row["entries"] if e["level"] == code)

    assert point_of(rows[0], "Y3 WTS")[0] == "NS12" and point_of(rows[1], "Y3 WTS")[0] == "NS11"
    before = results(client.get(f"{API}/crosswalks/?as_at={(v2_from - dt.timedelta(days=1)).isoformat()}"))
    assert [row["version"] for row in before] == [1]
    on_the_day = results(client.get(f"{API}/crosswalks/?as_at={v2_from.isoformat()}"))
    assert [row["version"] for row in on_the_day] == [2]
    assert results(client.get(f"{API}/crosswalks/?as_at=1990-01-01")) == []
    bad = client.get(f"{API}/crosswalks/?as_at=yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "as_at"
    detail = client.get(f"{API}/crosswalks/{v2.pk}/").json()
    assert detail["version"] == 2 and point_of(detail, "Y3 WTS") == ("NS12", ns12.value)


def test_another_trust_s_crosswalk_is_not_found(cast, api, drop):
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    theirs = ensure_common_scale(other).crosswalks.get()
    client = api(cast.admin)
    assert client.get(f"{API}/crosswalks/{theirs.pk}/").status_code == 404
    assert theirs.pk not in {row["id"] for row in results(client.get(f"{API}/crosswalks/"))}


def test_crosswalk_entries_leave_out_other_schools_own_frameworks(cast, api, drop):
    bespoke(cast, school=cast.river, code="river-steps")
    crosswalk = ensure_common_scale(cast.trust).crosswalks.get()
    head_sees = {
        e["framework"] for e in api(cast.head).get(f"{API}/crosswalks/{crosswalk.pk}/").json()["entries"]
    }
    river_sees = {
        e["framework"]
        for e in api(cast.river_head).get(f"{API}/crosswalks/{crosswalk.pk}/").json()["entries"]
    }
    assert "river-steps" in river_sees and "river-steps" not in head_sees and "nc-bands" in head_sees


def test_crosswalk_list_query_count_is_pinned(cast, api, drop, level, django_assert_max_num_queries):
    scale = ensure_common_scale(cast.trust)
    for n, code in enumerate(["NS12", "NS13", "NS14"], start=1):
        point = ScalePoint.objects.get(scale=scale, code=code)
        publish_crosswalk(
            cast.analyst, scale, drop.assessed_on + dt.timedelta(days=n), {level("Y3 WTS"): point}
        )
    client = api(cast.teacher)
    client.get(f"{API}/subjects/")
    # token, scope (memberships, officers), count, page, entries
    with django_assert_max_num_queries(7):
        assert len(results(client.get(f"{API}/crosswalks/"))) == 4
