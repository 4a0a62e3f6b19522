"""The analytics API on the history fixture: scoping per role, suppression, parameters, pages and
query counts."""

from __future__ import annotations

import pytest

from strides.dashboards.frames import forget_observations

pytestmark = pytest.mark.django_db

ENDPOINTS = ("attainment", "progress", "similar-learners", "gaps", "transitions", "attention")
AGGREGATE_ENDPOINTS = ("attainment", "similar-learners", "gaps", "transitions")
PUPIL_ENDPOINTS = ("progress", "attention")


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def get(client, endpoint: str, **params):
    return client.get(f"/api/v1/analytics/{endpoint}/", params)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def rows_outside_north(h, client, endpoint: str) -> list[dict]:
    """What a user of another school gets: North asked for by name is a 404, and the rows."""
    assert get(client, endpoint, school=h.north.urn).status_code == 404
    return results(get(client, endpoint))


def by(rows: list[dict], **match) -> list[dict]:
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_signed_out_callers_are_refused(history, client, endpoint):
    assert get(client, endpoint).status_code in (401, 403)


def test_the_head_sees_north_and_only_north(history, client_for):
    h = history
    client = client_for(h.head)
    rows = results(get(client, "attainment"))
    assert {r["school"] for r in rows} == {h.north.urn}
    maths = by(rows, subject="maths")[0]
    assert maths["n"] == 14 and maths["suppressed"] is False
    assert maths["mean_points"] == pytest.approx((11 * 6 + 12 * 3 + 10 + 9 + 8 + 11 + 10) / 14)
    body = get(client, "attainment", subject="maths").json()
    assert (body["drop"], body["subject"], body["small_group_threshold"]) == (
        h.current_drop.slug,
        "maths",
        None,
    )
    for endpoint in ENDPOINTS:
        assert get(client, endpoint, school=h.river.urn).status_code == 404, endpoint
        assert get(client, endpoint, school="999999").status_code == 404, endpoint


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_schools_head_gets_404_for_north_and_none_of_its_rows(history, client_for, endpoint):
    h = history
    rows = rows_outside_north(h, client_for(h.river_head), endpoint)
    assert {r["school"] for r in rows} == (
        {h.river.urn} if endpoint != "attention" else set()
    )  # none flagged


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_schools_teacher_sees_only_their_class(history, client_for, endpoint):
    h = history
    rows = rows_outside_north(h, client_for(h.other_teacher), endpoint)
    assert {r["school"] for r in rows} <= {h.river.urn}
    if endpoint in PUPIL_ENDPOINTS:
        assert {r["pupil"] for r in rows} <= {h.cara.pk, h.tia.pk, h.uma.pk, h.vic.pk}


def test_pupils_needing_attention_at_north(history, client_for):
    h = history
    rows = results(get(client_for(h.head), "attention", subject="maths"))
    assert {r["pupil"]: r["reasons"] for r in rows} == {
        h.max.pk: ["not_making_expected_progress"],
        h.ola.pk: ["not_making_expected_progress", "fallen_back"],
        h.pip.pk: ["not_making_expected_progress", "bottom_decile"],
    }
    assert {r["school"] for r in rows} == {h.north.urn} and all(r["n"] == 1 for r in rows)
    assert results(get(client_for(h.head), "attention", subject="reading")) == []
    # the teacher of 3T sees none of them: max, ola and pip are in 3B
    assert results(get(client_for(h.teacher), "attention")) == []
    # and the teacher's figures for north are their class's: ava and six of last year's pupils
    rows = results(get(client_for(h.teacher), "attainment", school=h.north.urn, subject="maths"))
    assert [(r["school"], r["n"], r["suppressed"]) for r in rows] == [(h.north.urn, 7, False)]


