"""Charts under the production Content Security Policy, and the trust and school dashboards
checked with axe-core (WCAG 2.2 AA).

The ``page`` fixture fails a test on any CSP violation or uncaught page error, so a chart that
needed ``eval`` or an inline style would fail here. The data is the dashboards' ``history`` fixture
(the cast with two academic years of judgements) on a live server.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from strides.dashboards.tests.conftest import history  # noqa: F401 - the shared fixture, used below
from strides.demo.builder import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_history(live_server, transactional_db, history):  # noqa: F811 - the fixture imported above
    from strides.dashboards.frames import forget_observations

    forget_observations()
    history.url = live_server.url
    return history


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """The pages open on this autumn's drop, as they would once its deadline has passed (the
    server runs in this process: the dashboards' today is set here)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


def sign_in(page, url: str, username: str, password: str | None = None) -> None:
    from strides.testing.cast import PASSWORD

    page.context.clear_cookies()  # whoever was signed in before
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def charts_drawn(page) -> list[str]:
    """Waits until every chart on the page is drawn or failed; returns the ids of those drawn."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every("
        "e => ['drawn', 'failed'].includes(e.getAttribute('data-chart-state')))"
    )
    return page.eval_on_selector_all(
        "[data-chart]",
        "els => els.filter(e => e.getAttribute('data-chart-state') === 'drawn').map(e => e.id)",
    )


def test_every_chart_renders_as_svg_under_the_csp(live_history, page):
    h = live_history
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    sign_in(page, h.url, "analyst")
    response = page.goto(f"{h.url}/dashboards/trust/?subject=maths&group=disadvantaged")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy
    drawn = charts_drawn(page)
    assert drawn == [
        "chart-attainment",
        "chart-value-added",
        "chart-groups",
        "chart-gaps",
        "chart-trend",
        "chart-heat-map",
    ]
    chart = page.locator("#chart-attainment svg")
    assert chart.count() == 1
    # vega's accessible name for the graphic is the chart's description
    name = page.locator("#chart-attainment").get_attribute("aria-label")
    assert "percentage of pupils at or above the expected point" in name
    # the figures are drawn as text: North's maths bar is labelled with its n
    assert page.locator("#chart-attainment svg text", has_text="(n=14)").count() >= 1
    errors = [line for line in console if line.startswith("error") or "Content Security Policy" in line]
    assert errors == []
    assert page.locator("style").count() == 0  # vega-embed injected no stylesheet


def test_charts_are_drawn_when_the_figures_fill_in_after_a_cold_start(live_history, page, settings):
    """With the memo on (as outside tests), a page whose figures are not in memory answers with
    the progress shell (202) and htmx fills the figures in: htmx drops the swapped content's
    <script> elements, the charts' JSON specs too, so charts.js reads them from the response."""
    from strides.dashboards import memo
    from strides.dashboards.frames import forget_observations

    settings.STRIDES_DASHBOARD_MEMO = True
    h = live_history
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    sign_in(page, h.url, "analyst")
    memo.forget()
    forget_observations()
    response = page.goto(f"{h.url}/dashboards/trust/?subject=maths")
    assert response.status == 202  # the progress shell, at once
    page.wait_for_selector("[data-chart]")
    assert "chart-attainment" in charts_drawn(page)
    assert page.locator("#chart-attainment svg").count() == 1
    assert [line for line in console if line.startswith("error")] == []
    memo.forget()


def test_the_dashboards_pass_axe(live_history, page, check_a11y, monkeypatch):
    h = live_history
    sign_in(page, h.url, "head")
    page.goto(f"{h.url}/dashboards/schools/{h.north.urn}/")
    assert charts_drawn(page)
    check_a11y(page)
    sign_in(page, h.url, "director")
    page.goto(f"{h.url}/dashboards/trust/")
    assert charts_drawn(page)
    assert page.get_by_text("suppressed (fewer than 6)").count() > 0
    check_a11y(page)

    # a drop still being collected, chosen on purpose: the caveat comes first, then completeness
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: h.current_drop.deadline)
    sign_in(page, h.url, "analyst")
    page.goto(f"{h.url}/dashboards/trust/?drop={h.current_drop.slug}")
    caveat = page.get_by_role("note").filter(has_text="is still being collected")
    assert "0 of 4 schools submitted" in caveat.inner_text()
    assert charts_drawn(page)
    check_a11y(page)


def test_the_benchmark_page_refuses_a_bad_file_by_row_and_passes_axe(live_history, page, check_a11y):
    h = live_history
    sign_in(page, h.url, "analyst")
    page.goto(f"{h.url}/dashboards/trust/")
    page.get_by_role("navigation", name="Dashboards").get_by_role(
        "link", name="Similar-learner benchmark"
    ).click()
    page.wait_for_load_state()
    assert page.url.endswith("/dashboards/benchmark/")
    check_a11y(page)
    page.get_by_label("Name").fill("National 2022-2025")
    page.get_by_label("Benchmark table (CSV)").set_input_files(
        {
            "name": "bad.csv",
            "mimeType": "text/csv",
            "buffer": b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,8,*,three,2\n",
        }
    )
    page.get_by_role("button", name="Upload and use it").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "row 2" in summary.inner_text() and "three" in summary.inner_text()
    check_a11y(page)


