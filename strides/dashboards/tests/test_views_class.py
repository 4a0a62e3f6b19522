"""The class dashboard: who may open it, the last three drops with their movements, the flags in
words, the distribution, the drop filter, exports and query counts. Data: the ``history`` fixture
(strides/dashboards/tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from strides.dashboards.exports import XLSX_TYPE
from strides.dashboards.reasons import REASON_WORDS
from strides.dashboards.tests.conftest import fresh, refused_like_a_missing_one, with_query

EXPECTED = REASON_WORDS["not_making_expected_progress"]
FALLEN = REASON_WORDS["fallen_back"]
BOTTOM = REASON_WORDS["bottom_decile"]


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """Most tests look at this autumn's drop as a page's default, as they would once its deadline
    has passed; the tests of drops still being collected set the day themselves (``on_day``)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


def url(group, **params) -> str:
    return with_query(reverse("dashboards:class", kwargs={"group_id": group.pk}), **params)


def block(response, code: str):
    return next(b for b in response.context["blocks"] if b.subject.code == code)


def row_of(blk, pupil):
    return next(r for r in blk.rows if r.pupil.pk == pupil.pk)


# --- who may open it --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "ta", "head", "senior", "senco", "admin", "analyst", "eap"])
def test_the_class_staff_and_those_who_see_the_schools_pupils_open_it(history, client_for, who):
    response = client_for(getattr(history, who)).get(url(history.class_3t))
    assert response.status_code == 200
    names = {row.pupil.pk for row in block(response, "maths").rows}
    assert names == {
        p.pk
        for p in (history.ava, history.gus, history.hal, history.ida, history.jon, history.kai, history.lea)
    }


@pytest.mark.parametrize("who", ["other_teacher", "river_head", "governor", "director", "parent", "placing"])
def test_everyone_else_gets_404_like_a_missing_class(history, client_for, who):
    missing = reverse("dashboards:class", kwargs={"group_id": 987654321})
    refused_like_a_missing_one(client_for(getattr(history, who)), url(history.class_3t), missing)


def test_a_teacher_opens_only_their_own_class(history, client_for):
    client = client_for(history.teacher)
    assert client.get(url(history.class_3t)).status_code == 200
    assert client.get(url(history.class_3b)).status_code == 404  # same school, not theirs
    assert client.get(url(history.class_8r)).status_code == 404  # another school's


def test_anonymous_is_sent_to_sign_in(history, client):
    response = client.get(url(history.class_3t))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- what it shows ----------------------------------------------------------------------------


def test_last_three_drops_with_level_point_and_movement_in_words(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.class_3b))
    maths = block(response, "maths")
    assert [d.pk for d in maths.drops] == [h.drops[k].pk for k in ("last_spring", "last_summer", "autumn")]
    ola = row_of(maths, h.ola)  # 8, 9, 10, 9
    assert [(m.level, m.point, m.movement, m.previous) for m in ola.marks] == [
        ("Y2 EXS", 9, "up", 8),
        ("Y2 GDS", 10, "up", 9),
        ("Y2 EXS", 9, "down", 10),
    ]
    pip = row_of(maths, h.pip)
    assert [m.movement for m in pip.marks] == ["same", "same", "same"]
    ben = row_of(maths, h.ben)  # joined this year: this autumn only
    assert ben.marks[:2] == [None, None] and ben.marks[2].movement == "first"
    rex_writing = row_of(block(response, "writing"), h.rex)
    assert rex_writing.marks[2] is None  # missing from this autumn's drop
    page = response.content.decode()
    # words, not colour alone: the arrow is hidden from screen readers, the word is not
    assert (
        '<span aria-hidden="true">↓</span> down<span class="visually-hidden">, point before 10</span>' in page
    )
    assert '<span aria-hidden="true">→</span> same' in page
    assert "first judgement" in page and "no judgement" in page


def test_flags_from_needing_attention_in_plain_words(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.class_3b))
    maths = block(response, "maths")
    flagged = {row.pupil.pk: row.reasons for row in maths.rows if row.reasons}
    assert flagged == {
        h.max.pk: [EXPECTED],  # 8 -> 10 against an expected rise of 3
        h.ola.pk: [EXPECTED, FALLEN],  # 8 -> 9 over the year; 10 -> 9 since the summer
        h.pip.pk: [EXPECTED, BOTTOM],  # no gain: percentile 4.2
    }
    assert not any(row.reasons for code in ("reading", "writing") for row in block(response, code).rows)
    assert response.context["flagged_pupils"] == 3
    page = response.content.decode()
    assert "3 of 7 pupils</strong> have a flag" in page
    assert "3B: Maths in the last 3 drops: 3 pupils need attention" in page
    # each pupil links to their profile
    assert reverse("dashboards:pupil", kwargs={"pupil_id": h.pip.pk}) in page
    # 3T (taught by teacher): nobody is flagged
    other = client_for(h.teacher).get(url(h.class_3t))
    assert other.context["flagged_pupils"] == 0 and "No pupil has a flag" in other.content.decode()