def test_progress_rows_with_percentiles_and_what_they_compare_with(history, client_for):
    h = history
    body = get(client_for(h.head), "progress", subject="maths").json()
    assert "Pupils of the trust" in body["benchmark"] and body["count"] == 12
    pip = by(body["results"], pupil=h.pip.pk)[0]
    assert pip["start_drop"] == h.drops["last_autumn"].slug and pip["end_drop"] == h.current_drop.slug
    assert (pip["start_point"], pip["end_point"], pip["gained"], pip["expected_rise"]) == (8, 8, 0, 3)
    assert pip["percentile"] == pytest.approx(100 * 0.5 / 12) and pip["compared_with"] == 12
    assert pip["matched_on"] == "start point and phase" and pip["phase"] == "primary"
    baseline = results(get(client_for(h.head), "progress", subject="maths", since="baseline"))
    assert {r["percentile"] for r in baseline} == {None} and len(baseline) == 12
    # value added of the school: the mean percentile against 50, but north is its whole pool (the
    # only primary school with progress): no figure, and why (strides.dashboards.own_pool)
    added = by(results(get(client_for(h.head), "similar-learners", subject="maths")), school=h.north.urn)[0]
    assert added["n"] == 12 and added["value_added"] is None and added["mean_percentile"] is None
    assert added["own_share"] == 100.0 and added["withheld"].startswith("100% of its own comparison pool")


@pytest.mark.parametrize("who", ["governor", "director"])
def test_governors_and_directors_get_suppressed_rows_and_never_a_pupil(history, client_for, who):
    h = history
    client = client_for(getattr(h, who))
    for endpoint in PUPIL_ENDPOINTS:
        assert results(get(client, endpoint)) == []
        assert results(get(client, endpoint, subject="maths", school=h.north.urn)) == []
    every = []
    for endpoint in AGGREGATE_ENDPOINTS:
        for dimension in ("", "sen", "eal", "ethnic_group", "disadvantaged", "nc_year"):
            params = {"group": dimension} if dimension and endpoint != "transitions" else {}
            response = get(client, endpoint, **params)
            assert response.status_code == 200
            every.append(response.content.decode())
            body = response.json()
            assert body["small_group_threshold"] == 6
            for row in body["results"]:
                assert "pupil" not in row and "pupil_id" not in row
                assert row["suppressed"] or row["n"] >= 6
                if row["suppressed"]:
                    assert row["n"] is None
    assert '"pupil' not in "".join(every)
    rows = results(get(client, "attainment", group="sen", subject="maths", school=h.north.urn))
    sen = {r["group"]: r for r in rows}
    assert sen["K"]["suppressed"] and sen["K"]["n"] is None and sen["K"]["pct_at_expected"] is None
    assert sen["N"]["suppressed"]  # 12, but K would be the school's total less it
    sexes = results(get(client, "attainment", group="sex", subject="maths", school=h.north.urn))
    assert [(r["group"], r["n"], r["suppressed"]) for r in sexes] == [("F", 7, False), ("M", 7, False)]
    gaps = results(get(client, "gaps", subject="maths", school=h.north.urn))
    assert {(r["group"], r["n"], r["n_other"]) for r in gaps} == {("true", 6, 8), ("false", 8, 6)}
    eal = results(get(client, "gaps", subject="maths", school=h.north.urn, group="eal"))
    assert all(r["suppressed"] and r["gap"] is None for r in eal)


def test_governors_see_only_their_school(history, client_for):
    h = history
    client = client_for(h.governor)
    assert {r["school"] for r in results(get(client, "attainment"))} == {h.north.urn}
    assert get(client, "attainment", school=h.river.urn).status_code == 404


def test_the_same_rows_are_not_suppressed_for_the_head(history, client_for):
    h = history
    rows = results(get(client_for(h.head), "attainment", group="sen", subject="maths"))
    assert {r["group"]: r["n"] for r in rows} == {"K": 2, "N": 12}
    assert not any(r["suppressed"] for r in rows)


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_parents_and_placing_schools_get_their_own_pupils_and_no_aggregates(history, client_for, who):
    h = history
    client = client_for(getattr(h, who))
    for endpoint in AGGREGATE_ENDPOINTS:  # not there for them, as on the pages (ADR 2, amendment)
        assert get(client, endpoint).status_code == 404
    own = h.ava if who == "parent" else h.dev
    for endpoint in PUPIL_ENDPOINTS:
        for since in ("year", "baseline"):
            params = {"since": since} if endpoint == "progress" else {}
            assert {r["pupil"] for r in results(get(client, endpoint, **params))} <= {own.pk}