# --- issue 8: the demo's value added, and the pupil chart's named common points -----------------
# On the real small demo trust (``strides demo-data``): its trust page shows value added that is
# not uniformly zero, against the invented benchmark it loads (named on the page); with the
# trust's own pool back in use, where each school is alone in its phase, the page says why there
# is no figure and how to get one. The pupil chart names the common-scale points and draws (so the
# axis's lookup expression runs under vega-interpreter and the strict CSP).


@pytest.fixture
def demo(live_server, transactional_db):
    from django.core.management import call_command

    from strides.dashboards.frames import forget_observations

    call_command("demo_data", "--seed", "1", "--scale", "small", verbosity=0)
    forget_observations()
    return live_server.url


def value_added_column(page, heading: str) -> list[str]:
    """A column of the trust page's value-added table, as written."""
    headers = page.locator("#table-value-added thead th").all_inner_texts()
    column = headers.index(heading)
    return [
        row.locator("th, td").nth(column).inner_text().strip()
        for row in page.locator("#table-value-added tbody tr").all()
    ]


def value_added_cells(page) -> list[str]:
    """The "Value added" figures of schools that have a year's progress to measure (a school
    with none keeps its row, empty, saying why)."""
    figures = value_added_column(page, "Value added")
    whys = value_added_column(page, "Why no value added")
    return [f for f, why in zip(figures, whys, strict=True) if "a year before" not in why]


def test_the_demo_trust_page_shows_value_added_against_its_invented_benchmark(demo, page, check_a11y):
    sign_in(page, demo, "analyst", DEMO_PASSWORD)
    page.goto(f"{demo}/dashboards/trust/")
    section = page.locator("section[aria-labelledby='value-added-heading']")
    assert "Invented demo benchmark, not national data" in section.inner_text()
    figures = value_added_cells(page)
    assert figures and all(re.fullmatch(r"[+−]\d+\.\d", f) for f in figures), figures
    assert len(set(figures)) > 1 and set(figures) != {"+0.0"}  # no longer +0.0 for every school
    # every school with attainment has a value-added row: a figure, or why there is none
    attained = page.locator("#table-attainment tbody tr th").all_inner_texts()
    assert set(value_added_column(page, "School")) == set(attained)
    assert "chart-value-added" in charts_drawn(page)
    assert page.locator("#chart-value-added svg [role='graphics-symbol']").count() > 0
    check_a11y(page)

    # back to the trust's own pool: each school is alone in its phase, and the page says so
    page.goto(f"{demo}/dashboards/benchmark/")
    page.get_by_role("button", name="Compare with the trust's pupils again").click()
    page.wait_for_load_state()
    page.goto(f"{demo}/dashboards/trust/")
    note = section.locator(".similar-withheld")
    text = note.inner_text()
    assert "Coppergate Community Primary is 100% of its own comparison pool" in text
    assert "value added would compare it mostly with itself" in text
    assert all(f == "" for f in value_added_cells(page))  # no figure shown as if it meant something
    link = note.get_by_role("link", name="Import an external benchmark on the similar-learner benchmark page")
    assert link.get_attribute("href") == "/dashboards/benchmark/"
    charts_drawn(page)
    check_a11y(page)


def test_the_pupil_chart_names_each_common_point_and_draws(demo, page, check_a11y, tmp_path):
    sign_in(page, demo, "analyst", DEMO_PASSWORD)
    from strides.assessment.models import Judgement

    pupil_id = Judgement.objects.order_by("pupil_id").values_list("pupil_id", flat=True).first()
    page.goto(f"{demo}/dashboards/pupils/{pupil_id}/")
    assert "chart-timeline" in charts_drawn(page)
    labels = page.eval_on_selector_all("#chart-timeline svg text", "els => els.map(e => e.textContent)")
    assert any(re.fullmatch(r"NS\d+ Year \d+ .+", label) for label in labels), labels
    # what a person sees (looked at while fixing the chart: no label over another)
    assert page.locator("#chart-timeline").screenshot(path=tmp_path / "pupil-timeline.png")
    check_a11y(page)


def test_a_pupil_with_many_subjects_has_every_subject_drawn_and_named(demo, page, check_a11y, tmp_path):
    """A Year 11 pupil of twelve subjects had only the first eight drawn, without a word."""
    from django.db.models import Count

    from strides.assessment.models import Judgement

    sign_in(page, demo, "analyst", DEMO_PASSWORD)
    most = (
        Judgement.objects.values("pupil_id")
        .annotate(subjects=Count("subject", distinct=True))
        .order_by("-subjects", "pupil_id")
        .first()
    )
    assert most["subjects"] > 8, most  # the demo secondary's curriculum
    names = set(Judgement.objects.filter(pupil_id=most["pupil_id"]).values_list("subject__name", flat=True))
    page.goto(f"{demo}/dashboards/pupils/{most['pupil_id']}/")
    assert "chart-timeline" in charts_drawn(page)
    labels = set(page.eval_on_selector_all("#chart-timeline svg text", "els => els.map(e => e.textContent)"))
    assert names <= labels, names - labels  # each subject in the legend (and at its line's end)
    assert page.locator("#chart-timeline").screenshot(path=tmp_path / "pupil-many-subjects.png")
    check_a11y(page)
