"""The drop pages: the calendar, the trust board with its chase list, a school's board, every
transition through the UI and who may make it, baselines. Another school's user gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.assessment.models import DataDrop, DropKind, DropSchool, DropStatus, Judgement
from strides.assessment.services import DropClosed, create_drop, record_judgement, transition
from strides.audit.models import AuditEntry
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType
from strides.pupils import services as pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

LIST = reverse("assessment:drop_list")
CREATE = reverse("assessment:drop_create")
DEFAULTS = reverse("assessment:drop_create_defaults")
BASELINES = reverse("assessment:baselines")


def url(name: str, drop: DataDrop, school=None) -> str:
    kwargs = {"drop_slug": drop.slug}
    if school is not None:
        kwargs["urn"] = school.urn
    return reverse(f"assessment:{name}", kwargs=kwargs)


def status(drop, school) -> str:
    return DropSchool.objects.get(drop=drop, school=school).status


def transitions_audited(drop, school) -> list[dict]:
    part = DropSchool.objects.get(drop=drop, school=school)
    return [
        entry.after
        for entry in AuditEntry.objects.filter(
            object_type="assessment.DropSchool", object_id=str(part.pk)
        ).order_by("at", "id")
    ]


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def text_of(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    """The page's own content, without the header (which names the signed-in user)."""
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def new_school_with_pupil(cast, joined: dt.date):
    school = organisations.create_school(
        None,
        cast.trust,
        name="Newbridge Primary",
        urn="100020",
        la_code="804",
        establishment_number="2020",
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
        joined_trust_on=joined,
    )
    record = pupils.PupilRecord(
        upn=make_upn(804, 2020, 21, 1),
        legal_forename="Nell",
        legal_surname="Newman",
        date_of_birth=dt.date(cast.today.year - 9, 1, 1),
        sex="F",
        characteristics={"nc_year": 4},
        enrolment_start=joined,
    )
    pupils.upsert_pupils(None, school, [record], effective=joined)
    return school


def arrived_weeks_ago(weeks: int) -> dt.date:
    """Every pupil on roll arrived ``weeks`` ago (whatever day the tests run)."""
    from strides.pupils.models import Enrolment

    arrived = dt.date.today() - dt.timedelta(weeks=weeks)
    Enrolment.objects.filter(end_date__isnull=True).update(start_date=arrived)
    return arrived


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


# --- the calendar -----------------------------------------------------------------------------


def test_the_list_shows_the_years_drops_and_the_tools_to_the_team(cast, drop, client_for):
    page = text_of(client_for(cast.analyst).get(LIST))
    assert drop.name in page and CREATE in page and DEFAULTS in page
    head_page = text_of(client_for(cast.head).get(LIST))
    assert drop.name in head_page and CREATE not in head_page and DEFAULTS not in head_page
    assert url("school_board", drop, cast.north) in head_page  # straight to their school


def test_the_list_filters_by_year(cast, drop, client_for):
    next_year = organisations.ensure_academic_year(None, cast.trust, cast.year.start_year + 1)
    later = create_drop(
        cast.analyst,
        cast.trust,
        next_year,
        name="Later",
        term="autumn",
        opens_on=next_year.starts_on,
        deadline=next_year.starts_on + dt.timedelta(days=30),
    )
    client = client_for(cast.analyst)
    this_year = text_of(client.get(LIST, {"year": cast.year.pk}))
    assert drop.name in this_year and later.name not in this_year
    every = text_of(client.get(LIST, {"year": ""}))
    assert "Later" in every and "Autumn" in every


def test_the_analyst_creates_a_drop(cast, client_for, subjects):
    opens = cast.year.starts_on + dt.timedelta(days=100)
    response = client_for(cast.analyst).post(
        CREATE,
        {
            "academic_year": cast.year.pk,
            "name": "Spring check",
            "term": "spring",
            "opens_on": opens.isoformat(),
            "deadline": (opens + dt.timedelta(days=14)).isoformat(),
            "assessed_on": "",
            "subjects": [subjects["reading"].pk, subjects["maths"].pk],
            "schools": [cast.north.pk, cast.oak.pk],
            "nc_years": ["3", "4"],
        },
    )
    drop = DataDrop.objects.get(name="Spring check")
    assert response["Location"] == url("drop_detail", drop)
    assert drop.assessed_on == opens + dt.timedelta(days=14) and drop.nc_years == [3, 4]
    assert {s.code for s in drop.subjects.all()} == {"reading", "maths"}
    assert set(drop.school_parts.values_list("school__urn", flat=True)) == {"100001", "100003"}
    assert AuditEntry.objects.filter(object_type="assessment.DataDrop", object_id=str(drop.pk)).exists()


