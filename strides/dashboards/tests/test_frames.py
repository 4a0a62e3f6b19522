from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from strides.analytics import BENCHMARK_SCHEMA, OBSERVATION_SCHEMA, benchmark_csv, percentiles, progress
from strides.assessment.models import Judgement
from strides.assessment.services import bulk_judgements as bulk
from strides.assessment.services import create_drop, record_judgement
from strides.dashboards import frames
from strides.dashboards.frames import (
    build_observations,
    data_version,
    forget_observations,
    observations,
    pool_source,
    similar_pool,
)
from strides.dashboards.models import ExternalBenchmark
from strides.dashboards.services import BenchmarkImportError, import_benchmark, use_trust_pool
from strides.frameworks.models import Level, Subject
from strides.pupils.models import CharacteristicsPeriod
from strides.pupils.services import change_characteristics

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def rows_of(obs: pl.DataFrame, pupil, subject="maths") -> list[dict]:
    return (
        obs.filter((pl.col("pupil_id") == pupil.pk) & (pl.col("subject") == subject))
        .sort("drop_date")
        .to_dicts()
    )


def level(code, framework="nc-bands"):
    return Level.objects.get(framework__code=framework, framework__trust=None, code=code)


def test_the_history_fixture_holds_what_its_docstring_says(history):
    h = history
    assert Judgement.objects.count() == h.judgement_count == 194
    assert Judgement.objects.filter(drop=h.current_drop, school=h.north).count() == 14 * 3 - 1
    kai = CharacteristicsPeriod.objects.filter(pupil=h.kai).order_by("valid_from")
    assert [(p.nc_year, p.fsm_ever6) for p in kai] == [(2, False), (3, True)]


def test_one_row_per_judgement_in_the_exact_schema(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):  # the version, then eight set-based reads
        obs = observations(history.trust.pk)
    assert dict(obs.schema) == OBSERVATION_SCHEMA
    assert obs.height == 194
    assert obs.select("pupil_id", "subject", "drop_id").is_duplicated().sum() == 0


def test_values_and_characteristics_as_at_each_drop(history):
    h = history
    obs = observations(h.trust.pk)
    kai = rows_of(obs, h.kai)
    # kai became disadvantaged this year: last year's three drops say no, this autumn's yes
    assert [r["disadvantaged"] for r in kai] == [False, False, False, True]
    assert [r["nc_year"] for r in kai] == [2, 2, 2, 3]
    assert [r["point"] for r in kai] == [8, 8, 9, 11]
    # expected: the year's expected band at every term (ADR 6): Y2 EXS (9) last year, Y3 EXS (12)
    assert [r["expected"] for r in kai] == [9, 9, 9, 12]
    assert [r["academic_year"] for r in kai] == [h.last_year.start_year] * 3 + [h.year.start_year]
    assert [r["term"] for r in kai] == ["autumn", "spring", "summer", "autumn"]
    assert kai[0]["drop_date"] == h.drops["last_autumn"].assessed_on
    assert {r["school_id"] for r in kai} == {h.north.pk}
    ben = rows_of(obs, h.ben, "reading")[0]
    assert (ben["level"], ben["framework"], ben["point"]) == ("PK6", "pre-key-stage", 9)
    assert (ben["sen"], ben["primary_need"], ben["ethnic_group"], ben["sex"]) == (
        "K",
        "SPLD",
        "Unclassified",
        "M",
    )
    ava = rows_of(obs, h.ava)[0]
    assert (ava["disadvantaged"], ava["sen"], ava["primary_need"], ava["ethnic_group"]) == (
        True,
        "N",
        "",
        "White",
    )
    cara, dev, jon = rows_of(obs, h.cara)[0], rows_of(obs, h.dev)[0], rows_of(obs, h.jon)[0]
    assert (cara["eal"], cara["ethnic_group"], cara["nc_year"]) == (True, "White", 8)
    assert dev["ethnic_group"] == "Asian" and dev["school_id"] == h.bridge.pk
    assert jon["eal"] is True and jon["ethnic_group"] == "Asian"
    assert rows_of(obs, h.ida)[0]["ethnic_group"] == "Black"
    assert rows_of(obs, h.sky)[0]["ethnic_group"] == "Chinese"
    assert rows_of(obs, h.nia)[0]["ethnic_group"] == "Mixed"


