"""Review of small-number suppression across every page and endpoint a governor or director can
open: no figure about fewer than the threshold's pupils may be worked out by combining what the
trust page, the school page and the analytics API show.

The observations are hand-made (``frames.observations`` is replaced) so each test sets up exactly
the groups it is about, at north in the ``history`` fixture's current drop. Every figure a page
shows is a linear fact over the cells (year group x group value) of one subject; a cell, or a set
of cells, can be worked out when its indicator vector lies in the row space of the facts shown.
The audit checks every set of cells whose pupils number 1 to threshold - 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from fractions import Fraction

import polars as pl
import pytest

from strides.analytics import OBSERVATION_SCHEMA, empty_observations
from strides.analytics.similar import empty_benchmark
from strides.dashboards import frames

pytestmark = pytest.mark.django_db

THRESHOLD = 6
TRUST = "/dashboards/trust/"


def school_url(h, query: str) -> str:
    return f"/dashboards/schools/{h.north.urn}/?{query}"


# --- hand-made observations ------------------------------------------------------------------------


def make_obs(
    h, cells: dict[tuple[int, str], int], dimension: str, *, expected_years: Iterable[int] | None = None
):
    """One maths judgement per pupil at north in the current drop: ``cells`` maps (nc_year, value
    of ``dimension``) to a number of pupils. Points alternate so groups differ; every pupil has an
    expected point unless ``expected_years`` leaves their year out."""
    drop = h.current_drop
    rows = []
    pupil_id = 900_000
    for (nc_year, value), count in sorted(cells.items()):
        for i in range(count):
            pupil_id += 1
            row = {
                "pupil_id": pupil_id,
                "subject": "maths",
                "drop_id": drop.pk,
                "drop_date": drop.assessed_on,
                "academic_year": drop.academic_year.start_year,
                "term": drop.term,
                "school_id": h.north.pk,
                "nc_year": nc_year,
                "point": 10 + (i % 3) + nc_year,
                "expected": None
                if expected_years is not None and nc_year not in expected_years
                else 11 + nc_year,
                "level": "Y3 EXS",
                "framework": "nc-bands",
                "sex": "F",
                "disadvantaged": False,
                "sen": "N",
                "primary_need": "",
                "eal": False,
                "looked_after": False,
                "ethnic_group": "White",
            }
            row[dimension] = {"true": True, "false": False}.get(value, value)
            rows.append(row)
    return pl.DataFrame(rows, schema=OBSERVATION_SCHEMA)


@pytest.fixture
def use_obs(monkeypatch):
    """Serve a hand-made frame instead of the trust's judgements."""

    def install(frame: pl.DataFrame) -> None:
        def observations(trust_id, *, school_ids=None, pupil_ids=None, version=None):
            out = frame
            if school_ids is not None:
                out = out.filter(pl.col("school_id").is_in(list(school_ids)))
            if pupil_ids is not None:
                out = out.filter(pl.col("pupil_id").is_in(list(pupil_ids)))
            return out if out.height else empty_observations()

        monkeypatch.setattr(frames, "observations", observations)
        monkeypatch.setattr(frames, "similar_pool", lambda trust_id, *, end_year=None: empty_benchmark())

    return install


# --- collecting what is shown ----------------------------------------------------------------------


def matrix_rank(rows: list[list[int]]) -> int:
    """Exact rank by Gaussian elimination over fractions."""
    matrix = [[Fraction(x) for x in row] for row in rows]
    rank = 0
    for column in range(len(matrix[0]) if matrix else 0):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


class Facts:
    """Linear facts over the cells (nc_year, value) of one subject and dimension at one school."""

    def __init__(self, cells: dict[tuple[int, str], int]) -> None:
        self.cells = cells
        self.index = {cell: i for i, cell in enumerate(sorted(cells))}
        self.equations: list[list[int]] = []
        self.sources: list[str] = []

    def add(
        self, where: str, *, years: Iterable[int] | None = None, values: Iterable[str] | None = None
    ) -> None:
        years = None if years is None else set(years)
        values = None if values is None else {str(v) for v in values}
        vector = [0] * len(self.index)
        for (year, value), i in self.index.items():
            if (years is None or year in years) and (values is None or value in values):
                vector[i] = 1
        if any(vector):
            self.equations.append(vector)
            self.sources.append(where)

    def leaks(self) -> list[tuple[tuple[tuple[int, str], ...], int]]:
        """Sets of cells with 1 to THRESHOLD - 1 pupils whose figures follow from the facts."""
        if not self.equations:
            return []
        rank = matrix_rank(self.equations)
        cells = sorted(self.index)
        found = []
        for size in range(1, len(cells) + 1):
            for subset in itertools.combinations(cells, size):
                pupils = sum(self.cells[c] for c in subset)
                if not 0 < pupils < THRESHOLD:
                    continue
                vector = [1 if c in subset else 0 for c in cells]
                if matrix_rank([*self.equations, vector]) == rank:
                    found.append((subset, pupils))
        return found


