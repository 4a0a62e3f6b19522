"""Value added that means something (issue 8 §4): a school that is most of its own similar-learner
pool has no value added shown, on the trust and school pages, in their exports and in the API,
with why and what would fix it; with an external benchmark every school's figure is shown."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from strides.dashboards.frames import forget_observations

pytestmark = pytest.mark.django_db

TRUST = "/dashboards/trust/"


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)
    forget_observations()
    yield
    forget_observations()


def va_rows(response) -> dict[tuple[str, str], dict]:
    return {(r["school"], r["subject"]): r for r in response.context["tables"]["value-added"].rows}


def sheets(response) -> tuple[list[tuple], dict[str, list[str]]]:
    book = load_workbook(io.BytesIO(response.content))
    about: dict[str, list[str]] = {}
    for label, value in book["About"].iter_rows(values_only=True):
        about.setdefault(label, []).append(value)
    return list(book["Figures"].iter_rows(values_only=True)), about


def use_invented_benchmark(h) -> None:
    from strides.demo.benchmark import load

    load(h.trust)


def test_a_school_alone_in_its_phase_gets_no_value_added_but_why_and_the_fixes(history, client_for):
    h = history
    response = client_for(h.analyst).get(TRUST)
    rows = va_rows(response)
    # north is the only primary school with a year's progress, riverside the only secondary: each
    # is its whole comparison pool, and was shown as +0.0 (mean percentile 50.0) before
    north = rows[h.north.name, "Maths"]
    assert north["n"] == 12 and north["own_share"] == 100.0
    assert north["value_added"] is None and north["mean_percentile"] is None and north["ci_low"] is None
    sentence = (
        f"{h.north.name} is 100% of its own comparison pool: value added would compare it mostly with itself."
    )
    assert north["why"] == sentence
    assert all(row["value_added"] is None for row in rows.values())
    text = response.content.decode()
    section = text[text.index('id="value-added-heading"') : text.index('id="chart-value-added"')]
    assert sentence.replace("'", "&#x27;") in section
    assert "import an external benchmark" in section and "widen the pool" in section
    assert 'href="/dashboards/benchmark/"' in section  # analysts choose the benchmark
    assert "Compared with:" in section and "Pupils of the trust over 3 academic years" in section
    # no point is drawn for a withheld figure
    assert '"value_added": 0.0' not in text and h.north.name not in section.split("chart-value-added")[-1]


def test_the_export_says_why_and_what_would_fix_it(history, client_for):
    h = history
    response = client_for(h.analyst).get(TRUST + "?export=xlsx&table=value-added")
    figures, about = sheets(response)
    header = figures[0]
    assert "Own pupils in the comparison pool (%)" in header and "Why no value added" in header
    north = next(row for row in figures if row[0] == h.north.name and row[1] == "Maths")
    record = dict(zip(header, north, strict=True))
    assert record["Value added"] is None and record["Own pupils in the comparison pool (%)"] == 100.0
    assert record["Why no value added"].startswith(f"{h.north.name} is 100% of its own comparison pool")
    assert any(h.north.name in reason for reason in about["Not shown"])
    assert "import an external benchmark" in about["What would fix it"][0]


def test_the_school_page_says_it_once_and_names_who_chooses_the_benchmark(history, client_for):
    h = history
    response = client_for(h.head).get(f"/dashboards/schools/{h.north.urn}/")
    rows = response.context["tables"]["value-added"].rows
    assert rows and all(row["value_added"] is None and row["own_share"] == 100.0 for row in rows)
    text = response.content.decode()
    section = text[text.index('id="value-added-heading"') : text.index('id="chart-value-added"')]
    assert (
        f"{h.north.name} is 100% of its own comparison pool in {len(rows)} of {len(rows)} year groups"
        in section
    )
    assert "/dashboards/benchmark/" not in section  # a head does not choose it: says who does
    assert "Your trust's admins and analysts choose the benchmark." in section


def test_a_director_gets_no_reason_where_the_figures_are_suppressed(history, client_for):
    h = history
    response = client_for(h.director).get(TRUST)
    rows = va_rows(response)
    # riverside's 3 pupils are suppressed, and north with them (the schools add up to the trust)
    for school in (h.river.name, h.north.name):
        row = rows[school, "Maths"]
        assert row["suppressed"] and row["own_share"] is None and row["withheld"] is None and not row["why"]
    text = response.content.decode()
    section = text[text.index('id="value-added-heading"') : text.index('id="chart-value-added"')]
    assert "compared mostly with itself" not in section


def test_with_an_external_benchmark_every_school_has_its_value_added_and_the_benchmark_is_named(
    history, client_for
):
    h = history
    use_invented_benchmark(h)
    response = client_for(h.analyst).get(TRUST)
    rows = va_rows(response)
    north, river = rows[h.north.name, "Maths"], rows[h.river.name, "Maths"]
    assert north["own_share"] == 0.0 and not north["why"] and north["withheld"] is None
    assert north["value_added"] is not None and river["value_added"] is not None
    assert north["value_added"] != river["value_added"]  # no longer +0.0 everywhere
    assert north["ci_low"] < north["value_added"] < north["ci_high"]
    text = response.content.decode()
    section = text[text.index('id="value-added-heading"') : text.index('id="chart-value-added"')]
    assert "Compared with:" in section and "Invented demo benchmark, not national data" in section
    assert "compared mostly with itself" not in section


def test_the_api_says_why_and_shows_figures_against_an_external_benchmark(history, client_for):
    h = history
    client = client_for(h.analyst)
    rows = client.get("/api/v1/analytics/similar-learners/", {"subject": "maths"}).json()["results"]
    north = next(r for r in rows if r["school"] == h.north.urn)
    assert north["value_added"] is None and north["own_share"] == 100.0
    assert north["withheld"].startswith("100% of its own comparison pool: value added would compare it")
    assert "/api/v1/analytics/benchmark/" in north["withheld"]
    use_invented_benchmark(h)
    body = client.get("/api/v1/analytics/similar-learners/", {"subject": "maths"}).json()
    north = next(r for r in body["results"] if r["school"] == h.north.urn)
    assert north["value_added"] is not None and north["withheld"] is None and north["own_share"] == 0.0
    assert "Invented demo benchmark, not national data" in body["benchmark"]


def test_a_school_with_no_value_added_is_in_the_table_with_why_not_left_out(history, client_for):
    """Oakwood and the bridge joined this year: none of their pupils has a judgement from a year
    before, and they were simply missing from the value-added chart and table."""
    from strides.dashboards.own_pool import NO_YEAR_BEFORE

    h = history
    use_invented_benchmark(h)  # north and riverside have figures: only the new schools have none
    response = client_for(h.analyst).get(TRUST)
    rows = va_rows(response)
    for school in (h.oak.name, h.bridge.name):
        row = rows[school, "Maths"]
        assert row["value_added"] is None and row["n"] is None and row["mean_percentile"] is None
        assert row["why"] == NO_YEAR_BEFORE
        assert row["url"].startswith(
            f"/dashboards/schools/{h.oak.urn if school == h.oak.name else h.bridge.urn}/"
        )
    assert rows[h.north.name, "Maths"]["value_added"] is not None and not rows[h.north.name, "Maths"]["why"]
    # every school and subject of the attainment table has a value-added row
    attained = {(r["school"], r["subject"]) for r in response.context["tables"]["attainment"].rows}
    assert attained == set(rows)
    text = response.content.decode()
    table = text[text.index('id="table-value-added"') :]
    assert "from the same term a year before" in table[: table.index("</table>")]
    figures, _ = sheets(client_for(h.analyst).get(TRUST + "?export=xlsx&table=value-added"))
    oak = next(dict(zip(figures[0], row, strict=True)) for row in figures if row[0] == h.oak.name)
    assert oak["Value added"] is None and oak["Why no value added"] == NO_YEAR_BEFORE
