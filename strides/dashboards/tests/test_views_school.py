"""The school dashboard on the ``history`` fixture: year groups x subjects, gaps, trends, the pupils
needing attention (named for staff, counted and suppressed for governors and directors), 404 for
anyone outside the school, XLSX exports and pinned query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from strides.analytics.attention import BOTTOM_DECILE, FALLEN_BACK, NOT_MAKING_EXPECTED_PROGRESS
from strides.dashboards.frames import forget_observations
from strides.dashboards.reasons import REASON_WORDS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """Most tests look at this autumn's drop as a page's default, as they would once its deadline
    has passed; the tests of drops still being collected set the day themselves (``on_day``)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


TABLES = ("attainment", "groups", "gaps", "trend", "value-added", "attention")


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


def url(school, query: str = "") -> str:
    return f"/dashboards/schools/{school.urn}/" + (f"?{query}" if query else "")


def rows(response, table: str) -> list[dict]:
    return response.context["tables"][table].rows


def pupil_names(h) -> list[str]:
    return [p.display_name for p in (*h.north_now, h.cara, h.tia, h.uma, h.vic, h.fay, h.dev)]


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content))["Figures"].iter_rows(values_only=True))


@pytest.mark.parametrize("who", ["head", "senior", "senco", "subject_leader", "eap", "analyst"])
def test_staff_see_year_groups_and_the_pupils_needing_attention_by_name(history, client_for, who):
    h = history
    response = client_for(getattr(h, who)).get(url(h.north))
    assert response.status_code == 200
    assert set(response.context["tables"]) == set(TABLES)
    attainment = {(r["year"], r["subject"]): r for r in rows(response, "attainment")}
    assert set(attainment) == {("Year 3", "Reading"), ("Year 3", "Writing"), ("Year 3", "Maths")}
    # 3 of 14 at expected (ida, lea and sky at Y3 EXS): the expected point is the year's EXS at every term
    assert (attainment["Year 3", "Maths"]["n"], attainment["Year 3", "Maths"]["pct_at_expected"]) == (
        14,
        21.4,
    )
    attention = {r["pupil"]: r for r in rows(response, "attention")}
    assert set(attention) == {p.display_name for p in h.below_expected}
    ola = attention[h.ola.display_name]
    assert ola["pupil_url"] == f"/dashboards/pupils/{h.ola.pk}/"
    assert (ola["class"], ola["class_url"]) == ("3B", f"/dashboards/classes/{h.class_3b.pk}/")
    assert ola["reasons"] == f"{REASON_WORDS[NOT_MAKING_EXPECTED_PROGRESS]}; {REASON_WORDS[FALLEN_BACK]}"
    assert REASON_WORDS[BOTTOM_DECILE] in attention[h.pip.display_name]["reasons"]
    assert f'href="/dashboards/pupils/{h.pip.pk}/"' in response.text
    # the classes of the school, each linking to its class dashboard
    assert f'href="/dashboards/classes/{h.class_3t.pk}/"' in response.text


def test_no_bottom_10_percent_among_fewer_similar_learners_than_the_threshold(history, client_for, settings):
    """Pip is in the bottom tenth of 12 similar learners: with a threshold of 13 that cell is too
    small to compare with (as on the class page, the pupil page and the API), so he is flagged
    for his progress over the year only."""
    h = history
    settings.STRIDES_SMALL_GROUP_THRESHOLD = 13
    response = client_for(h.head).get(url(h.north))
    assert response.status_code == 200
    attention = {r["pupil"]: r for r in rows(response, "attention")}
    assert attention[h.pip.display_name]["reasons"] == REASON_WORDS[NOT_MAKING_EXPECTED_PROGRESS]
    assert all(REASON_WORDS[BOTTOM_DECILE] not in r["reasons"] for r in attention.values())


