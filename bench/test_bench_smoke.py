"""A smoke test of the benchmarks: ``python -m bench.run --quick`` runs every section at small sizes and
writes a report. It asserts that the harness works, never how fast anything is. The latency
sections run on SQLite only here (``--engine sqlite``): starting a PostgreSQL cluster too would
double the test's time, and ``python -m bench.run --quick --only grid`` shows both engines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the benchmarks run on their own SQLite files; once per suite is enough",
)
def test_quick_benchmarks_write_a_report(tmp_path):
    output = tmp_path / "performance.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--engine", "sqlite", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = output.read_text()
    assert "## Demo trust (`--scale small`)" in text
    assert "## Importing 300 pupils from a spreadsheet" in text
    assert "Ratio import / floor" in text
    # the latency sections set each of issue 10's goals beside its figure
    assert text.count("| measure | SQLite | goal | met? |") == 2
    assert "typing pace: save p50 / p95 / p99, from the scheduled send" in text
    assert "trust page `/dashboards/trust/`: size as a browser receives it (gzip" in text
    for fact in ("| CPU |", "| cores |", "| memory |", "| Python |", "| SQLite |"):
        assert fact in text
    assert "[bench] section demo" in result.stderr, "progress goes to stderr"