def test_the_form_starts_with_the_core_subjects_every_school_and_year(cast, client_for, subjects):
    form = client_for(cast.analyst).get(CREATE).context["form"]
    assert {s.code for s in form.initial["subjects"]} == {"reading", "writing", "maths"}
    assert len(form.initial["schools"]) == 4 and len(form.initial["nc_years"]) == 17
    assert form.fields["schools"].queryset.filter(urn="100009").count() == 0  # hillside is outside


def test_every_year_ticked_means_all_years(cast, client_for, subjects):
    data = {
        "academic_year": cast.year.pk,
        "name": "All years",
        "term": "autumn",
        "opens_on": cast.year.starts_on.isoformat(),
        "deadline": (cast.year.starts_on + dt.timedelta(days=9)).isoformat(),
        "subjects": [subjects["reading"].pk],
        "schools": [cast.north.pk],
        "nc_years": [str(n) for n in (-2, -1, *range(15))],
    }
    client_for(cast.analyst).post(CREATE, data)
    assert DataDrop.objects.get(name="All years").nc_years == []


def test_bad_dates_are_explained_and_nothing_is_made(cast, client_for, subjects):
    start = cast.year.starts_on
    response = client_for(cast.analyst).post(
        CREATE,
        {
            "academic_year": cast.year.pk,
            "name": "Backwards",
            "term": "autumn",
            "opens_on": (start + dt.timedelta(days=30)).isoformat(),
            "deadline": (start + dt.timedelta(days=10)).isoformat(),
            "subjects": [subjects["reading"].pk],
            "schools": [cast.north.pk],
            "nc_years": ["3"],
        },
    )
    assert response.status_code == 200
    page = text_of(response)
    assert f"The deadline {start + dt.timedelta(days=10):%d/%m/%Y} is before the drop opens" in page
    assert not DataDrop.objects.exists()


def test_a_taken_name_is_refused_on_the_form(cast, drop, client_for, subjects):
    response = client_for(cast.analyst).post(
        CREATE,
        {
            "academic_year": cast.year.pk,
            "name": "Autumn",
            "term": "autumn",
            "opens_on": drop.opens_on.isoformat(),
            "deadline": drop.deadline.isoformat(),
            "subjects": [subjects["reading"].pk],
            "schools": [cast.north.pk],
            "nc_years": ["3"],
        },
    )
    assert response.status_code == 200 and "already exists" in text_of(response)
    assert DataDrop.objects.count() == 1


def test_nothing_ticked_is_explained(cast, client_for):
    response = client_for(cast.analyst).post(
        CREATE,
        {"academic_year": cast.year.pk, "name": "Empty", "term": "autumn", "opens_on": "", "deadline": ""},
    )
    page = text_of(response)
    for message in (
        "Choose at least one subject.",
        "Choose at least one school.",
        "Choose at least one year group.",
    ):
        assert message in page
    assert 'href="#id_subjects_0"' in page  # the summary links to the first box
    assert not DataDrop.objects.exists()


@pytest.mark.parametrize("name", ["head", "teacher", "director"])
def test_only_the_team_creates_drops(cast, client_for, name):
    client = client_for(cast.users[name])
    assert client.get(CREATE).status_code == 403
    assert client.post(DEFAULTS, {"academic_year": cast.year.pk}).status_code == 403
    assert not DataDrop.objects.exists()


def test_one_click_makes_the_three_drops_and_a_second_click_says_so(cast, client_for):
    client = client_for(cast.analyst)
    response = client.post(DEFAULTS, {"academic_year": cast.year.pk}, follow=True)
    assert DataDrop.objects.filter(academic_year=cast.year, kind=DropKind.TERMLY).count() == 3
    assert any(m.startswith(f"Made Autumn {cast.year.label}, Spring") for m in shown_messages(response))
    again = client.post(DEFAULTS, {"academic_year": cast.year.pk}, follow=True)
    assert any("already has its autumn, spring and summer drops" in m for m in shown_messages(again))
    assert DataDrop.objects.count() == 3