def test_looked_after_counts_as_disadvantaged_and_no_expected_point_is_null(history):
    h = history
    change_characteristics(
        None, h.cara, {"looked_after": True, "nc_year": 12}, effective=h.year_start + dt.timedelta(days=1)
    )
    change_characteristics(None, h.dev, {"previously_looked_after": True}, effective=h.year_start)
    obs = observations(h.trust.pk)
    cara = rows_of(obs, h.cara)[0]
    assert (cara["looked_after"], cara["disadvantaged"], cara["nc_year"], cara["expected"]) == (
        True,
        True,
        12,
        None,
    )
    dev = rows_of(obs, h.dev)[0]
    assert (dev["looked_after"], dev["disadvantaged"]) == (False, True)


def test_a_judgement_before_the_recorded_history_takes_the_first_period_a_year_younger(
    history, subjects=None
):
    h = history
    extra = create_drop(
        h.analyst, h.trust, h.last_year, name="Catch up", term="summer",
        opens_on=h.last_year.starts_on + dt.timedelta(days=250),
        deadline=h.last_year.starts_on + dt.timedelta(days=290), schools=[h.north],
    )  # fmt: skip
    maths = Subject.objects.get(code="maths")
    result = bulk.record_judgements(
        None, extra, [bulk.JudgementRow(h.ava, maths, level("Y2 EXS"))], reason="test", dry_run=False
    )
    assert result.committed, result.errors
    row = rows_of(observations(h.trust.pk), h.ava)[0]
    assert (row["drop_id"], row["nc_year"], row["expected"], row["disadvantaged"]) == (extra.pk, 2, 9, True)


def test_filters_by_school_and_pupil_cached_or_not(history, django_assert_max_num_queries):
    h = history
    narrow = observations(h.trust.pk, pupil_ids=[h.ava.pk, h.cara.pk])  # cold cache: read directly
    assert frames._MEMORY == {}
    assert set(narrow.get_column("pupil_id")) == {h.ava.pk, h.cara.pk} and narrow.height == 6
    north = observations(h.trust.pk, school_ids=[h.north.pk])  # builds the trust's frame
    assert set(north.get_column("school_id")) == {h.north.pk} and north.height == 143 + 6
    with django_assert_max_num_queries(2):  # warm: only the version is read, once per call
        warm = observations(h.trust.pk, pupil_ids=[h.ava.pk, h.cara.pk])
        both = observations(h.trust.pk, school_ids=[h.river.pk], pupil_ids=[h.ava.pk, h.cara.pk])
    assert warm.sort(["pupil_id", "subject", "drop_id"]).equals(
        narrow.sort(["pupil_id", "subject", "drop_id"])
    )
    assert set(both.get_column("pupil_id")) == {h.cara.pk}
    assert observations(h.trust.pk, pupil_ids=[]).height == 0
    assert observations(h.trust.pk, school_ids=[]).height == 0
    assert dict(observations(h.trust.pk, school_ids=[]).schema) == OBSERVATION_SCHEMA


def test_another_trusts_judgements_never_appear(history):
    from strides.organisations import services as organisations

    other = organisations.create_trust(None, "Other Trust", "other-trust")
    assert observations(other.pk).height == 0
    assert build_observations(other.pk).height == 0
    assert similar_pool(other.pk).height == 0


def test_the_cache_is_reused_until_the_data_changes(history, django_assert_max_num_queries):
    h = history
    first = observations(h.trust.pk)
    with django_assert_max_num_queries(1):
        assert observations(h.trust.pk) is not None and frames._MEMORY[h.trust.pk].frame is first
    version = data_version(h.trust.pk)
    maths = Subject.objects.get(code="maths")
    record_judgement(h.head, h.ava, maths, h.current_drop, h.north, level("Y3 GDS"), expected_version=1)
    assert data_version(h.trust.pk) != version
    assert rows_of(observations(h.trust.pk), h.ava)[0]["point"] == 13
    # a same-day correction of characteristics changes no period id, but is audited
    version = data_version(h.trust.pk)
    change_characteristics(None, h.ava, {"ethnicity": "BAFR"}, effective=h.year_start)
    assert data_version(h.trust.pk) != version
    assert rows_of(observations(h.trust.pk), h.ava)[0]["ethnic_group"] == "Black"


