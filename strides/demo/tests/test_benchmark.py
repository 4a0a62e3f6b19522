"""The demo's invented similar-learner benchmark (strides/demo/benchmark.py): made by arithmetic,
shipped as the CSV it makes, read by the same reader as an upload, labelled as invented."""

from __future__ import annotations

import polars as pl
import pytest

from strides.analytics import ANY_NEED, read_benchmark_csv
from strides.demo import benchmark


def test_the_shipped_file_is_what_the_generator_makes():
    # regenerate with: .venv/bin/python -m strides.demo.benchmark
    assert benchmark.PATH.read_text(encoding="utf-8") == benchmark.csv_text()
    assert benchmark.csv_text() == benchmark.csv_text()  # no random draw: the same every time


def test_it_reads_as_an_upload_and_each_any_need_cell_adds_up_its_needs():
    table = read_benchmark_csv(benchmark.PATH.read_bytes())
    cells = ["subject", "phase", "start_point", "gained"]
    needs = table.filter(pl.col("primary_need") != ANY_NEED).group_by(cells).agg(pl.col("pupils").sum())
    anyone = table.filter(pl.col("primary_need") == ANY_NEED).select(*cells, "pupils")
    assert needs.sort(cells).equals(anyone.sort(cells))
    sizes = anyone.group_by("subject", "phase", "start_point").agg(pl.col("pupils").sum())
    assert set(sizes.get_column("pupils")) == {500}  # 500 invented pupils per start point
    # every subject the demo teaches, in both phases for the core subjects
    assert {("maths", "primary"), ("maths", "secondary"), ("history", "secondary")} <= set(
        table.select("subject", "phase").unique().iter_rows()
    )
    # a year's gain centred near the expected 3 points, for pupils with no identified need
    none = table.filter(pl.col("primary_need") == "")
    mean = (none["gained"] * none["pupils"]).sum() / none["pupils"].sum()
    assert 2.6 < mean < 3.1


@pytest.mark.django_db
def test_the_demo_loads_it_through_the_benchmark_service_labelled_as_invented(cast):
    from strides.audit.models import AuditEntry
    from strides.dashboards.models import ExternalBenchmark

    loaded = benchmark.load(cast.trust)
    assert ExternalBenchmark.objects.get(in_use=True, trust=cast.trust) == loaded
    assert loaded.name == "Invented demo benchmark, not national data"
    assert "invented" in loaded.source and "no real pupil" in loaded.source
    both = len(benchmark.START_POINTS["primary"]) + len(benchmark.START_POINTS["secondary"])
    secondary_only = len(benchmark.START_POINTS["secondary"]) * len(benchmark.SECONDARY_ONLY)
    assert loaded.pupils == 500 * (both * len(benchmark.CORE) + secondary_only)
    assert AuditEntry.objects.filter(reason="benchmark uploaded and in use").exists()