def shown(row: dict) -> bool:
    return not row.get("suppressed") and row.get("n") is not None


def collect_pages(client, h, facts: Facts, dimension: str, values: list[str]) -> None:
    query = f"subject=maths&group={dimension}"
    trust = client.get(f"{TRUST}?{query}")
    assert trust.status_code == 200
    school = client.get(school_url(h, query))
    assert school.status_code == 200
    tables = trust.context["tables"]
    for row in tables["attainment"].rows:
        if row["subject_code"] == "maths" and row["school_id"] == h.north.pk and shown(row):
            facts.add("trust attainment")
    for name in ("groups", "heat-map"):
        for row in tables[name].rows:
            if row.get("dimension") == dimension and row["school_id"] == h.north.pk and shown(row):
                facts.add(f"trust {name} {row['value']}", values=[row["value"]])
    for row in tables["gaps"].rows:
        if row["school_id"] == h.north.pk and shown(row):
            value = gap_value(row, dimension, values)
            facts.add(f"trust gap {value}", values=[value])
            facts.add(f"trust gap other than {value}", values=[v for v in values if v != value])
    tables = school.context["tables"]
    for row in tables["attainment"].rows:
        if row["subject_code"] == "maths" and shown(row):
            facts.add(f"school attainment Y{row['nc_year']}", years=[row["nc_year"]])
    for row in tables["groups"].rows:
        if shown(row):
            facts.add(
                f"school groups Y{row['nc_year']} {row['value']}",
                years=[row["nc_year"]],
                values=[row["value"]],
            )
    for row in tables["gaps"].rows:
        if shown(row):
            value = gap_value(row, dimension, values)
            facts.add(f"school gap Y{row['nc_year']} {value}", years=[row["nc_year"]], values=[value])
            others = [v for v in values if v != value]
            facts.add(
                f"school gap Y{row['nc_year']} other than {value}", years=[row["nc_year"]], values=others
            )


def gap_value(row: dict, dimension: str, values: list[str]) -> str:
    """The dimension value of a gap row (pages show it as a label)."""
    from strides.dashboards.labels import group_label

    for value in values:
        if group_label(dimension, value) == row["group"]:
            return value
    raise AssertionError(f"no value for {row['group']!r}")


def collect_api(client, h, facts: Facts, dimension: str, values: list[str]) -> None:
    def results(**params):
        response = client.get(
            "/api/v1/analytics/attainment/" if "measure" not in params else "/api/v1/analytics/gaps/",
            {"subject": "maths", **params},
        )
        assert response.status_code == 200, response.content
        return [r for r in response.json()["results"] if r["school"] == h.north.urn]

    for row in results():
        if shown(row):
            facts.add("api attainment")
    for row in results(group=dimension):
        if shown(row):
            facts.add(f"api attainment {row['group']}", values=[row["group"]])
    for row in results(group="nc_year"):
        if shown(row):
            facts.add(f"api attainment Y{row['group']}", years=[int(row["group"])])
    for row in results(group=dimension, measure="pct_at_expected"):
        if shown(row):
            facts.add(f"api gap {row['group']}", values=[row["group"]])
            facts.add(f"api gap other than {row['group']}", values=[v for v in values if v != row["group"]])


def assert_no_leak(facts: Facts) -> None:
    leaks = facts.leaks()
    assert not leaks, f"small groups can be worked out: {leaks} from {facts.sources}"


# --- the holes -------------------------------------------------------------------------------------

