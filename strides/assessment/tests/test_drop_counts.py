"""Every page counts the pupils a drop expects the same way (``queries.expected_pupil_ids``: on
the school's roll on the drop's date, in its NC years): a class outside the drop's year groups is
listed as not in this drop, never as "0 of 78" on one page and "0 of 0 (100%)" on another."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.assessment import drop_boards as boards
from strides.assessment.completeness import completeness
from strides.assessment.grid_queries import grid_classes
from strides.assessment.queries import expected_pupil_ids
from strides.assessment.services import create_drop
from strides.classes import services as classes
from strides.frameworks.services import ensure_common_scale
from strides.pupils import services as pupils
from strides.pupils.models import Enrolment, Pupil
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def add_pupils(cast, school, nc_year: int, n: int, serial: int) -> list[Pupil]:
    records = [
        pupils.PupilRecord(
            upn=make_upn(int(school.la_code), int(school.establishment_number), 22, serial + i),
            legal_forename=f"Child{i}",
            legal_surname=f"Year{nc_year}",
            date_of_birth=dt.date(cast.today.year - 5 - nc_year, 3, 1),
            sex="F",
            characteristics={"nc_year": nc_year},
            enrolment_start=cast.year.starts_on,
        )
        for i in range(n)
    ]
    pupils.upsert_pupils(None, school, records, effective=cast.year.starts_on)
    return list(Pupil.objects.filter(legal_surname=f"Year{nc_year}"))


@pytest.fixture
def years_1_to_11(cast):
    """A drop of Years 1-11 at north, which also has a Reception class of four and a leaver in 3T."""
    ensure_common_scale(cast.trust)
    drop = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Autumn",
        term="autumn",
        opens_on=cast.year.starts_on + dt.timedelta(days=60),
        deadline=cast.year.starts_on + dt.timedelta(days=110),
        schools=[cast.north],
        nc_years=list(range(1, 12)),
    )
    reception = classes.create_group(None, cast.north, cast.year, "Robins", nc_year=0)
    classes.set_pupils(None, reception, add_pupils(cast, cast.north, 0, 4, 300))
    leaver = add_pupils(cast, cast.north, 3, 1, 400)[0]
    classes.set_pupils(None, cast.class_3t, [cast.ava, leaver])
    # left before the drop's date: not expected, though still in the class list
    enrolment = Enrolment.objects.get(pupil=leaver, school=cast.north)
    pupils.end_enrolment(None, enrolment, drop.assessed_on - dt.timedelta(days=10), "transfer")
    return drop, reception


def test_the_class_list_counts_only_the_pupils_the_drop_expects(cast, years_1_to_11, client_for):
    drop, _ = years_1_to_11
    assert sorted(expected_pupil_ids(drop, cast.north.pk)) == sorted([cast.ava.pk, cast.ben.pk])
    [north] = grid_classes(cast.analyst, drop)
    rows = {row.group.name: row for row in north.classes}
    assert (rows["3T"].pupils, rows["3T"].expected) == (1, 3)  # the leaver is not counted
    assert (rows["Robins"].pupils, rows["Robins"].expected, rows["Robins"].in_drop) == (0, 0, False)
    html = client_for(cast.analyst).get(reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug}))
    page = html.content.decode()
    robins = page.split(">Robins<")[1].split("</tr>")[0]
    assert "Not in this drop" in robins and "of 12" not in robins and "0 of 0" not in robins


def test_the_school_board_lists_a_class_outside_the_drop_as_not_in_it(cast, years_1_to_11, client_for):
    drop, _ = years_1_to_11
    response = client_for(cast.head).get(
        reverse("assessment:school_board", kwargs={"drop_slug": drop.slug, "urn": cast.north.urn})
    )
    rows = {row.group.name: row for row in response.context["board"].classes if row.group}
    assert rows["Robins"].in_drop is False and rows["3T"].in_drop is True
    page = response.content.decode()
    robins = page.split(">Robins<")[1].split("</tr>")[0]
    assert "Not in this drop" in robins and "100%" not in robins


def test_the_boards_the_class_list_and_completeness_agree(cast, years_1_to_11):
    drop, _ = years_1_to_11
    expected = len(expected_pupil_ids(drop, cast.north.pk)) * drop.subjects.count()
    [north] = grid_classes(cast.analyst, drop)
    assert sum(row.expected for row in north.classes) == expected
    board = boards.school_board(cast.analyst, drop, cast.north.pk, classes_of(cast), True)
    assert board.total.expected == expected
    assert sum(row.expected for row in board.classes) == expected
    [part] = completeness(cast.analyst, drop, [cast.north.pk])
    assert part.expected == expected
    [trust_row] = boards.trust_board(cast.analyst, drop, [cast.north.pk])
    assert trust_row.expected == expected


def classes_of(cast):
    from strides.classes.models import TeachingGroup

    return TeachingGroup.objects.filter(school=cast.north)


def test_the_grid_counts_the_same_cells_as_its_class_list(cast, years_1_to_11, client_for):
    drop, reception = years_1_to_11
    client = client_for(cast.head)
    grid = client.get(
        reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": cast.class_3t.pk})
    )
    # Ava's three cells; the leaver is shown, not on roll on the drop's date, and not counted
    assert grid.context["grid"].cells_expected == 3
    assert "Not on roll" in grid.content.decode()
    robins = client.get(reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": reception.pk}))
    assert robins.context["grid"].cells_expected == 0
    assert "is in a year group" in robins.content.decode()
