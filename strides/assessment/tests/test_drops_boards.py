"""The boards' reads: the trust board agrees with ``queries.completeness`` in a fixed number of
queries, the chase list says who to chase, and a school's board counts class by class."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strides.access.gate import scope_for
from strides.accounts import services as accounts
from strides.assessment import drop_boards as boards
from strides.assessment.completeness import completeness
from strides.assessment.models import DropSchool, DropStatus
from strides.assessment.services import create_drop, record_judgement, transition
from strides.classes import services as classes
from strides.classes.models import TeachingGroup
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType
from strides.pupils import services as pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def record(cast, drop, subjects, level, pupil, school, subject, code, user=None):
    return record_judgement(
        user or cast.analyst, pupil, subjects[subject], drop, school, level(code), expected_version=None
    )


def add_pupils(cast, school, count: int, nc_year: int, first_serial: int = 200):
    records = [
        pupils.PupilRecord(
            upn=make_upn(int(school.la_code), int(school.establishment_number), 21, first_serial + n),
            legal_forename=f"Extra{n}",
            legal_surname=f"Pupil{n:03d}",
            date_of_birth=dt.date(cast.today.year - 5 - nc_year, 1, 1),
            sex="F",
            characteristics={"nc_year": nc_year},
            enrolment_start=cast.year.starts_on,
        )
        for n in range(count)
    ]
    pupils.upsert_pupils(None, school, records, effective=cast.year.starts_on)


def part(drop, school):
    return DropSchool.objects.get(drop=drop, school=school)


# --- the trust board --------------------------------------------------------------------------


def test_the_trust_board_agrees_with_completeness(cast, drop, subjects, level):
    add_pupils(cast, cast.north, 3, 4)
    record(cast, drop, subjects, level, cast.ava, cast.north, "reading", "Y3 WTS")
    record(cast, drop, subjects, level, cast.ava, cast.north, "maths", "Y3 EXS")
    record(cast, drop, subjects, level, cast.cara, cast.river, "maths", "Y8 EXS")
    ids = [cast.north.pk, cast.river.pk]
    fast = {
        row.part.school_id: (row.expected, row.recorded, row.overdue)
        for row in boards.trust_board(cast.analyst, drop, ids)
    }
    slow = {
        row.part.school_id: (row.expected, row.recorded, row.overdue)
        for row in completeness(cast.analyst, drop, ids)
    }
    assert fast == slow == {cast.north.pk: (15, 2, False), cast.river.pk: (3, 1, False)}


def test_the_drops_year_groups_decide_who_is_expected(cast, subjects, level):
    add_pupils(cast, cast.north, 3, 4)
    year3 = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Year 3 only",
        term="autumn",
        opens_on=cast.year.starts_on,
        deadline=cast.year.starts_on + dt.timedelta(days=90),
        schools=[cast.north],
        nc_years=[3],
    )
    [row] = boards.trust_board(cast.analyst, year3, [cast.north.pk])
    assert (row.pupils, row.expected) == (2, 6)  # ava and ben, not the three in Year 4


def test_the_trust_board_takes_the_same_queries_for_many_schools(cast, drop, subjects, level):
    record(cast, drop, subjects, level, cast.ava, cast.north, "reading", "Y3 WTS")
    scope_for(cast.analyst)  # the scope is worked out once per request, before the board
    with CaptureQueriesContext(connection) as two:
        boards.trust_board(cast.analyst, drop, [cast.north.pk, cast.river.pk])
    more = [
        organisations.create_school(
            None,
            cast.trust,
            name=f"Extra {n}",
            urn=f"10010{n}",
            la_code="805",
            establishment_number=f"200{n}",
            school_type=SchoolType.PRIMARY,
            phase=Phase.PRIMARY,
        )
        for n in range(5)
    ]
    DropSchool.objects.bulk_create(DropSchool(drop=drop, school=school) for school in more)
    for school in more:
        add_pupils(cast, school, 2, 2, first_serial=300)
    with CaptureQueriesContext(connection) as seven:
        rows = boards.trust_board(cast.analyst, drop, [cast.north.pk, cast.river.pk, *(s.pk for s in more)])
    assert len(rows) == 7 and len(seven) == len(two) == 4


def test_overdue_means_past_the_deadline_and_not_submitted(cast, drop):
    after = drop.deadline + dt.timedelta(days=1)
    transition(cast.head, part(drop, cast.north), DropStatus.SUBMITTED)
    rows = {
        row.part.school_id: row
        for row in boards.trust_board(cast.analyst, drop, [cast.north.pk, cast.river.pk], after)
    }
    assert not rows[cast.north.pk].overdue and rows[cast.river.pk].overdue
    on_the_day = boards.trust_board(cast.analyst, drop, [cast.river.pk], drop.deadline)
    assert not on_the_day[0].overdue


# --- the chase list ---------------------------------------------------------------------------


def test_the_chase_list_names_the_schools_still_owing_overdue_first(cast, drop):
    cast.river_head.email = "rhea@riverside.example"
    cast.river_head.save()
    accounts.grant_role(None, cast.senior, "headteacher", cast.trust, cast.north)  # a co-head
    oak = DropSchool.objects.create(drop=drop, school=cast.oak)  # no head recorded
    transition(cast.analyst, oak, DropStatus.LOCKED)
    after = drop.deadline + dt.timedelta(days=3)
    rows = boards.trust_board(cast.analyst, drop, [cast.north.pk, cast.river.pk, cast.oak.pk], after)
    owing = [row for row in rows if row.chase]
    text = boards.chase_text(drop, owing, boards.heads_of(r.part.school_id for r in owing))
    lines = text.splitlines()
    assert lines[0].startswith("Autumn: due ")
    assert "Northfield Primary (URN 100001): OVERDUE, not started, 0 of 6 recorded" in text
    assert "Hana Head (no email address on record); Sam Senior (no email address on record)" in text
    assert (
        "Riverside Secondary (URN 100002): OVERDUE" in text and "Rhea Rivers <rhea@riverside.example>" in text
    )
    assert "Oakwood" not in text  # locked: nothing to chase
    assert lines[-1] == "To: rhea@riverside.example"


def test_no_chase_list_when_everyone_has_submitted(cast, drop):
    for school in (cast.north, cast.river):
        transition(cast.analyst, part(drop, school), DropStatus.LOCKED)
    rows = boards.trust_board(cast.analyst, drop, [cast.north.pk, cast.river.pk])
    assert boards.chase_text(drop, [r for r in rows if r.chase], {}) == ""


# --- a school, class by class -----------------------------------------------------------------


def test_a_schools_board_counts_each_class(cast, drop, subjects, level):
    record(cast, drop, subjects, level, cast.ava, cast.north, "reading", "Y3 WTS")
    record(cast, drop, subjects, level, cast.ava, cast.north, "writing", "Y3 WTS")
    record(cast, drop, subjects, level, cast.ben, cast.north, "maths", "Y3 EXS")
    add_pupils(cast, cast.north, 2, 4)  # in no class
    board = boards.school_board(
        cast.analyst, drop, cast.north.pk, TeachingGroup.objects.all(), whole_school=True
    )
    assert (board.total.pupils, board.total.expected, board.total.recorded) == (4, 12, 3)
    by_name = {(row.group.name if row.group else None): row for row in board.classes}
    assert (by_name["3T"].expected, by_name["3T"].recorded, by_name["3T"].missing) == (3, 2, 1)
    assert (by_name["3B"].expected, by_name["3B"].recorded) == (3, 1)
    assert (by_name[None].pupils, by_name[None].expected, by_name[None].recorded) == (2, 6, 0)
    assert [row.group.name if row.group else None for row in board.classes] == ["3B", "3T", None]


def test_a_teacher_sees_only_their_classes_and_no_unplaced_row(cast, drop):
    from strides.access.gate import visible_classes

    board = boards.school_board(
        cast.teacher, drop, cast.north.pk, visible_classes(cast.teacher), whole_school=False
    )
    assert [row.group.name for row in board.classes] == ["3T"]


def test_a_subject_class_counts_its_own_subject(cast, drop, subjects, level):
    maths = classes.create_group(None, cast.north, cast.year, "3 Maths", nc_year=3, subject="Maths")
    science = classes.create_group(None, cast.north, cast.year, "3 Science", nc_year=3, subject="Science")
    classes.set_pupils(None, maths, [cast.ava, cast.ben])
    classes.set_pupils(None, science, [cast.ava])
    record(cast, drop, subjects, level, cast.ava, cast.north, "maths", "Y3 WTS")
    record(cast, drop, subjects, level, cast.ava, cast.north, "reading", "Y3 WTS")
    board = boards.school_board(
        cast.analyst, drop, cast.north.pk, TeachingGroup.objects.all(), whole_school=True
    )
    rows = {row.group.name: row for row in board.classes}
    assert "3 Science" not in rows  # the drop does not collect science
    assert (rows["3 Maths"].subjects, rows["3 Maths"].expected, rows["3 Maths"].recorded) == (
        ("Maths",),
        2,
        1,
    )


def test_a_schools_board_takes_six_queries(cast, drop, django_assert_num_queries):
    scope_for(cast.analyst)  # the scope is worked out once per request, before the board
    with django_assert_num_queries(6):  # the school's phase says which subjects it owes
        boards.school_board(cast.analyst, drop, cast.north.pk, TeachingGroup.objects.all(), whole_school=True)