def test_distribution_at_the_latest_drop_beside_its_table(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.class_3b))
    figure = response.context["figures"]["distribution"]
    maths = [(r["point_value"], r["n"], r["pct"]) for r in figure.table.rows if r["subject_code"] == "maths"]
    # this autumn: sky 12; nia, rex 11; ben, max 10; ola 9; pip 8 (7 pupils)
    assert maths == [(12, 1, 14.3), (11, 2, 28.6), (10, 2, 28.6), (9, 1, 14.3), (8, 1, 14.3)]
    assert figure.spec["title"] == "Where 3B's pupils are on the common scale"
    page = response.content.decode()
    assert 'id="chart-distribution"' in page and "NS12 Year 3" in page


def test_the_drop_filter_shows_the_class_as_it_stood_then(history, client_for):
    h = history
    summer = h.drops["last_summer"]
    response = client_for(h.head).get(url(h.class_3b, drop=summer.slug))
    assert response.status_code == 200
    maths = block(response, "maths")
    assert [d.pk for d in maths.drops] == [
        h.drops[k].pk for k in ("last_autumn", "last_spring", "last_summer")
    ]
    assert row_of(maths, h.ola).marks[2].point == 10
    # last summer nobody had a judgement a year before, and ola had not fallen back yet
    assert response.context["flagged_pupils"] == 0
    assert f"drop={summer.slug}&amp;export=xlsx&amp;table=recent-maths" in response.content.decode()


def test_last_years_class_shows_its_own_year(history, client_for):
    from strides.classes import services as classes

    h = history
    old = classes.create_group(None, h.north, h.last_year, "2B", nc_year=2)
    classes.set_pupils(None, old, [h.ola, h.pip])
    response = client_for(h.head).get(url(old))
    assert response.status_code == 200
    maths = block(response, "maths")
    assert [d.pk for d in maths.drops] == [
        h.drops[k].pk for k in ("last_autumn", "last_spring", "last_summer")
    ]
    assert [r.pupil.pk for r in maths.rows] == [h.ola.pk, h.pip.pk]
    assert response.context["selection"].drop.pk == h.drops["last_summer"].pk
    assert [d.pk for d in response.context["selection"].drops] == [d.pk for d in maths.drops]


def test_an_unknown_drop_is_named_and_the_latest_shown(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.class_3b, drop="no-such-drop"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "“no-such-drop”" in page
    assert "There is no such drop for this class" in page
    assert response.context["selection"].drop.pk == h.current_drop.pk


def test_a_class_with_no_judgements_says_so(history, client_for):
    from strides.classes import services as classes

    h = history
    empty = classes.create_group(None, h.north, h.year, "3X", nc_year=3)
    response = client_for(h.head).get(url(empty))
    assert response.status_code == 200
    assert "There are no pupils in 3X that you can see" in response.content.decode()
    classes.set_pupils(None, empty, [h.ava])
    h.current_drop.delete()  # ava's only judgements go with it
    response = client_for(h.head).get(url(empty))
    assert "No judgements have been recorded for 3X" in response.content.decode()


# --- exports ------------------------------------------------------------------------------------


def test_each_table_exports_as_xlsx_with_the_same_rows(history, client_for):
    h = history
    response = client_for(h.head).get(url(h.class_3b, export="xlsx", table="recent-maths"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content))["Figures"]
    rows = list(sheet.iter_rows(values_only=True))
    spring = h.drops["last_spring"].title
    assert rows[0][:4] == ("Pupil", f"{spring}: level", f"{spring}: common point", f"{spring}: movement")
    ola = next(r for r in rows if r[0] == "History, Ola")
    assert ola[-4:] == ("Y2 EXS", 9, "down from 10", f"{EXPECTED}; {FALLEN}")
    response = client_for(h.head).get(url(h.class_3b, export="xlsx", table="distribution"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE


def test_a_bad_export_request_says_what_was_wrong(history, client_for):
    response = client_for(history.head).get(url(history.class_3b, export="xlsx", table="nope"))
    assert response.status_code == 400
    assert "There is no table “nope” on this page" in response.content.decode()


# --- query counts -------------------------------------------------------------------------------


def test_query_count_is_pinned(history, client_for, django_assert_max_num_queries):
    """Session and user (2), scope (2), the class, its pupils, their readable enrolments, the data
    version for the rows and for the pool, the drops, subjects and scale points, the nav (1): the
    same for any number of pupils, the frames being set-based and cached per trust."""
    h = history
    client_for(h.head).get(url(h.class_3b))  # the trust's frame and pool are built once and cached
    for user, group in ((h.head, h.class_3b), (h.teacher, h.class_3t)):
        client = client_for(fresh(user))
        with django_assert_max_num_queries(13):
            assert client.get(url(group)).status_code == 200