@pytest.mark.parametrize("who", ["governor", "director"])
def test_governors_and_directors_see_no_pupil_names_and_small_groups_suppressed(history, client_for, who):
    h = history
    client = client_for(getattr(h, who))
    response = client.get(url(h.north, "subject=maths&group=sen"))
    assert response.status_code == 200
    for name in pupil_names(h):
        assert name not in response.text
    assert f"/dashboards/pupils/{h.ola.pk}/" not in response.text
    assert "/dashboards/classes/" not in response.text
    assert "suppressed (fewer than 6)" in response.text
    # SEN support is 2 pupils in Year 3: suppressed, and "No SEN" with it (it is the total minus 2)
    groups = {r["group"]: r for r in rows(response, "groups")}
    assert groups["SEN support"]["suppressed"] and groups["SEN support"]["n"] is None
    assert groups["No SEN"]["suppressed"]
    # the pupils needing attention are counted, and three pupils are too few to show
    attention = rows(response, "attention")
    assert attention and all(r["suppressed"] and r["n"] is None for r in attention)
    exported = sheet(client.get(url(h.north, "export=xlsx&table=attention")))
    assert exported[0] == ("Subject", "Reason", "Pupils (n)")
    assert all(row[2] == "suppressed (fewer than 6)" for row in exported[1:])


@pytest.mark.parametrize("who", ["river_head", "other_teacher"])
def test_anyone_outside_the_school_gets_404(history, client_for, who):
    h = history
    client = client_for(getattr(h, who))
    assert client.get(url(h.north)).status_code == 404
    assert client.get(url(h.north, "export=xlsx&table=attention")).status_code == 404


def test_a_teacher_sees_their_classes_pupils_there_and_no_one_else(history, client_for):
    h = history
    response = client_for(h.teacher).get(url(h.north, "subject=maths"))
    assert response.status_code == 200
    assert "The figures are your own classes' pupils only." in response.text
    maths = next(r for r in rows(response, "attainment") if r["subject"] == "Maths")
    assert maths["n"] == 7
    assert rows(response, "attention") == []  # max, ola and pip are in 3B
    for pupil in (h.max, h.ola, h.pip):
        assert pupil.display_name not in response.text
    assert f"/dashboards/classes/{h.class_3b.pk}/" not in response.text


def test_a_school_that_does_not_exist_is_404_too(history, client_for):
    assert client_for(history.analyst).get("/dashboards/schools/999999/").status_code == 404


@pytest.mark.parametrize("who", ["ta", "parent"])
def test_people_without_aggregates_are_refused(history, client_for, who):
    # not found, as a school out of scope (ADR 2, amendment)
    assert client_for(getattr(history, who)).get(url(history.north)).status_code == 404


def test_gaps_and_groups_follow_the_filters(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.north, "subject=maths&group=disadvantaged"))
    gaps = rows(response, "gaps")
    # yes/no groups show the "yes" side: disadvantaged (6) against the other 8 of Year 3
    assert [(r["year"], r["group"], r["n"], r["n_other"]) for r in gaps] == [
        ("Year 3", "Disadvantaged", 6, 8)
    ]
    gap = gaps[0]
    assert gap["gap"] == pytest.approx(gap["value"] - gap["value_other"], abs=0.11)
    assert gap["ci_low"] < gap["gap"] < gap["ci_high"]
    groups = {r["group"]: r["n"] for r in rows(response, "groups")}
    assert groups == {"Disadvantaged": 6, "Not disadvantaged": 8}
    trend = [(r["drop"], r["n"]) for r in rows(response, "trend")]
    assert [drop for drop, _ in trend] == [
        f"Autumn {h.last_year.label}",
        f"Spring {h.last_year.label}",
        f"Summer {h.last_year.label}",
        f"Autumn {h.year.label}",
    ]
    assert trend[-1][1] == 14


def test_an_earlier_drop_shows_that_drop(history, client_for):
    h = history
    summer = h.drops["last_summer"]
    response = client_for(h.head).get(url(h.north, f"drop={summer.slug}"))
    assert response.context["selection"].drop == summer
    attainment = {r["subject"]: r for r in rows(response, "attainment")}
    assert {r["year"] for r in rows(response, "attainment")} == {"Year 2"}
    assert attainment["Maths"]["n"] == 12


def test_the_attention_list_exports_with_names_for_staff(history, client_for):
    h = history
    exported = sheet(client_for(h.head).get(url(h.north, "export=xlsx&table=attention")))
    assert exported[0] == ("Pupil", "Year group", "Class", "Subject", "Why")
    assert {row[0] for row in exported[1:]} == {p.display_name for p in h.below_expected}


