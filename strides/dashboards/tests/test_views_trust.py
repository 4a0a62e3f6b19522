"""The trust dashboard and the Dashboards entry point, on the ``history`` fixture: what each role
sees, filters in the URL, XLSX exports, small groups suppressed for directors, query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from openpyxl import load_workbook

from strides.dashboards.frames import forget_observations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """Most tests look at this autumn's drop as a page's default, as they would once its deadline
    has passed; the tests of drops still being collected set the day themselves (``on_day``)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


TRUST = "/dashboards/trust/"
TABLES = ("attainment", "value-added", "groups", "gaps", "trend", "heat-map", "completeness")


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def pupil_names(h) -> list[str]:
    pupils = [*h.north_now, h.cara, h.tia, h.uma, h.vic, h.fay, h.dev]
    return [p.display_name for p in pupils]


def rows(response, table: str) -> list[dict]:
    return response.context["tables"][table].rows


def sheet(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content))["Figures"].iter_rows(values_only=True))


def chart_data(response, name: str) -> str:
    """The chart's spec as the page carries it (json_script)."""
    match = re.search(
        rf'<script id="chart-{name}-spec" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert match, name
    return match.group(1)


def test_analyst_sees_every_school_side_by_side(history, client_for):
    h = history
    response = client_for(h.analyst).get(TRUST)
    assert response.status_code == 200
    assert set(response.context["tables"]) == set(TABLES)
    attainment = {(r["school"], r["subject"]): r for r in rows(response, "attainment")}
    assert {school for school, _ in attainment} == {h.north.name, h.river.name, h.oak.name, h.bridge.name}
    north_maths = attainment[h.north.name, "Maths"]
    # 3 of 14 at expected (ida, lea and sky at Y3 EXS): the expected point is the year's EXS at every term
    assert (north_maths["n"], north_maths["pct_at_expected"]) == (14, 21.4)
    assert north_maths["url"].startswith(f"/dashboards/schools/{h.north.urn}/?")
    assert "suppressed (fewer than" not in response.text
    # every chart has its table and its spec, and a link to download the table
    for name in ("attainment", "value-added", "groups", "gaps", "trend", "heat-map"):
        json.loads(chart_data(response, name))
        assert f'id="table-{name}"' in response.text
        assert f"export=xlsx&amp;table={name}" in response.text
    completeness = {r["school"]: r for r in rows(response, "completeness")}
    assert completeness[h.north.name]["recorded"] == 41  # rex's writing is missing: 14 x 3 - 1


def test_director_sees_small_groups_suppressed_and_no_pupil_names(history, client_for):
    h = history
    response = client_for(h.director).get(TRUST + "?subject=maths&group=sen")
    assert response.status_code == 200
    attainment = {(r["school"], r["subject"]): r for r in rows(response, "attainment")}
    river = attainment[h.river.name, "Maths"]
    assert river["suppressed"] and river["n"] is None and river["pct_at_expected"] is None
    assert not attainment[h.north.name, "Maths"]["suppressed"]
    assert "suppressed (fewer than 6)" in response.text
    # the chart draws no bar for a suppressed school, and the heat map says "<6"
    bars = json.loads(chart_data(response, "attainment"))
    assert h.river.name not in json.dumps(bars["data"]["values"])
    heat = json.loads(chart_data(response, "heat-map"))
    small = [r for r in heat["data"]["values"] if r["school"] == h.river.name]
    assert small and all(r["_label"] == "<6" and r["n"] is None for r in small)
    # SEN support at north is 2 pupils: hidden, and so is "No SEN" (12 = the total minus 2)
    groups = {r["group"]: r for r in rows(response, "groups") if r["school"] == h.north.name}
    assert groups["SEN support"]["suppressed"] and groups["No SEN"]["suppressed"]
    for name in pupil_names(h):
        assert name not in response.text


def test_governor_sees_only_their_school(history, client_for):
    h = history
    response = client_for(h.governor).get(TRUST)
    assert response.status_code == 200
    assert {r["school"] for r in rows(response, "attainment")} == {h.north.name}
    assert h.river.name not in response.text
    for name in pupil_names(h):
        assert name not in response.text


def test_a_school_user_gets_no_figure_of_another_school(history, client_for):
    h = history
    client = client_for(h.river_head)
    response = client.get(TRUST)
    assert {r["school"] for r in rows(response, "attainment")} == {h.river.name}
    assert h.north.name not in response.text
    exported = sheet(client.get(TRUST + "?export=xlsx&table=attainment"))
    assert {row[0] for row in exported[1:]} == {h.river.name}


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("head", "school"),
        ("governor", "school"),
        ("eap", "school"),
        ("analyst", "trust"),
        ("director", "trust"),
        ("teacher", "school"),
    ],
)
def test_dashboards_opens_a_one_school_users_school_and_the_trust_page_for_others(
    history, client_for, who, where
):
    h = history
    response = client_for(getattr(h, who)).get("/dashboards/")
    expected = f"/dashboards/schools/{h.north.urn}/" if where == "school" else TRUST
    assert response.status_code == 302 and response["Location"] == expected


