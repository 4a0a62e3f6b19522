"""The drop pages: the trust board with its chase list, a school's board, every transition
through the UI and who may make it. Another school's user gets 404. The calendar and baselines
are in test_drop_calendar_views.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement
from strides.assessment.services import DropClosed, create_drop, record_judgement, transition
from strides.assessment.tests.drop_pages import (
    BASELINES,
    DEFAULTS,
    LIST,
    arrived_weeks_ago,
    main_of,
    new_school_with_pupil,
    shown_messages,
    status,
    text_of,
    transitions_audited,
    url,
)
from strides.organisations import services as organisations

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_drop(cast):
    """A drop whose deadline has passed, for north and river."""
    return create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Late",
        term="autumn",
        opens_on=cast.today - dt.timedelta(days=30),
        deadline=cast.today - dt.timedelta(days=2),
        schools=[cast.north, cast.river],
    )


# --- submit: the head, and only the head ------------------------------------------------------


def test_the_head_submits_after_a_confirmation_that_counts_whats_missing(
    cast, drop, client_for, subjects, level
):
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    client = client_for(cast.head)
    board = text_of(client.get(url("school_board", drop, cast.north)))
    assert url("drop_submit", drop, cast.north) in board
    confirm = client.get(url("drop_submit", drop, cast.north))
    page = text_of(confirm)
    assert "5 judgements are missing" in page and "3B: 3 missing" in page and "3T: 2 missing" in page
    assert "Submit with 5 missing" in page
    assert status(drop, cast.north) == DropStatus.IN_PROGRESS  # looking changes nothing
    response = client.post(url("drop_submit", drop, cast.north), follow=True)
    assert status(drop, cast.north) == DropStatus.SUBMITTED
    assert any("is submitted" in m for m in shown_messages(response))
    assert "Judgements can no longer be changed" in text_of(response)
    assert transitions_audited(drop, cast.north)[-1] == {"status": "submitted"}
    with pytest.raises(DropClosed):
        record_judgement(
            cast.teacher, cast.ava, subjects["writing"], drop, cast.north, level("Y3 WTS"), expected_version=0
        )


@pytest.mark.parametrize("name", ["teacher", "senior", "ta", "governor", "analyst", "eap"])
def test_no_one_but_the_head_may_submit(cast, drop, client_for, name):
    client = client_for(cast.users[name])
    assert client.post(url("drop_submit", drop, cast.north)).status_code in {403, 404}
    assert client.get(url("drop_submit", drop, cast.north)).status_code in {403, 404}
    assert status(drop, cast.north) == DropStatus.NOT_STARTED
    assert transitions_audited(drop, cast.north) == []


def test_a_teacher_sees_no_submit_button(cast, drop, client_for):
    page = text_of(client_for(cast.teacher).get(url("school_board", drop, cast.north)))
    assert url("drop_submit", drop, cast.north) not in page
    assert "Your classes" in page


def test_submitting_twice_is_a_message_not_a_500(cast, drop, client_for):
    client = client_for(cast.head)
    client.post(url("drop_submit", drop, cast.north))
    response = client.post(url("drop_submit", drop, cast.north), follow=True)
    assert response.status_code == 200
    assert any("cannot become submitted by the head" in m for m in shown_messages(response))
    assert "there is nothing to submit" in text_of(client.get(url("drop_submit", drop, cast.north)))
    assert len(transitions_audited(drop, cast.north)) == 1


# --- lock and reopen: the trust ---------------------------------------------------------------


def test_the_analyst_locks_and_reopens_with_a_reason_the_head_then_sees(cast, drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    analyst = client_for(cast.analyst)
    board = text_of(analyst.get(url("drop_detail", drop)))
    assert url("drop_lock", drop, cast.north) in board and url("drop_reopen", drop, cast.north) in board
    response = analyst.post(url("drop_lock", drop, cast.north), follow=True)
    assert status(drop, cast.north) == DropStatus.LOCKED
    assert response.redirect_chain[-1][0] == url("drop_detail", drop)
    assert any("is locked" in m for m in shown_messages(response))

    assert "Why is the drop being reopened?" in text_of(analyst.get(url("drop_reopen", drop, cast.north)))
    response = analyst.post(url("drop_reopen", drop, cast.north), {"reason": "  Year 3 maths to moderate  "})
    assert response.status_code == 302
    part = DropSchool.objects.get(drop=drop, school=cast.north)
    assert part.status == DropStatus.REOPENED and part.reopen_reason == "Year 3 maths to moderate"
    assert transitions_audited(drop, cast.north) == [
        {"status": "submitted"},
        {"status": "locked"},
        {"status": "reopened", "reason": "Year 3 maths to moderate"},
    ]
    head_page = text_of(client_for(cast.head).get(url("school_board", drop, cast.north)))
    assert "Reopened by the trust" in head_page and "Year 3 maths to moderate" in head_page
    assert url("drop_submit", drop, cast.north) in head_page  # the head can submit again


def test_a_reopen_needs_a_reason(cast, drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    response = client_for(cast.analyst).post(url("drop_reopen", drop, cast.north), {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the drop is being reopened" in text_of(response)
    assert status(drop, cast.north) == DropStatus.SUBMITTED


def test_reopening_a_drop_that_is_not_submitted_is_a_message(cast, drop, client_for):
    client = client_for(cast.analyst)
    assert "only a submitted or locked drop can be reopened" in text_of(
        client.get(url("drop_reopen", drop, cast.north))
    )
    response = client.post(url("drop_reopen", drop, cast.north), {"reason": "why not"}, follow=True)
    assert any("cannot become reopened" in m for m in shown_messages(response))
    assert status(drop, cast.north) == DropStatus.NOT_STARTED


def test_locking_from_the_school_board_returns_there(cast, drop, client_for):
    response = client_for(cast.analyst).post(url("drop_lock", drop, cast.north), {"back": "school"})
    assert response["Location"] == url("school_board", drop, cast.north)
    assert status(drop, cast.north) == DropStatus.LOCKED


@pytest.mark.parametrize("name", ["head", "senior", "teacher", "eap", "director", "governor"])
def test_no_one_but_the_trust_may_lock_or_reopen(cast, drop, client_for, name):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    client = client_for(cast.users[name])
    assert client.post(url("drop_lock", drop, cast.north)).status_code in {403, 404}
    assert client.post(url("drop_reopen", drop, cast.north), {"reason": "x"}).status_code in {403, 404}
    assert status(drop, cast.north) == DropStatus.SUBMITTED
    assert len(transitions_audited(drop, cast.north)) == 1


def test_the_trust_board_offers_no_actions_to_a_head(cast, drop, client_for):
    page = text_of(client_for(cast.head).get(url("drop_detail", drop)))
    assert "lock/" not in page and "reopen/" not in page and "Chase list" not in page


# --- the trust board ---------------------------------------------------------------------------


def test_the_board_counts_n_of_n_per_school(cast, drop, client_for, subjects, level):
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    page = text_of(client_for(cast.analyst).get(url("drop_detail", drop)))
    assert "1 of 6 recorded (17%)" in page and "0 of 3 recorded (0%)" in page
    assert '<progress class="progress" max="6" value="1"' in page
    assert "1 of 9" in page  # the trust's total


def test_overdue_schools_say_so_in_words(cast, past_drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=past_drop, school=cast.north), DropStatus.SUBMITTED)
    response = client_for(cast.analyst).get(url("drop_detail", past_drop))
    rows = {row.part.school.name: row for row in response.context["rows"]}
    assert rows["Riverside Secondary"].overdue and not rows["Northfield Primary"].overdue
    page = text_of(response)
    river_row = page.split("Riverside Secondary</a>")[1].split("</tr>")[0]
    north_row = page.split("Northfield Primary</a>")[1].split("</tr>")[0]
    assert "Overdue" in river_row and "Overdue" not in north_row


def test_the_chase_list_is_for_the_trusts_team(cast, past_drop, client_for):
    cast.river_head.email = "rhea@riverside.example"
    cast.river_head.save()
    page = text_of(client_for(cast.analyst).get(url("drop_detail", past_drop)))
    chase = page.split('<textarea id="chase-text" readonly')[1].split("</textarea>")[0]
    assert "Riverside Secondary (URN 100002): OVERDUE, not started, 0 of 3 recorded" in chase
    assert "Rhea Rivers &lt;rhea@riverside.example&gt;" in chase and "Hana Head" in chase
    assert 'data-copy="chase-text"' in page and "strides/drops.js" in page


@pytest.mark.parametrize("name", ["director", "governor", "head", "eap"])
def test_counts_without_names_for_everyone_else(cast, past_drop, client_for, name):
    page = main_of(client_for(cast.users[name]).get(url("drop_detail", past_drop)))
    assert "chase-text" not in page and "Hana Head" not in page and "Rhea Rivers" not in page


def test_a_governor_sees_their_school_and_a_director_the_trust(cast, drop, client_for):
    governor = client_for(cast.governor).get(url("drop_detail", drop))
    assert [r.part.school.name for r in governor.context["rows"]] == ["Northfield Primary"]
    director = client_for(cast.director).get(url("drop_detail", drop))
    assert [r.part.school.name for r in director.context["rows"]] == [
        "Northfield Primary",
        "Riverside Secondary",
    ]


# --- a school's board -------------------------------------------------------------------------


def test_the_head_sees_every_class_and_a_teacher_their_own(cast, drop, client_for):
    head = client_for(cast.head).get(url("school_board", drop, cast.north))
    assert [row.group.name for row in head.context["board"].classes] == ["3B", "3T"]
    teacher = client_for(cast.teacher).get(url("school_board", drop, cast.north))
    assert [row.group.name for row in teacher.context["board"].classes] == ["3T"]


def test_class_names_lead_to_the_grid_for_those_who_record(cast, drop, client_for):
    board = url("school_board", drop, cast.north)
    grid = reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": cast.class_3t.pk})
    assert grid in text_of(client_for(cast.teacher).get(board))
    officer = client_for(cast.eap).get(board)  # sees north's classes, records nothing
    assert [row.group.name for row in officer.context["board"].classes] == ["3B", "3T"]
    assert grid not in text_of(officer)


def test_a_governor_sees_the_schools_total_but_no_class(cast, drop, client_for):
    response = client_for(cast.governor).get(url("school_board", drop, cast.north))
    assert response.status_code == 200 and response.context["board"].classes == []
    assert "0 of 6 judgements recorded" in text_of(response)


# --- another school's people get 404 ----------------------------------------------------------


@pytest.mark.parametrize("name", ["river_head", "other_teacher"])
def test_another_schools_board_is_not_found(cast, drop, client_for, name):
    client = client_for(cast.users[name])
    assert client.get(url("school_board", drop, cast.north)).status_code == 404
    assert client.get(url("school_board", drop, cast.river)).status_code == 200


def test_another_schools_submit_is_not_found(cast, drop, client_for):
    client = client_for(cast.river_head)
    assert client.get(url("drop_submit", drop, cast.north)).status_code == 404
    assert client.post(url("drop_submit", drop, cast.north)).status_code == 404
    assert status(drop, cast.north) == DropStatus.NOT_STARTED


def test_a_drop_without_the_users_school_is_not_found(cast, client_for):
    north_only = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="North only",
        term="spring",
        opens_on=cast.today,
        deadline=cast.today + dt.timedelta(days=20),
        schools=[cast.north],
    )
    client = client_for(cast.river_head)
    assert client.get(url("drop_detail", north_only)).status_code == 404
    assert client.get(url("school_board", north_only, cast.river)).status_code == 404
    assert north_only.name not in text_of(client.get(LIST))
    assert client_for(cast.head).get(url("drop_detail", north_only)).status_code == 200


def test_a_missing_drop_and_school_are_not_found(cast, drop, client_for):
    client = client_for(cast.analyst)
    assert (
        client.get(reverse("assessment:drop_detail", kwargs={"drop_slug": "no-such-drop"})).status_code == 404
    )
    missing_school = reverse("assessment:school_board", kwargs={"drop_slug": drop.slug, "urn": "999999"})
    assert client.get(missing_school).status_code == 404
    assert client.get(url("school_board", drop, cast.oak)).status_code == 404  # not in the drop


# --- query counts -------------------------------------------------------------------------------


def test_the_trust_board_is_a_fixed_number_of_queries(
    cast, past_drop, client_for, django_assert_max_num_queries
):
    client = client_for(cast.analyst)
    client.get(url("drop_detail", past_drop))  # warm the session
    with django_assert_max_num_queries(15):
        assert client.get(url("drop_detail", past_drop)).status_code == 200
    for school in (cast.oak, cast.bridge):
        DropSchool.objects.create(drop=past_drop, school=school)
    with django_assert_max_num_queries(15):
        assert client.get(url("drop_detail", past_drop)).status_code == 200


def test_the_school_board_is_a_fixed_number_of_queries(cast, drop, client_for, django_assert_max_num_queries):
    from strides.classes import services as classes

    client = client_for(cast.head)
    client.get(url("school_board", drop, cast.north))
    with django_assert_max_num_queries(15):
        assert client.get(url("school_board", drop, cast.north)).status_code == 200
    for n in range(4):
        group = classes.create_group(None, cast.north, cast.year, f"4{n}", nc_year=4)
        classes.set_pupils(None, group, [cast.ava])
    with django_assert_max_num_queries(15):
        assert client.get(url("school_board", drop, cast.north)).status_code == 200


def test_the_list_is_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    from strides.assessment import calendar

    calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    client = client_for(cast.analyst)
    client.get(LIST)
    with django_assert_max_num_queries(15):
        assert len(client.get(LIST, {"year": ""}).context["rows"]) == 3
    next_year = organisations.ensure_academic_year(None, cast.trust, cast.year.start_year + 1)
    calendar.create_default_drops(cast.analyst, cast.trust, next_year)
    with django_assert_max_num_queries(15):
        assert len(client.get(LIST, {"year": ""}).context["rows"]) == 6


def test_the_baselines_page_is_a_fixed_number_of_queries(
    cast, client_for, django_assert_max_num_queries, drop
):
    arrived_weeks_ago(8)
    client = client_for(cast.analyst)
    client.get(BASELINES)
    with django_assert_max_num_queries(14):
        response = client.get(BASELINES)
    assert response.context["count"] == 5  # ava, ben, cara, fay, dev: every pupil on roll
    new_school_with_pupil(cast, cast.today - dt.timedelta(days=60))
    with django_assert_max_num_queries(14):
        response = client.get(BASELINES)
    assert response.context["count"] == 6


def test_judgements_are_kept_when_a_school_is_reopened(cast, drop, client_for, subjects, level):
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    client_for(cast.head).post(url("drop_submit", drop, cast.north))
    client_for(cast.analyst).post(url("drop_reopen", drop, cast.north), {"reason": "one more pupil"})
    j = record_judgement(
        cast.teacher, cast.ava, subjects["writing"], drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    assert j.pk and Judgement.objects.filter(drop=drop).count() == 2


def test_odd_addresses_are_answered_not_a_500(cast, drop, client_for):
    client = client_for(cast.analyst)
    assert client.get(LIST, {"year": "abc"}).status_code == 200
    assert client.get(LIST, {"year": "987654"}).status_code == 200
    assert client.get(BASELINES, {"page": "zzz"}).status_code == 200
    assert (
        client.get(url("drop_reopen", drop, cast.north), {"back": "https://evil.example"}).status_code == 200
    )
    response = client.post(DEFAULTS, {"academic_year": "abc"}, follow=True)
    assert response.status_code == 200 and not DataDrop.objects.exclude(pk=drop.pk).exists()
