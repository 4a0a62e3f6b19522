"""One rule for reading judgements (issue 9 §1, ADR 11), held by every reader: the assessment API,
the class grid and its "was" column, the drop template, the drop export and the dashboards' rows.

A school's own staff read its judgements as they stand; anyone else who sees the pupil reads
another school's judgement as prior attainment (the level and its date, never the staff, the note
or the history), once that school has released the drop, and only of drops dated while the pupil
was with them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from strides.access.judgements import judgement_reach, visible_judgements
from strides.assessment.grid_queries import build_grid
from strides.assessment.models import DropSchool, DropStatus
from strides.assessment.services import create_drop, record_judgement, transition
from strides.assessment.sheets.export import export_rows
from strides.assessment.sheets.template import build_template
from strides.classes import services as classes
from strides.dashboards.frames import forget_observations
from strides.dashboards.queries import AnalyticsView
from strides.frameworks.models import Level, Subject
from strides.frameworks.services import ensure_common_scale
from strides.pupils import services as pupils
from strides.testing.api import api_client
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db

NORTH_STAFF = ("Hana", "Tom Teacher")


@pytest.fixture(autouse=True)
def fresh_frames():
    forget_observations()
    yield
    forget_observations()


def lvl(code: str) -> Level:
    return Level.objects.get(framework__code="nc-bands", framework__trust=None, code=code)


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def release(drop, school, by):
    transition(by, DropSchool.objects.get(drop=drop, school=school), DropStatus.SUBMITTED)


@pytest.fixture
def world(cast):
    """Two drops of north and river: September (before Mia left north for river) and December.
    Ava is on north's roll and, dual-registered, on river's. North judged Ava's reading in
    September (with a note) and in December; north judged Mia in September; river judged her in
    December. Nothing is released yet."""
    add_mover(cast)
    ensure_common_scale(cast.trust)
    year = cast.year
    cast.september = create_drop(
        cast.analyst, cast.trust, year, name="Entry", term="autumn",
        opens_on=year.starts_on, deadline=year.starts_on + dt.timedelta(days=20),
        schools=[cast.north, cast.river],
    )  # fmt: skip
    cast.december = create_drop(
        cast.analyst, cast.trust, year, name="Autumn", term="autumn",
        opens_on=year.starts_on + dt.timedelta(days=60), deadline=year.starts_on + dt.timedelta(days=110),
        schools=[cast.north, cast.river],
    )  # fmt: skip
    pupils.enrol(cast.river_head, cast.ava, cast.river, year.starts_on)
    reading = subject("reading")
    cast.ava_before = record_judgement(
        cast.teacher, cast.ava, reading, cast.september, cast.north, lvl("Y3 WTS"), expected_version=0,
        note="Needs phonics support",
    )  # fmt: skip
    cast.ava_now = record_judgement(
        cast.head, cast.ava, reading, cast.december, cast.north, lvl("Y3 EXS"), expected_version=0
    )
    cast.mia_before = record_judgement(
        cast.head, cast.mia, reading, cast.september, cast.north, lvl("Y6 EXS"), expected_version=0
    )
    cast.mia_now = record_judgement(
        cast.river_head, cast.mia, reading, cast.december, cast.river, lvl("Y6 GDS"), expected_version=0
    )
    cast.r3 = classes.create_group(None, cast.river, year, "R3", nc_year=3)
    classes.set_pupils(None, cast.r3, [cast.ava])
    return cast


def readable(user) -> dict[int, bool]:
    return dict(visible_judgements(user).values_list("pk", "shows_history"))


# --- the rule ----------------------------------------------------------------------------------


def test_another_school_s_judgement_is_read_once_released_and_without_its_history(world):
    w = world
    assert w.ava_now.pk not in readable(w.river_head)  # north's draft is north's
    assert readable(w.head)[w.ava_now.pk] is True and readable(w.teacher)[w.ava_now.pk] is True
    release(w.december, w.north, w.head)
    assert readable(w.river_head)[w.ava_now.pk] is False  # the level, not the people behind it
    assert readable(w.analyst)[w.ava_now.pk] is True


def test_a_receiving_school_reads_a_newcomer_s_prior_attainment_not_the_reverse(world):
    w = world
    release(w.september, w.north, w.head)
    release(w.december, w.river, w.river_head)
    river = readable(w.river_head)
    assert river[w.mia_before.pk] is False and river[w.mia_now.pk] is True
    north = readable(w.head)
    assert north[w.mia_before.pk] is True  # its own, of its leaver
    assert w.mia_now.pk not in north  # what her next school records is not north's business


# --- the readers -------------------------------------------------------------------------------


def api(user) -> APIClient:
    return api_client(user)


def test_the_api_shows_prior_attainment_without_staff_note_or_history(world):
    w = world
    release(w.september, w.north, w.head)
    rows = api(w.river_head).get(f"/api/v1/judgements/?pupil={w.mia.pk}").json()["results"]
    assert {(r["drop"], r["level"]["code"]) for r in rows} == {
        (w.september.slug, "Y6 EXS"),
        (w.december.slug, "Y6 GDS"),
    }
    detail = api(w.river_head).get(f"/api/v1/judgements/{w.mia_before.pk}/")
    body = detail.json()
    assert detail.status_code == 200 and body["school"]["urn"] == w.north.urn
    assert (body["recorded_by"], body["note"], body["revisions"]) == (None, "", [])
    ava = api(w.river_head).get(f"/api/v1/judgements/{w.ava_before.pk}/").content.decode()
    assert "phonics" not in ava and not any(name in ava for name in NORTH_STAFF)
    # north reads its own in full
    own = api(w.head).get(f"/api/v1/judgements/{w.ava_before.pk}/").json()
    assert own["note"] == "Needs phonics support" and own["revisions"][0]["changed_by"] == "Tom Teacher"


def grid_cell(user, drop, group, pupil, subject_code="reading"):
    part = DropSchool.objects.get(drop=drop, school=group.school)
    grid = build_grid(user, drop, group, part)
    [row] = [r for r in grid.rows if r.pupil.pk == pupil.pk]
    [cell] = [c for c in row.cells if c.subject.code == subject_code]
    return cell


def test_the_grid_and_its_was_column_show_another_school_s_values_only_once_released(world):
    w = world
    cell = grid_cell(w.river_head, w.december, w.r3, w.ava)
    assert (cell.code, cell.previous_code, cell.held_by) == ("", "", "")  # north's drafts
    release(w.september, w.north, w.head)
    release(w.december, w.north, w.head)
    cell = grid_cell(w.river_head, w.december, w.r3, w.ava)
    assert (cell.code, cell.previous_code) == ("Y3 EXS", "Y3 WTS")
    assert cell.held_by == "Northfield Primary" and not cell.editable  # north's: read-only here


def test_the_drop_template_shows_another_school_s_draft_to_no_one_else(world):
    w = world
    sheet = load_workbook(io.BytesIO(build_template(w.december, w.river, w.river_head)))["Judgements"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    [ava] = [row for row in values if row[0] == w.ava.upn]
    assert "Y3 EXS" not in ava and "Y3 WTS" not in ava  # north's draft, and its unreleased "was"
    north = load_workbook(io.BytesIO(build_template(w.december, w.north, w.head)))["Judgements"]
    assert any("Y3 EXS" in [c.value for c in row] for row in north.iter_rows(min_row=4))


def test_the_export_gives_prior_attainment_without_note_or_recorder(world):
    w = world
    release(w.september, w.north, w.head)
    header, *rows = list(export_rows(w.september, w.river_head))
    found = {(r[header.index("UPN")], r[header.index("Level")]) for r in rows}
    assert found == {(w.ava.upn, "Y3 WTS"), (w.mia.upn, "Y6 EXS")}
    for row in rows:
        assert row[header.index("Note")] == "" and row[header.index("Recorded by")] == ""
    _, *own = list(export_rows(w.september, w.head))
    assert {r[header.index("Note")] for r in own} >= {"Needs phonics support"}
    assert {r[header.index("Recorded by")] for r in own} >= {"Tom Teacher"}


def test_the_dashboards_rows_follow_the_same_rule(world):
    w = world
    release(w.september, w.north, w.head)
    release(w.december, w.river, w.river_head)
    river = AnalyticsView(w.river_head).pupil_observations(pupil_ids=[w.mia.pk])
    assert set(river.get_column("drop_id")) == {w.september.pk, w.december.pk}  # prior attainment too
    north = AnalyticsView(w.head).pupil_observations(pupil_ids=[w.mia.pk])
    assert set(north.get_column("drop_id")) == {w.september.pk}


def test_the_dashboards_and_the_queryset_agree_for_every_role(world):
    w = world
    release(w.september, w.north, w.head)
    for username, user in w.users.items():
        rows = AnalyticsView(user).pupil_observations()
        framed = set(rows.select("pupil_id", "subject", "drop_id").iter_rows()) if rows.height else set()
        queried = set(
            visible_judgements(user)
            .filter(point__isnull=False)
            .values_list("pupil_id", "subject__code", "drop_id")
        )
        assert framed == queried, username
        reach = judgement_reach(user)
        assert reach.everything == (username in {"admin", "analyst"}), username


def test_judgements_read_by_no_one_outside_stay_out_of_every_list(world):
    """Governors and directors read no judgement by name; a placing school none of another's."""
    w = world
    release(w.september, w.north, w.head)
    for user in (w.governor, w.director, w.placing):
        assert not visible_judgements(user).exists()
        assert AnalyticsView(user).pupil_observations().height == 0