def test_a_teacher_sees_their_own_classes_figures_said_as_such(history, client_for):
    h = history
    response = client_for(h.teacher).get(TRUST)
    assert response.status_code == 200
    assert "the figures are your own classes' pupils only" in response.text
    maths = next(r for r in rows(response, "attainment") if r["subject"] == "Maths")
    assert (maths["school"], maths["n"]) == (h.north.name, 7)  # 3T: ava and six pupils from last year


@pytest.mark.parametrize("who", ["ta", "parent", "placing"])
def test_people_without_aggregates_are_refused(history, client_for, who):
    client = client_for(getattr(history, who))
    # figures made from pupils they may not see are not there for them (ADR 2, amendment)
    assert client.get(TRUST).status_code == 404
    assert client.get("/dashboards/").status_code == 404


def test_the_nav_offers_dashboards_to_people_who_see_aggregates(history, client_for):
    h = history
    assert '<a href="/dashboards/"' in client_for(h.governor).get("/").text
    assert '<a href="/dashboards/"' not in client_for(h.ta).get("/").text


def test_filters_live_in_the_url(history, client_for):
    h = history
    summer = h.drops["last_summer"]
    response = client_for(h.analyst).get(TRUST + f"?drop={summer.slug}&subject=writing&group=sex")
    selection = response.context["selection"]
    assert (selection.drop, selection.subject.code, selection.group) == (summer, "writing", "sex")
    assert {r["school"] for r in rows(response, "attainment")} == {h.north.name, h.river.name}
    assert {r["group"] for r in rows(response, "groups")} == {"Girls", "Boys"}
    assert response.context["export_query"] == f"drop={summer.slug}&subject=writing&group=sex"
    # the form shows the choices in force, so "Show" keeps them
    assert f'<option value="{summer.slug}" selected>' in response.text
    assert '<option value="writing" selected>' in response.text


def test_an_unknown_filter_value_is_named_and_the_default_shown(history, client_for):
    h = history
    response = client_for(h.analyst).get(TRUST + "?subject=latin&group=shoe-size")
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "No judgements in this subject in the drop." in response.text
    assert "Choose one of the listed groups." in response.text
    selection = response.context["selection"]
    assert (selection.drop, selection.subject.code, selection.group) == (
        h.current_drop,
        "reading",
        "disadvantaged",
    )


def test_every_table_exports_to_xlsx_with_the_page_rows(history, client_for):
    h = history
    client = client_for(h.analyst)
    page = client.get(TRUST + "?subject=maths")
    for name in TABLES:
        response = client.get(TRUST + f"?subject=maths&export=xlsx&table={name}")
        assert response.status_code == 200, name
        assert f'filename="trust-{name}.xlsx"' in response["Content-Disposition"]
        exported = sheet(response)
        table = page.context["tables"][name]
        assert exported[0] == tuple(c.heading for c in table.columns), name
        assert len(exported) == len(table.rows) + 1, name
    attainment = sheet(client.get(TRUST + "?export=xlsx&table=attainment"))
    assert (h.north.name, "Maths", 14, 10.7, 14, 21.4) in attainment


def test_an_export_for_a_director_writes_suppressed_in_words(history, client_for):
    h = history
    exported = sheet(client_for(h.director).get(TRUST + "?export=xlsx&table=attainment"))
    river = [row for row in exported if row[0] == h.river.name]
    assert river and all(row[2:] == ("suppressed (fewer than 6)",) * 4 for row in river)


def test_a_bad_export_request_says_what_is_wrong(history, client_for):
    client = client_for(history.analyst)
    response = client.get(TRUST + "?export=xlsx&table=nope")
    assert response.status_code == 400
    assert "There is no table “nope” on this page" in response.text
    response = client.get(TRUST + "?export=pdf&table=attainment")
    assert response.status_code == 400 and "Export “pdf” is not available" in response.text


def test_a_trust_with_no_judgements_yet_says_so(cast, client_for):
    response = client_for(cast.analyst).get(TRUST)
    assert response.status_code == 200
    assert "No judgements have been recorded at your schools yet" in response.text


@pytest.mark.parametrize("who", ["analyst", "director"])
def test_trust_page_queries_are_pinned(history, client_for, django_assert_max_num_queries, who):
    client = client_for(getattr(history, who))
    # The first request builds the trust's frame (eight queries); completeness asks once per school.
    with django_assert_max_num_queries(28):
        assert client.get(TRUST).status_code == 200
    with django_assert_max_num_queries(19):  # later requests read the frame from the cache
        assert client.get(TRUST + "?subject=maths&group=sen").status_code == 200