def test_the_shared_parquet_file_spares_other_processes_the_build(
    history, settings, tmp_path, django_assert_max_num_queries
):
    settings.STRIDES_ANALYTICS_CACHE_DIR = str(tmp_path)
    built = observations(history.trust.pk)
    files = list(tmp_path.glob(f"observations-{history.trust.pk}-*.parquet"))
    assert len(files) == 1
    forget_observations()  # as if another worker process
    with django_assert_max_num_queries(1):
        again = observations(history.trust.pk)
    assert again.equals(built)
    record_judgement(
        history.head, history.ava, Subject.objects.get(code="maths"), history.current_drop, history.north,
        level("Y3 GDS"), expected_version=1,
    )  # fmt: skip
    observations(history.trust.pk)
    assert [f.name for f in tmp_path.glob("*.parquet")] != [files[0].name]  # replaced, not kept
    assert len(list(tmp_path.glob("*.parquet"))) == 1


def test_the_trust_pool_and_the_bottom_decile(history):
    h = history
    pool = similar_pool(h.trust.pk)
    assert dict(pool.schema) == BENCHMARK_SCHEMA
    cell = pool.filter(
        (pl.col("subject") == "maths") & (pl.col("phase") == "primary") & (pl.col("start_point") == 8)
        & (pl.col("primary_need") == "*")
    )  # fmt: skip
    assert dict(zip(cell["gained"], cell["pupils"], strict=True)) == {0: 1, 1: 1, 2: 1, 3: 6, 4: 3}
    obs = observations(h.trust.pk)
    pct = percentiles(progress(obs, since="year"), pool)
    pip = pct.filter((pl.col("pupil_id") == h.pip.pk) & (pl.col("subject") == "maths")).row(0, named=True)
    assert pip["percentile"] == pytest.approx(100 * 0.5 / 12) and pip["compared_with"] == 12
    assert pct.filter(pl.col("percentile") < 10).get_column("pupil_id").to_list() == [h.pip.pk]
    assert not pool_source(h.trust.pk).external


def test_the_pool_ends_with_the_year_asked_for_and_is_cached_per_year(history, django_assert_max_num_queries):
    from strides.dashboards.queries import AnalyticsView

    h = history
    now, last = h.year.start_year, h.last_year.start_year
    latest = similar_pool(h.trust.pk)
    assert latest.height > 0
    # the history's only one-year progress ends this autumn (last autumn -> this autumn), so a
    # pool ending with last year (a drop of last year being viewed) has nobody in it, while a
    # three-year window ending this year or either of the next two holds this year's
    assert similar_pool(h.trust.pk, end_year=now).equals(latest)
    assert similar_pool(h.trust.pk, end_year=last).height == 0
    assert similar_pool(h.trust.pk, end_year=now + 2).equals(latest)
    assert similar_pool(h.trust.pk, end_year=now + 3).height == 0
    # each end year is kept with the data version: asking again costs the version's query only
    with django_assert_max_num_queries(3):
        assert similar_pool(h.trust.pk, end_year=last).height == 0
        assert similar_pool(h.trust.pk, end_year=now).equals(latest)
        assert similar_pool(h.trust.pk).equals(latest)
    view = AnalyticsView(h.analyst)
    assert view.benchmark(end_year=last).height == 0 and view.benchmark().equals(latest)
    for wrong in ("2025", 2025.0, True):
        with pytest.raises(ValueError, match="end_year"):
            similar_pool(h.trust.pk, end_year=wrong)  # type: ignore[arg-type]


def test_the_pool_counts_each_pupil_once_a_year_however_many_drops(history):
    """A second drop this autumn term (a re-assessment) makes a second one-year pair for everyone
    judged in it; the pool still counts each pupil once in the year, with the later drop."""
    h = history
    cell = (
        (pl.col("subject") == "maths") & (pl.col("phase") == "primary") & (pl.col("start_point") == 8)
        & (pl.col("primary_need") == "*")
    )  # fmt: skip
    before = similar_pool(h.trust.pk).filter(cell).get_column("pupils").sum()
    maths = Subject.objects.get(code="maths")
    again = create_drop(
        h.analyst, h.trust, h.year, name="Autumn check", term="autumn",
        opens_on=h.current_drop.deadline, deadline=h.current_drop.deadline + dt.timedelta(days=2),
        schools=[h.north], subjects=[maths],
    )  # fmt: skip
    result = bulk.record_judgements(
        None, again, [bulk.JudgementRow(h.pip, maths, level("Y3 WTS"))], reason="test", dry_run=False
    )
    assert result.committed, result.errors
    forget_observations()
    after = similar_pool(h.trust.pk).filter(cell)
    assert after.get_column("pupils").sum() == before == 12
    # pip's one pupil-year is now the later drop's progress (8 -> 11: 3 points, not 0)
    assert 0 not in after.get_column("gained").to_list()