def test_teaching_assistants_see_their_class_by_name_and_no_aggregates(history, client_for):
    h = history
    client = client_for(h.ta)
    assert get(client, "attainment").status_code == 404
    rows = results(get(client, "progress"))
    assert {r["pupil"] for r in rows} == {p.pk for p in (h.gus, h.hal, h.ida, h.jon, h.kai, h.lea)}


def test_a_named_drop_and_the_transition_matrix(history, client_for):
    h = history
    client = client_for(h.head)
    summer = h.drops["last_summer"].slug
    body = get(client, "attainment", drop=summer, subject="maths").json()
    assert body["drop"] == summer and body["results"][0]["n"] == 12
    matrix = results(get(client, "transitions", subject="maths"))
    assert {(r["start_point"], r["end_point"]): r["n"] for r in matrix} == {
        (8, 8): 1, (8, 9): 1, (8, 10): 1, (8, 11): 6, (8, 12): 3,
    }  # fmt: skip
    governor = results(get(client_for(h.governor), "transitions", subject="maths"))
    assert {(r["start_point"], r["end_point"]): r["n"] for r in governor} == {
        (8, 8): None, (8, 9): None, (8, 10): None, (8, 11): 6, (8, 12): None,
    }  # fmt: skip


def test_the_group_is_asked_for_as_on_the_pages_and_other_names_are_refused(history, client_for):
    """Issue 8: ``?group=looked_after`` gave disadvantaged figures (the API read ``dimension``)."""
    client = client_for(history.head)
    rows = results(get(client, "gaps", group="looked_after", subject="maths"))
    assert rows and {r["dimension"] for r in rows} == {"looked_after"}
    split = results(get(client, "attainment", group="looked_after", subject="maths"))
    assert {r["dimension"] for r in split} == {"looked_after"}
    response = get(client, "gaps", dimension="looked_after")
    assert response.status_code == 400
    body = response.json()
    assert [(e["field"], e["value"]) for e in body["errors"]] == [("dimension", "looked_after")]
    assert "group" in body["accepted"] and "dimension" not in body["accepted"]


def test_bad_parameters_name_the_field_and_value(history, client_for):
    client = client_for(history.head)
    response = get(client, "attainment", subject="latin")
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["field"] == "subject"
        and "latin" in response.json()["errors"][0]["message"]
    )
    response = get(client, "gaps", group="shoe_size")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "group"
    assert get(client, "gaps", measure="vibes").status_code == 400
    assert get(client, "progress", since="forever").status_code == 400
    assert get(client, "progress", page_size="0").status_code == 400
    assert get(client, "attainment", drop="no-such-drop").status_code == 404
    assert get(client, "attainment", page="9").status_code == 404


@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize("value", ["²", "٣", "1.5", "-1"])
def test_a_page_number_that_is_not_plain_digits_is_a_400_naming_it(history, client_for, name, value):
    response = get(client_for(history.head), "progress", **{name: value})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == name and repr(value) in error["message"]


def test_pages(history, client_for):
    client = client_for(history.head)
    first = get(client, "progress", page_size="10").json()
    assert (
        first["count"] == 35 and len(first["results"]) == 10
    )  # 12 + 12 + 11: rex's writing is missing and first["previous"] is None
    assert "page=2" in first["next"]
    last = client.get(first["next"].replace("http://testserver", "").replace("page=2", "page=4")).json()
    assert len(last["results"]) == 5 and last["next"] is None and "page=3" in last["previous"]


def test_with_no_drops_the_answer_is_empty_not_an_error(cast, client_for):
    for endpoint in ENDPOINTS:
        body = get(client_for(cast.analyst), endpoint).json()
        assert (body["count"], body["results"], body["drop"]) == (0, [], None)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_query_counts_are_pinned(history, client_for, django_assert_max_num_queries, endpoint):
    client = client_for(history.head)
    get(client, endpoint)  # fills the trust's cache
    with django_assert_max_num_queries(14):
        results(get(client, endpoint, subject="maths", school=history.north.urn))
    client = client_for(history.director)
    get(client, "attainment")
    if endpoint in AGGREGATE_ENDPOINTS:
        with django_assert_max_num_queries(14):
            results(
                get(client, endpoint, group="sen") if endpoint != "transitions" else get(client, endpoint)
            )