# Year 3 has 3 disadvantaged pupils, Year 4 has 10. The school page hides Year 3's (and its
# complement), but the trust page shows the school's 13 disadvantaged pupils: 13 - 10 = 3.
ACROSS_YEARS = ({(3, "true"): 3, (3, "false"): 17, (4, "true"): 10, (4, "false"): 10}, "disadvantaged")
# Year 3: no SEN 30, SEN support 2, EHC plan 3: both small groups are hidden, but together they are
# the year's 35 - 30 = 5 pupils with SEN, whose figures follow by subtraction.
TWO_SMALL = ({(3, "N"): 30, (3, "K"): 2, (3, "E"): 3}, "sen")
# One year only: the simple cases the pages already handle (a control for the audit itself).
ONE_SMALL = ({(3, "N"): 20, (3, "K"): 3, (3, "E"): 8}, "sen")
# Year 3 is 4 pupils (hidden), Year 4 hidden with it; Year 4's girls and boys must not add up to it.
SMALL_YEAR = ({(3, "F"): 2, (3, "M"): 2, (4, "F"): 15, (4, "M"): 15, (5, "F"): 12, (5, "M"): 19}, "sex")
SCENARIOS = [ONE_SMALL, ACROSS_YEARS, TWO_SMALL, SMALL_YEAR]
IDS = ["one-small", "across-years", "two-small", "small-year"]