def test_an_external_benchmark_replaces_the_pool_until_the_trust_goes_back(history):
    h = history
    table = pl.DataFrame(
        {"subject": ["maths", "maths"], "phase": ["primary"] * 2, "start_point": [8, 8],
         "primary_need": ["*", "*"], "gained": [3, 5], "pupils": [400, 600]},
        schema=BENCHMARK_SCHEMA,
    )  # fmt: skip
    data = benchmark_csv(table).encode()
    benchmark = import_benchmark(
        h.analyst, h.trust, filename="national.csv", data=data, name="National", source="DfE"
    )
    assert (benchmark.cells, benchmark.pupils, benchmark.in_use) == (2, 1000, True)
    assert similar_pool(h.trust.pk).equals(table)
    assert similar_pool(h.trust.pk, end_year=2000).equals(table)  # the same table for any year
    source = pool_source(h.trust.pk)
    assert source.external and "National (DfE)" in source.description and "1,000" in source.description
    second = import_benchmark(h.admin, h.trust, filename="b.csv", data=data, name="Newer")
    assert list(ExternalBenchmark.objects.filter(in_use=True)) == [second]
    assert use_trust_pool(h.analyst, h.trust) == 1
    assert similar_pool(h.trust.pk).height > 2
    from strides.audit.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="dashboards.ExternalBenchmark").count() == 3


def test_a_bad_benchmark_is_refused_naming_row_field_and_value(history):
    h = history
    header = b"subject,phase,start_point,primary_need,gained,pupils\n"
    bad = header + b"maths,primary,8,*,3,40\nmaths,infant,8,*,2,3\n"
    with pytest.raises(BenchmarkImportError) as refused:
        import_benchmark(h.analyst, h.trust, filename="bad.csv", data=bad, name="Bad")
    assert (
        "bad.csv" in str(refused.value) and "row 3" in str(refused.value) and "'infant'" in str(refused.value)
    )
    with pytest.raises(BenchmarkImportError, match="name"):
        import_benchmark(h.analyst, h.trust, filename="a.csv", data=bad, name="  ")
    no_any = b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,8,SPLD,3,40\n"
    with pytest.raises(BenchmarkImportError, match="any-need"):
        import_benchmark(h.analyst, h.trust, filename="a.csv", data=no_any, name="A")
    assert not ExternalBenchmark.objects.exists()


@pytest.mark.parametrize("who", ["head", "governor", "director", "eap", "teacher", "river_head", "parent"])
def test_only_trust_admins_and_analysts_choose_the_benchmark(history, who):
    data = b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,8,*,3,40\n"
    with pytest.raises(PermissionError):
        import_benchmark(getattr(history, who), history.trust, filename="a.csv", data=data, name="A")
    with pytest.raises(PermissionError):
        use_trust_pool(getattr(history, who), history.trust)
    assert not ExternalBenchmark.objects.exists()


def test_a_pupil_with_no_characteristics_recorded_keeps_their_judgements(history):
    h = history
    CharacteristicsPeriod.objects.filter(pupil=h.ava).delete()  # no service removes history: data damage
    rows = rows_of(observations(h.trust.pk), h.ava)
    assert len(rows) == 1 and rows[0]["point"] == 11
    assert (rows[0]["nc_year"], rows[0]["expected"]) == (None, None)
    assert (rows[0]["sen"], rows[0]["ethnic_group"], rows[0]["disadvantaged"], rows[0]["eal"]) == (
        "N", "Unclassified", False, False,
    )  # fmt: skip


def test_an_unwritable_cache_directory_costs_speed_not_the_answer(history, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    settings.STRIDES_ANALYTICS_CACHE_DIR = str(blocker / "cache")
    assert observations(history.trust.pk).height == 194