# --- the benchmark -----------------------------------------------------------------------------

CSV = (
    b"subject,phase,start_point,primary_need,gained,pupils\n"
    + b"maths,primary,8,*,3,400\nmaths,primary,8,*,5,600\n"
)


def upload(client, data: bytes, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/analytics/benchmark/", {"file": SimpleUploadedFile("national.csv", data), **fields}
    )


def test_analysts_upload_a_benchmark_and_percentiles_follow_it(history, client_for):
    h = history
    client = client_for(h.analyst)
    assert get(client, "benchmark").json()["external"] is False
    response = upload(client, CSV, name="National 2022-2025", source="DfE")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["external"], body["name"], body["cells"], body["pupils"]) == (
        True,
        "National 2022-2025",
        2,
        1000,
    )
    assert body["uploaded_by"] and body["filename"] == "national.csv"
    pip = by(results(get(client, "progress", subject="maths")), pupil=h.pip.pk)[0]
    # gained 0 against 1,000 pupils who gained 3 or 5: nobody below, nobody equal
    assert (pip["percentile"], pip["compared_with"]) == (0.0, 1000)
    assert "National 2022-2025 (DfE)" in get(client, "progress").json()["benchmark"]
    assert client.delete("/api/v1/analytics/benchmark/").json()["external"] is False
    assert by(results(get(client, "progress", subject="maths")), pupil=h.pip.pk)[0]["compared_with"] == 12


def test_a_bad_benchmark_file_is_refused_naming_row_field_and_value(history, client_for):
    client = client_for(history.analyst)
    bad = CSV + b"maths,primary,eight,*,2,3\n"
    response = upload(client, bad, name="Bad")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "file" and "row 4" in error["message"] and "'eight'" in error["message"]
    assert upload(client, CSV).status_code == 400  # no name
    assert get(client, "benchmark").json()["external"] is False


@pytest.mark.parametrize("who", ["head", "river_head", "governor", "director", "teacher", "eap", "parent"])
def test_only_trust_admins_and_analysts_reach_the_benchmark(history, client_for, who):
    client = client_for(getattr(history, who))
    assert get(client, "benchmark").status_code == 403
    assert upload(client, CSV, name="Mine").status_code == 403
    assert client.delete("/api/v1/analytics/benchmark/").status_code == 403
    from strides.dashboards.models import ExternalBenchmark

    assert not ExternalBenchmark.objects.exists()


@pytest.mark.parametrize("endpoint", ["similar-learners", "progress", "attention"])
def test_percentiles_compare_with_the_pool_ending_in_the_drops_year(
    history, client_for, monkeypatch, endpoint
):
    from strides.dashboards import frames

    asked: list[int | None] = []
    real = frames.similar_pool

    def similar_pool(trust_id, *, end_year=None):
        asked.append(end_year)
        return real(trust_id, end_year=end_year)

    monkeypatch.setattr(frames, "similar_pool", similar_pool)
    h = history
    client = client_for(h.head)
    # this year's autumn drop: the pool ends with this academic year
    results(get(client, endpoint, drop=h.current_drop.slug))
    # last summer's drop (a year's progress to it needs the summer before: none, but any
    # percentile would compare with the pool ending last year, not with this year's pupils)
    results(get(client, endpoint, drop=h.drops["last_summer"].slug))
    assert asked == [h.year.start_year, h.last_year.start_year]


def test_a_subject_code_of_another_trust_is_not_one_of_ours(history, client_for):
    # Subject codes are unique within a trust only: another trust's "latin" is no subject here.
    from strides.frameworks.services import add_subject
    from strides.organisations import services as organisations

    elsewhere = organisations.create_trust(None, "Other Trust", "other-trust")
    add_subject(None, elsewhere, "latin", "Latin")
    response = get(client_for(history.analyst), "attainment", subject="latin")
    assert response.status_code == 400
    assert "latin" in str(response.json())
    add_subject(None, history.trust, "latin", "Latin")  # the same code, the trust's own now
    assert get(client_for(history.analyst), "attainment", subject="latin").status_code == 200