@pytest.mark.parametrize("who", ["governor", "director"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_no_small_group_can_be_worked_out_from_the_pages(history, client_for, use_obs, who, scenario):
    cells, dimension = scenario
    use_obs(make_obs(history, cells, dimension))
    values = sorted({v for _, v in cells})
    facts = Facts(cells)
    collect_pages(client_for(getattr(history, who)), history, facts, dimension, values)
    assert_no_leak(facts)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_no_small_group_can_be_worked_out_from_the_pages_and_the_api(history, client_for, use_obs, scenario):
    cells, dimension = scenario
    use_obs(make_obs(history, cells, dimension))
    values = sorted({v for _, v in cells})
    facts = Facts(cells)
    client = client_for(history.governor)
    collect_pages(client, history, facts, dimension, values)
    collect_api(client, history, facts, dimension, values)
    assert_no_leak(facts)


def test_no_percentage_rests_on_fewer_than_the_threshold_pupils_with_an_expected_point(
    history, client_for, use_obs
):
    # Reception has no expected point: the school's 9 disadvantaged pupils include 4 in Reception,
    # so their % at expected is about the 5 in Year 1.
    cells = {(0, "true"): 4, (0, "false"): 10, (1, "true"): 5, (1, "false"): 15}
    use_obs(make_obs(history, cells, "disadvantaged", expected_years=[1]))
    client = client_for(history.governor)
    for url in (
        f"{TRUST}?subject=maths&group=disadvantaged",
        school_url(history, "subject=maths&group=disadvantaged"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        for name, table in response.context["tables"].items():
            for row in table.rows:
                if row.get("pct_at_expected") is not None and not row.get("suppressed"):
                    assert row["n_with_expected"] >= THRESHOLD, (url, name, row)


@pytest.mark.parametrize("who", ["governor", "head"])
def test_pupils_with_no_recorded_year_group_do_not_break_the_school_page(history, client_for, use_obs, who):
    # a pupil with no characteristics period has no NC year (frames keeps their judgements)
    cells = {(3, "true"): 8, (3, "false"): 12, (4, "true"): 9, (4, "false"): 11}
    frame = make_obs(history, cells, "disadvantaged")
    frame = frame.with_columns(
        pl.when(pl.col("pupil_id") % 5 == 0).then(None).otherwise(pl.col("nc_year")).alias("nc_year")
    )
    use_obs(frame)
    response = client_for(getattr(history, who)).get(school_url(history, "subject=maths&group=disadvantaged"))
    assert response.status_code == 200
    years = [row["nc_year"] for row in response.context["tables"]["attainment"].rows]
    assert None in years and 3 in years and 4 in years


# --- similar learners in a tiny cell ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["river_head", "other_teacher"])
def test_a_percentile_among_fewer_than_the_threshold_similar_learners_is_not_shown(history, client_for, who):
    """Tia, Uma and Vic are the trust's only pupils who started at point 23 in secondary: Uma's
    percentile among 3 would tell whoever reads it how the other two progressed (pupils who may be
    at another school). The page says there are too few to compare with, without the number."""
    from strides.dashboards.frames import forget_observations

    forget_observations()
    h = history
    response = client_for(getattr(h, who)).get(f"/dashboards/pupils/{h.uma.pk}/")
    assert response.status_code == 200
    for summary in response.context["summaries"]:
        comparison = summary.comparison
        assert comparison is not None
        assert comparison.percentile is None and comparison.compared_with is None
        assert "Of the 3 pupils" not in comparison.sentence and "gained fewer" not in comparison.sentence
        assert f"fewer than {THRESHOLD} pupils" in comparison.sentence
    progress = response.context["tables"]["progress"].rows
    assert all(row["percentile"] is None and row["compared_with"] is None for row in progress)
    forget_observations()


# --- the analytics API (strides/dashboards/api.py: for the data helper) ---------------------------


def test_the_api_gaps_and_attainment_by_group_give_no_small_group_away(history, client_for, use_obs):
    # Reception (no expected point) pupils make n and n_with_expected differ: with an expected
    # point Asian 4, Black 9, Mixed 6, White 40. attainment?group= hides Asian (4 with an
    # expected point) and Black (next smallest n, 9); /gaps/ hides Asian and Mixed (next smallest
    # there, 6), so Black, Mixed and White are all shown somewhere: Asian = 59 - 9 - 6 - 40.
    cells = {
        (1, "Asian"): 4,
        (0, "Asian"): 3,
        (1, "Black"): 9,
        (1, "Mixed"): 6,
        (0, "Mixed"): 4,
        (1, "White"): 40,
    }
    use_obs(make_obs(history, cells, "ethnic_group", expected_years=[1]))
    with_expected = {(0, v): n for (y, v), n in cells.items() if y == 1}
    values = sorted(v for _, v in with_expected)
    facts = Facts(with_expected)
    client = client_for(history.governor)

    def results(endpoint: str, **params) -> list[dict]:
        response = client.get(f"/api/v1/analytics/{endpoint}/", {"subject": "maths", **params})
        assert response.status_code == 200, response.content
        return [r for r in response.json()["results"] if r["school"] == history.north.urn]

    for row in results("attainment"):
        if shown(row):
            facts.add("attainment")
    for row in results("attainment", group="ethnic_group"):
        if shown(row):
            facts.add(f"attainment {row['group']}", values=[row["group"]])
    for row in results("gaps", group="ethnic_group"):
        if shown(row):
            facts.add(f"gap {row['group']}", values=[row["group"]])
            facts.add(f"gap other than {row['group']}", values=[v for v in values if v != row["group"]])
    assert_no_leak(facts)


def test_the_api_gives_no_percentile_among_fewer_than_the_threshold_similar_learners(history, client_for):
    from strides.dashboards.frames import forget_observations

    forget_observations()
    h = history
    response = client_for(h.river_head).get("/api/v1/analytics/progress/", {"school": h.river.urn})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows
    for row in rows:
        assert row["compared_with"] is None or row["compared_with"] >= THRESHOLD, row
    forget_observations()


def test_the_api_and_the_school_page_break_ties_alike(history, client_for, use_obs):
    # Years 7 and 10 have 20 pupils each, Year 9 has 4: one of 7 and 10 must be hidden with it, the
    # same one everywhere, or the school's total minus both gives Year 9 away.
    cells = {(7, "F"): 20, (9, "F"): 4, (10, "F"): 20}
    use_obs(make_obs(history, cells, "sex"))
    facts = Facts(cells)
    client = client_for(history.governor)
    collect_pages(client, history, facts, "sex", ["F"])
    collect_api(client, history, facts, "sex", ["F"])
    assert_no_leak(facts)


# --- no input gives a 500 ----------------------------------------------------------------------------

ODD_VALUES = ["%00", "x" * 300, "%E2%80%AE", "1e9", "-1", "99999999999999999999999", "%27%22%3C"]


@pytest.mark.parametrize("who", ["head", "governor"])
def test_odd_filter_values_never_give_a_500(history, client_for, who):
    from strides.dashboards.frames import forget_observations

    forget_observations()
    h = history
    client = client_for(getattr(h, who))
    for value in ODD_VALUES:
        query = f"drop={value}&subject={value}&group={value}"
        for url in (
            f"{TRUST}?{query}",
            f"/dashboards/schools/{h.north.urn}/?{query}",
            f"/dashboards/schools/{h.north.urn}/?export=xlsx&table={value}",
            f"/dashboards/schools/{value}/",
            f"/dashboards/classes/{h.class_3t.pk}/?drop={value}",
            f"/dashboards/pupils/{h.ola.pk}/?drop={value}",
        ):
            assert client.get(url).status_code < 500, url
    forget_observations()


@pytest.mark.parametrize("path", ["classes", "pupils"])
def test_an_id_too_big_for_the_database_is_not_found(history, client_for, path):
    response = client_for(history.head).get(f"/dashboards/{path}/99999999999999999999999/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "endpoint", ["attainment", "progress", "similar-learners", "gaps", "transitions", "attention"]
)
def test_odd_api_parameters_never_give_a_500(history, client_for, endpoint):
    client = client_for(history.head)
    for value in ODD_VALUES:
        for name in ("school", "subject", "drop", "dimension", "measure", "since", "page", "page_size"):
            response = client.get(f"/api/v1/analytics/{endpoint}/?{name}={value}")
            assert response.status_code < 500, (name, value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00\x00garbage",
        b"subject,phase,start_point,primary_need,gained,pupils\n",
        b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,10,*,3,0\n",
        b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,10,*,3,99999999999999999999\n",
        b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,10,*,3,5\nmaths,primary,10,*,3,5\n",
        b'subject,phase,start_point,primary_need,gained,pupils\n"maths,primary,10,*,3,5\n',
        b"=cmd|' /C calc'!A0,primary,10,*,3,5\n",
        "subject,phase,start_point,primary_need,gained,pupils\nmäths,primary,10,*,3,5\n".encode(),
    ],
    ids=["empty", "binary", "header-only", "zero", "huge", "repeat", "open-quote", "formula", "non-ascii"],
)
def test_a_bad_benchmark_upload_is_refused_with_a_message_never_a_500(history, client_for, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(history.analyst)
    upload = SimpleUploadedFile("bench.csv", content, content_type="text/csv")
    response = client.post("/api/v1/analytics/benchmark/", {"file": upload, "name": "National"})
    assert response.status_code == 400, response.content
    assert response.json()


def test_percentiles_among_fewer_than_the_threshold_are_hidden_at_5_and_kept_at_6():
    from strides.dashboards.suppressing import hide_percentiles_among_few

    rows = pl.DataFrame(
        {
            "pupil_id": [1, 2, 3],
            "percentile": [10.0, 50.0, None],
            "compared_with": [5, 6, None],
            "matched_on": ["start point and phase", "start point and phase", None],
        },
        schema_overrides={"compared_with": pl.Int64},
    )
    hidden = hide_percentiles_among_few(rows, THRESHOLD)
    assert hidden.rows() == [
        (1, None, None, None),
        (2, 50.0, 6, "start point and phase"),
        (3, None, None, None),
    ]
    kept = hide_percentiles_among_few(rows, THRESHOLD, keep_cell_size=True)
    assert kept.get_column("compared_with").to_list() == [5, 6, None]
    assert kept.get_column("percentile").to_list() == [None, 50.0, None]


def test_a_gap_hidden_for_its_group_hides_why_it_has_no_interval_too():
    from strides.dashboards.suppressing import hide_gaps_of_hidden_groups

    gaps_table = pl.DataFrame(
        {
            "school_id": [1, 1],
            "subject": ["maths", "maths"],
            "dimension": ["sen", "sen"],
            "group": ["E", "N"],
            "n": [7, 30],
            "gap": [-5.0, 5.0],
            "ci_low": [None, 1.0],
            "ci_high": [None, 9.0],
            "ci_reason": ["every pupil of the group (or of the rest) has the same value", None],
            "suppressed": [False, False],
        }
    )
    groups = pl.DataFrame(
        {"school_id": [1], "subject": ["maths"], "dimension": ["sen"], "value": ["E"], "suppressed": [True]}
    )
    totals = pl.DataFrame({"school_id": [1], "subject": ["maths"], "suppressed": [False]})
    shown = hide_gaps_of_hidden_groups(gaps_table, groups, totals, ("school_id",))
    assert shown.select("group", "suppressed", "n", "gap", "ci_reason").rows() == [
        ("E", True, None, None, None),
        ("N", False, 30, 5.0, None),
    ]