def test_every_table_exports(history, client_for):
    h = history
    client = client_for(h.head)
    for name in TABLES:
        response = client.get(url(h.north, f"export=xlsx&table={name}"))
        assert f'filename="school-{h.north.urn}-{name}.xlsx"' in response["Content-Disposition"], name
        assert len(sheet(response)) > 1, name


def test_the_trust_page_links_each_school_to_its_dashboard_with_the_same_filters(history, client_for):
    h = history
    response = client_for(h.analyst).get("/dashboards/trust/?subject=maths&group=sex")
    link = f"/dashboards/schools/{h.north.urn}/?drop={h.current_drop.slug}&amp;subject=maths&amp;group=sex"
    assert link in response.text


# + 1 since value added names the benchmark it is compared with (strides.dashboards.own_pool): a
# page's figures are remembered per filters, so the warm request (other filters) asks too
@pytest.mark.parametrize(("who", "cold", "warm"), [("head", 26, 17), ("governor", 22, 13)])
def test_school_page_queries_are_pinned(history, client_for, django_assert_max_num_queries, who, cold, warm):
    client = client_for(getattr(history, who))
    with django_assert_max_num_queries(cold):  # the first request builds the trust's frame
        assert client.get(url(history.north)).status_code == 200
    with django_assert_max_num_queries(warm):
        assert client.get(url(history.north, "subject=maths&group=sex")).status_code == 200


@pytest.mark.parametrize("who", ["governor", "director"])
@pytest.mark.parametrize("group", ["sen", "disadvantaged", "eal", "sex", "ethnic_group"])
def test_aggregate_only_roles_see_groups_uncrossed_and_hidden_alike(history, client_for, who, group):
    """Year groups x groups would share its margins with the trust page's school x group rows and
    could not be protected without hiding figures shown there (ADR 9): people who see aggregates
    only get each group for the whole school, suppressed exactly as the trust page suppresses it."""
    h = history
    client = client_for(getattr(h, who))
    school_page = client.get(url(h.north, f"subject=maths&group={group}"))
    trust_page = client.get(f"/dashboards/trust/?subject=maths&group={group}")
    groups = rows(school_page, "groups")
    assert groups and {r["year"] for r in groups} == {"All year groups"}
    on_school_page = {r["group"]: (r["suppressed"], r["n"]) for r in groups}
    north = [r for r in rows(trust_page, "groups") if r["school_id"] == h.north.pk]
    on_trust_page = {r["group"]: (r["suppressed"], r["n"]) for r in north}
    assert on_school_page == on_trust_page
    assert {r["year"] for r in rows(school_page, "gaps")} <= {"All year groups"}


# --- classes of the drop's year (issue 8 §5) ---------------------------------------------------------


def test_a_drop_of_a_year_without_classes_says_there_were_none(history, client_for):
    """The page opened on last summer's drop showed no classes and nothing saying why: the school's
    classes are this year's. It lists the drop's year's classes, or says there were none."""
    h = history
    summer = h.drops["last_summer"]
    response = client_for(h.head).get(url(h.north, f"drop={summer.slug}"))
    year = summer.academic_year.label
    assert f"Classes in {year}</h2>" in response.text
    assert f"No classes were recorded at {h.north.name} in {year}" in response.text
    assert "/dashboards/classes/" not in response.text
    now = client_for(h.head).get(url(h.north))
    assert f"Classes in {h.current_drop.academic_year.label}</h2>" in now.text
    assert f'href="/dashboards/classes/{h.class_3t.pk}/"' in now.text


def test_a_pupil_needing_attention_in_no_class_that_year_says_so(history, client_for):
    """A pupil in no class of the drop's year read as a blank class name."""
    from strides.classes import services as classes

    h = history
    kept = [p for p in h.class_3b.pupils.all() if p.pk != h.ola.pk]
    classes.set_pupils(None, h.class_3b, kept)
    attention = {r["pupil"]: r for r in rows(client_for(h.head).get(url(h.north)), "attention")}
    ola = attention[h.ola.display_name]
    assert (ola["class"], ola["class_url"]) == (f"None in {h.current_drop.academic_year.label}", None)
