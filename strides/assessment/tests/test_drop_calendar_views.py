"""The drop pages of the calendar (the year's drops, making one, the defaults) and of baselines
(who is overdue one, the baseline drop for a new school), and who may use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.assessment.models import DataDrop, DropKind
from strides.assessment.services import create_drop, record_judgement
from strides.assessment.tests.drop_pages import (
    BASELINES,
    CREATE,
    DEFAULTS,
    LIST,
    arrived_weeks_ago,
    new_school_with_pupil,
    shown_messages,
    text_of,
    url,
)
from strides.audit.models import AuditEntry
from strides.organisations import services as organisations

pytestmark = pytest.mark.django_db


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