def test_a_drop_named_with_its_year_says_the_year_once_on_every_dashboard(history, client_for):
    """The calendar names drops "Autumn 2026/27": no page may add the year again."""
    h = history
    label = h.current_drop.academic_year.label
    type(h.current_drop).objects.filter(pk=h.current_drop.pk).update(name=f"Autumn {label}")
    client = client_for(h.head)
    query = f"?drop={h.current_drop.slug}"
    pages = [
        TRUST + query,
        f"/dashboards/schools/{h.north.urn}/{query}",
        f"/dashboards/classes/{h.class_3b.pk}/{query}",
    ]
    for page in pages:
        text = client.get(page).text
        assert f"Autumn {label}" in text, page
        assert f"{label} {label}" not in text, page


# --- drops still being collected ----------------------------------------------------------------


def on_day(monkeypatch, day):
    """The dashboards' today (a drop's deadline is compared with it)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: day)


def test_the_trust_page_opens_on_the_latest_drop_whose_collection_is_finished(
    history, client_for, monkeypatch, django_assert_max_num_queries
):
    h = history
    on_day(monkeypatch, h.current_drop.deadline)  # the deadline day: still open
    client = client_for(h.analyst)
    response = client.get(TRUST)
    assert response.context["selection"].drop == h.drops["last_summer"]
    assert response.context["collecting"] is None and "still being collected:" not in response.text
    # the filter says which drop is still coming in
    assert f"{h.current_drop.title} (still being collected)</option>" in response.text

    # chosen on purpose: a caveat at the top, with completeness right after it
    with django_assert_max_num_queries(19):  # as pinned below: the completeness table gives the caveat
        response = client.get(TRUST + f"?drop={h.current_drop.slug}")
    assert response.context["selection"].drop == h.current_drop
    recorded = {r["school"]: (r["recorded"], r["expected"]) for r in rows(response, "completeness")}
    percent = round(100 * sum(r for r, _ in recorded.values()) / sum(e for _, e in recorded.values()))
    sentence = (
        f"{h.current_drop.title} is still being collected: 0 of 4 schools submitted, "
        f"{percent}% of judgements recorded; figures will change."
    )
    assert sentence in response.text
    text = response.text
    assert (
        text.index(sentence) < text.index('id="completeness-heading"') < text.index('id="attainment-heading"')
    )


def test_a_drop_every_school_has_submitted_or_whose_deadline_passed_is_finished(
    history, client_for, monkeypatch
):
    from strides.assessment.models import DropSchool, DropStatus
    from strides.assessment.services import transition

    h = history
    on_day(monkeypatch, h.current_drop.deadline + dt.timedelta(days=1))  # the deadline has passed
    response = client_for(h.analyst).get(TRUST)
    assert response.context["selection"].drop == h.current_drop and response.context["collecting"] is None
    text = response.text
    assert text.index('id="attainment-heading"') < text.index('id="completeness-heading"')

    on_day(monkeypatch, h.current_drop.deadline)
    parts = DropSchool.objects.filter(drop=h.current_drop).select_related("school")
    for part in parts:
        if part.school_id != h.north.pk:
            transition(h.analyst, part, DropStatus.LOCKED)
    # north still recording: the trust page waits for it, a river head's page does not
    assert client_for(h.analyst).get(TRUST).context["selection"].drop == h.drops["last_summer"]
    assert client_for(h.river_head).get(TRUST).context["selection"].drop == h.current_drop
    transition(h.head, parts.get(school=h.north), DropStatus.SUBMITTED)
    assert client_for(h.analyst).get(TRUST).context["selection"].drop == h.current_drop


def test_the_school_and_class_pages_say_their_drop_is_still_being_collected(
    history, client_for, monkeypatch, django_assert_max_num_queries
):
    h = history
    on_day(monkeypatch, h.current_drop.deadline)
    client = client_for(h.head)
    school = f"/dashboards/schools/{h.north.urn}/"
    assert client.get(school).context["selection"].drop == h.drops["last_summer"]
    # a warm page, + the drops being collected, + completeness (4), + the benchmark value added names
    with django_assert_max_num_queries(23):
        response = client.get(school + f"?drop={h.current_drop.slug}")
    sentence = (
        f"{h.current_drop.title} is still being collected: {h.north.name} has not submitted it yet, "
        "98% of its judgements recorded (41 of 42); figures will change."  # rex's writing is missing
    )
    assert sentence in response.text
    assert response.text.index(sentence) < response.text.index('id="attainment-heading"')

    page = f"/dashboards/classes/{h.class_3b.pk}/"
    assert client.get(page).context["selection"].drop == h.drops["last_summer"]
    response = client.get(page + f"?drop={h.current_drop.slug}")
    assert (
        f"{h.current_drop.title} is still being collected: {h.north.name} has not submitted" in response.text
    )


# --- page size --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "columns"),
    [
        ("disadvantaged", ["All pupils", "Disadvantaged", "Not disadvantaged"]),
        ("sex", ["All pupils", "Girls", "Boys"]),
        ("sen", ["All pupils", "No SEN", "SEN support", "EHC plan"]),
    ],
)
def test_the_heat_map_shows_the_chosen_group_only(history, client_for, group, columns):
    """Schools x every group made the large trust's page 1.5 MB: the heat map follows the filter."""
    h = history
    client = client_for(h.analyst)
    response = client.get(TRUST + f"?subject=maths&group={group}")
    heat = rows(response, "heat-map")
    north = [r["group"] for r in heat if r["school"] == h.north.name]
    assert north == [c for c in columns if c in north] and north[0] == "All pupils"
    assert {r["group"] for r in heat} == set(columns)
    spec = json.loads(chart_data(response, "heat-map"))
    assert {r["group"] for r in spec["data"]["values"]} == {r["group"] for r in heat}
    assert spec["layer"][0]["encoding"]["x"]["sort"] == columns
    assert "schools by group (" in response.context["tables"]["heat-map"].caption
    exported = sheet(client.get(TRUST + f"?subject=maths&group={group}&export=xlsx&table=heat-map"))
    assert len(exported) == len(heat) + 1