def test_the_defaults_refuse_another_trusts_year(cast, client_for):
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    year = organisations.ensure_academic_year(None, other, cast.year.start_year)
    response = client_for(cast.analyst).post(DEFAULTS, {"academic_year": year.pk}, follow=True)
    assert any("not one of the trust's" in m for m in shown_messages(response))
    assert not DataDrop.objects.exists()


# --- baselines ----------------------------------------------------------------------------------


def test_overdue_baselines_are_listed_with_the_subjects_missing(cast, client_for, subjects, level, drop):
    ava_arrived = arrived_weeks_ago(7)
    new_school_with_pupil(cast, cast.today - dt.timedelta(days=60))
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    response = client_for(cast.analyst).get(BASELINES)
    rows = {(r["pupil"].display_name, r["school"].name): r for r in response.context["page"].object_list}
    nell = rows[("Nell Newman", "Newbridge Primary")]
    assert nell["subjects"] == "Reading, Writing, Maths"
    assert nell["due"] == cast.today - dt.timedelta(days=60) + dt.timedelta(weeks=6)
    # ava's reading baseline is recorded, not the others
    assert rows[("Ava Archer", "Northfield Primary")]["subjects"] == "Writing, Maths"
    assert rows[("Ava Archer", "Northfield Primary")]["due"] == ava_arrived + dt.timedelta(weeks=6)


def test_a_teacher_sees_only_their_own_pupils_baselines(cast, client_for, drop):
    arrived_weeks_ago(8)  # no judgement yet: every baseline the drop collects is overdue
    teacher = client_for(cast.teacher).get(BASELINES)
    names = [r["pupil"].display_name for r in teacher.context["page"].object_list]
    assert names == ["Ava Archer"]
    head = client_for(cast.head).get(BASELINES)
    assert sorted(r["pupil"].display_name for r in head.context["page"].object_list) == [
        "Ava Archer",
        "Ben Baker",
    ]
    river = client_for(cast.river_head).get(BASELINES)
    assert "Ava Archer" not in text_of(river)


def test_the_analyst_makes_a_new_schools_baseline_drop(cast, client_for):
    newbridge = new_school_with_pupil(cast, cast.today - dt.timedelta(days=20))
    client = client_for(cast.analyst)
    create = reverse("assessment:baseline_drop_create", kwargs={"urn": newbridge.urn})
    assert create in text_of(client.get(BASELINES))
    response = client.post(create)
    drop = DataDrop.objects.get(kind=DropKind.BASELINE)
    assert response["Location"] == url("drop_detail", drop)
    assert list(drop.school_parts.values_list("school__urn", flat=True)) == ["100020"]
    assert drop.deadline == newbridge.joined_trust_on + dt.timedelta(weeks=6)
    assert create not in text_of(client.get(BASELINES))  # done: no second button
    again = client.post(create, follow=True)
    assert any("already has a baseline drop" in m for m in shown_messages(again))
    assert DataDrop.objects.count() == 1


def test_no_baseline_drop_for_a_school_of_long_standing(cast, client_for):
    create = reverse("assessment:baseline_drop_create", kwargs={"urn": cast.north.urn})
    response = client_for(cast.analyst).post(create, follow=True)
    assert any("joined within the last year" in m for m in shown_messages(response))
    assert not DataDrop.objects.exists()


@pytest.mark.parametrize("name", ["head", "teacher", "eap"])
def test_only_the_team_makes_baseline_drops(cast, client_for, name):
    newbridge = new_school_with_pupil(cast, cast.today - dt.timedelta(days=20))
    create = reverse("assessment:baseline_drop_create", kwargs={"urn": newbridge.urn})
    assert client_for(cast.users[name]).post(create).status_code in {403, 404}
    assert create not in text_of(client_for(cast.head).get(BASELINES))
    assert not DataDrop.objects.exists()


def test_baselines_need_the_right_to_record(cast, client_for):
    for name in ("governor", "director", "eap", "parent"):
        assert client_for(cast.users[name]).get(BASELINES).status_code == 404  # pupils' baselines: ADR 2


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
