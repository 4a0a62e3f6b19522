"""A pupil on two schools' rolls (issue 9 §1, ADR 11): the judgement belongs to the school that
recorded it. The other school may not overwrite or withdraw it, whichever way it writes (the
service, the grid's batch, the API, a spreadsheet import, the command line), and its refusal names
the pupil, the subject and the school holding the judgement, never the staff or the history."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token
from strides.assessment.models import DropSchool, DropStatus, Judgement
from strides.assessment.services import HeldElsewhere, record_judgement, transition
from strides.assessment.services.bulk_judgements import JudgementRow, record_judgements
from strides.assessment.services.withdrawals import withdraw_judgement
from strides.assessment.sheets.importer import import_drop_file
from strides.classes import services as classes
from strides.imports.tests.helpers import csv_bytes
from strides.pupils import services as pupils

pytestmark = pytest.mark.django_db

STAFF_NAMES = ("Hana", "Head", "Tom", "Teacher")  # north's head and teacher, who recorded it


@pytest.fixture
def dual(cast, drop, subjects, level):
    """Ava, on north's roll, also registered at river; north's head, then its teacher, judged her
    reading (version 2)."""
    pupils.enrol(cast.river_head, cast.ava, cast.river, cast.year.starts_on)
    record_judgement(
        cast.head, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    return record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=1
    )


def assert_unchanged(judgement):
    now = Judgement.history.get(pk=judgement.pk)
    assert (now.school_id, now.level.code, now.version, now.withdrawn_at) == (
        judgement.school_id,
        "Y3 EXS",
        2,
        None,
    )


def assert_refusal(message):
    assert "Ava" in message and "Reading" in message and "Northfield Primary" in message, message
    assert not any(name in message for name in STAFF_NAMES), message


def test_the_service_refuses_another_school_s_save_naming_the_holder(cast, drop, subjects, level, dual):
    with pytest.raises(HeldElsewhere) as refused:
        record_judgement(
            cast.river_head, cast.ava, subjects["reading"], drop, cast.river, level("Y3 GDS"),
            expected_version=2,
        )  # fmt: skip
    assert_refusal(str(refused.value))
    assert_unchanged(dual)
    # the level it already holds is refused too (it was returned as "saved, unchanged")
    with pytest.raises(HeldElsewhere):
        record_judgement(
            cast.river_head, cast.ava, subjects["reading"], drop, cast.river, level("Y3 EXS"),
            expected_version=1,
        )  # fmt: skip


def test_the_owning_school_still_records_over_it(cast, drop, subjects, level, dual):
    saved = record_judgement(
        cast.head, cast.ava, subjects["reading"], drop, cast.north, level("Y3 GDS"), expected_version=2
    )
    assert (saved.school_id, saved.version) == (cast.north.pk, 3)


def test_another_school_cannot_withdraw_it(cast, dual):
    with pytest.raises(HeldElsewhere) as refused:
        withdraw_judgement(cast.river_head, dual, expected_version=2, reason="not ours")
    assert_refusal(str(refused.value))
    assert_unchanged(dual)


def test_the_grid_batch_refuses_another_school_s_cell(cast, drop, dual, client_for):
    group = classes.create_group(None, cast.river, cast.year, "R3", nc_year=3)
    classes.set_pupils(None, group, [cast.ava])
    client = client_for(cast.river_head)
    url = reverse("assessment:grid_save_batch", kwargs={"drop_slug": drop.slug, "group_id": group.pk})
    cells = [{"pupil": cast.ava.pk, "subject": "reading", "value": "Y3 GDS", "version": 2}]
    response = client.post(url, json.dumps({"cells": cells}), "application/json")
    [result] = response.json()["results"]
    assert result["status"] == "refused"
    assert_refusal(result["message"])
    assert not any(name in response.content.decode() for name in STAFF_NAMES)
    assert_unchanged(dual)


def test_the_api_refuses_another_school_s_save_without_its_history(cast, drop, dual):
    _, secret = create_api_token(None, cast.river_head, "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {
        "pupil": cast.ava.pk, "subject": "reading", "drop": drop.slug, "level": "Y3 GDS",
        "version": 2, "school": cast.river.urn,
    }  # fmt: skip
    response = api.post("/api/v1/judgements/", body, format="json")
    assert response.status_code == 403, response.content
    text = response.content.decode()
    assert_refusal(response.json()["detail"])
    assert "revisions" not in text and not any(name in text for name in STAFF_NAMES)
    assert_unchanged(dual)
    # released (submitted), north's judgement is river's to read as prior attainment, not to change
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    put = api.put(f"/api/v1/judgements/{dual.pk}/", {"level": "Y3 GDS", "version": 2}, format="json")
    assert put.status_code == 403, put.content
    assert_refusal(put.json()["detail"])
    assert_unchanged(dual)


def test_an_import_refuses_another_school_s_cell(cast, drop, dual):
    rows = [["UPN", "Reading"], [cast.ava.upn, "Y3 GDS"]]
    report, _ = import_drop_file(
        csv_bytes(rows), drop=drop, actor=cast.river_head, filename="drop.csv", reason="import drop.csv",
        dry_run=False,
    )  # fmt: skip
    assert not report.committed
    [error] = report.errors
    assert (error.row, error.field, error.value) == (2, "Reading", "Y3 GDS")
    assert_refusal(error.message)
    assert_unchanged(dual)


def test_the_bulk_service_refuses_a_row_for_another_school_and_a_withdrawal(
    cast, drop, subjects, level, dual
):
    rows = [JudgementRow(cast.ava.pk, subjects["reading"], level("Y3 GDS"), row=2, school=cast.river)]
    result = record_judgements(None, drop, rows, reason="command line", dry_run=False)
    assert not result.committed and "Northfield Primary" in result.errors[0].message
    withdraw = [JudgementRow(cast.ava.pk, subjects["reading"], None, "not ours", 3, withdraw=True)]
    result = record_judgements(cast.river_head, drop, withdraw, reason="import", dry_run=False)
    assert not result.committed
    assert_refusal(result.errors[0].message)
    assert_unchanged(dual)


def test_a_school_is_not_told_where_its_leaver_is_judged_now(cast, drop, subjects, level):
    """North's leaver, judged at river (their next school): north is refused without river's name."""
    pupils.enrol(cast.river_head, cast.ben, cast.river, cast.year.starts_on)
    group = classes.create_group(None, cast.river, cast.year, "R3b", nc_year=3)
    classes.set_pupils(None, group, [cast.ben])
    judged = record_judgement(
        cast.river_head, cast.ben, subjects["reading"], drop, cast.river, level("Y3 WTS"), expected_version=0
    )
    from strides.pupils.models import Enrolment

    pupils.end_enrolment(
        cast.head, Enrolment.objects.get(pupil=cast.ben, school=cast.north), cast.year.starts_on, "transfer"
    )
    with pytest.raises(HeldElsewhere) as refused:
        record_judgement(
            cast.head, cast.ben, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=1
        )
    assert "another school" in str(refused.value) and "Riverside" not in str(refused.value)
    assert Judgement.objects.get(pk=judged.pk).school_id == cast.river.pk


def test_the_api_never_names_the_schools_a_leaver_went_to(cast, subjects):
    """North's head still sees Mia, who left north for river and is dual-registered at oak. A
    judgement sent for her without a school is refused without naming river or oak (ADR 2: a
    school never learns where its leaver went)."""
    import datetime as dt

    from strides.assessment.services import create_drop
    from strides.testing.cast import add_mover

    add_mover(cast)
    pupils.enrol(cast.admin, cast.mia, cast.oak, cast.mia_left + dt.timedelta(days=1))
    year = cast.year
    drop = create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="Spring",
        term="spring",
        opens_on=cast.today - dt.timedelta(days=5),
        deadline=cast.today + dt.timedelta(days=30),
        assessed_on=cast.today,
        schools=[cast.north, cast.river, cast.oak],
    )
    _, secret = create_api_token(None, cast.head, "leaver")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"pupil": cast.mia.pk, "subject": "reading", "drop": drop.slug, "level": "Y6 EXS", "version": 0}
    response = client.post("/api/v1/judgements/", body, format="json")
    assert response.status_code in (400, 403), response.content
    text = response.content.decode()
    for school in (cast.river, cast.oak):
        assert school.urn not in text and school.name not in text, text
    # and says what is true: not "on no school's roll" (she is, elsewhere) but not on the head's
    assert "not on the roll of any of your schools" in text, text
    assert not Judgement.objects.filter(pupil=cast.mia).exists()