def test_a_schools_baseline_is_no_trust_pages_default(history, client_for, monkeypatch):
    """A new school's baseline is finished before the trust's autumn drop, but it is one school's:
    the trust page opens on the latest finished termly drop, the school's page on its baseline."""
    from strides.assessment.models import DropKind, DropSchool, DropStatus
    from strides.assessment.services import bulk_judgements as bulk
    from strides.assessment.services import create_drop, transition
    from strides.frameworks.models import Level, Subject

    h = history
    start = h.year.starts_on
    baseline = create_drop(
        h.analyst, h.trust, h.year, name="Baseline: Oakwood", term="autumn", kind=DropKind.BASELINE,
        opens_on=start + dt.timedelta(days=5), deadline=start + dt.timedelta(days=30), schools=[h.oak],
    )  # fmt: skip
    maths = Subject.objects.get(code="maths")
    level = Level.objects.get(framework__trust=None, framework__code="pre-key-stage", code="PK3")
    result = bulk.record_judgements(
        None, baseline, [bulk.JudgementRow(h.fay, maths, level)], reason="baseline", dry_run=False
    )
    assert result.committed
    transition(h.analyst, DropSchool.objects.get(drop=baseline, school=h.oak), DropStatus.LOCKED)
    on_day(monkeypatch, h.current_drop.deadline)
    client = client_for(h.analyst)
    assert client.get(TRUST).context["selection"].drop == h.drops["last_summer"]
    assert client.get(f"/dashboards/schools/{h.oak.urn}/").context["selection"].drop == baseline


# --- the similar-learner pool of the viewed drop's year --------------------------------------


@pytest.mark.parametrize("page", ["trust", "school", "class", "pupil"])
def test_percentiles_compare_with_the_pool_ending_in_the_viewed_drops_year(
    history, client_for, monkeypatch, page
):
    """Last summer's figures compare with the pool of the three years up to last year, not with a
    pool that already holds this year's progress."""
    from strides.dashboards.queries import AnalyticsView

    h = history
    asked: list[int | None] = []
    original = AnalyticsView.benchmark

    def spy(self, end_year=None):
        asked.append(end_year)
        return original(self, end_year=end_year)

    original_similar = AnalyticsView.similar

    def spy_similar(self, end_year=None):  # the trust and school pages: the pool and its composition
        asked.append(end_year)
        return original_similar(self, end_year=end_year)

    monkeypatch.setattr(AnalyticsView, "benchmark", spy)
    monkeypatch.setattr(AnalyticsView, "similar", spy_similar)
    summer = h.drops["last_summer"]
    path = {
        "trust": f"{TRUST}?drop={summer.slug}",
        "school": f"/dashboards/schools/{h.north.urn}/?drop={summer.slug}",
        "class": f"/dashboards/classes/{h.class_3b.pk}/?drop={summer.slug}",
        "pupil": f"/dashboards/pupils/{h.ida.pk}/",  # her latest judgements: this year's
    }[page]
    assert client_for(h.head if page != "trust" else h.analyst).get(path).status_code == 200
    expected = h.year.start_year if page == "pupil" else h.last_year.start_year
    assert asked and set(asked) == {expected}
