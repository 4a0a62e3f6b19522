"""The grid's batch save (issue 8 §3) and withdrawing a cell from the grid (§2)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services import record_judgement, transition
from strides.assessment.services.grid_cells import MAX_BATCH
from strides.classes import services as classes
from strides.pupils import services as pupils
from strides.pupils.models import Pupil
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def url(name, drop, group):
    return reverse(f"assessment:{name}", kwargs={"drop_slug": drop.slug, "group_id": group.pk})


def batch(client, drop, group, cells):
    return client.post(url("grid_save_batch", drop, group), json.dumps({"cells": cells}), "application/json")


def cell(pupil, subject, value, version=0):
    return {"pupil": getattr(pupil, "pk", pupil), "subject": subject, "value": value, "version": version}


def test_a_batch_saves_each_cell_in_order_with_its_own_answer(cast, drop, client_for):
    teacher = client_for(cast.teacher)
    response = batch(
        teacher,
        drop,
        cast.class_3t,
        [
            cell(cast.ava, "reading", "e"),
            cell(cast.ava, "maths", "Y3 Excellent"),  # not a level: refused alone
            cell(cast.ava, "writing", "w", version=4),  # a version nobody saw: stale alone
            cell(cast.ava, "reading", "g", version=1),  # the same cell again, after the first: in order
            cell(cast.ben, "reading", "e"),  # another class's pupil: as if missing
        ],
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["saved", "invalid", "stale", "saved", "missing"]
    assert [(r["pupil"], r["subject"]) for r in results][:2] == [
        (cast.ava.pk, "reading"),
        (cast.ava.pk, "maths"),
    ]
    assert results[0]["code"] == "Y3 EXS" and results[0]["version"] == 1
    assert results[3]["code"] == "Y3 GDS" and results[3]["version"] == 2
    assert "Y3 Excellent" in results[1]["message"]
    assert "Ben" not in results[4]["message"]
    saved = {(j.subject.code, j.level.code) for j in Judgement.objects.select_related("subject", "level")}
    assert saved == {("reading", "Y3 GDS")}


def test_a_stale_cell_in_a_batch_says_both_values(cast, drop, subjects, level, client_for):
    record_judgement(
        cast.head, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    results = batch(client_for(cast.teacher), drop, cast.class_3t, [cell(cast.ava, "reading", "g", 0)]).json()
    assert results["results"][0]["status"] == "stale"
    assert results["results"][0]["theirs"]["code"] == "Y3 WTS" and results["results"][0]["mine"] == "Y3 GDS"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not json", "not JSON"),
        (b"[]", "list of at least one cell"),
        (b'{"cells": []}', "list of at least one cell"),
        (b'{"cells": [3]}', "Cell 1: 3 is not a cell"),
    ],
)
def test_a_batch_that_is_not_one_is_refused_saying_why(cast, drop, client_for, body, words):
    response = client_for(cast.teacher).post(
        url("grid_save_batch", drop, cast.class_3t), body, "application/json"
    )
    assert response.status_code == 400 and words in response.json()["message"]


def test_a_stale_cell_holding_the_value_already_saved_is_saved_unchanged(
    cast, drop, subjects, level, client_for
):
    """Issue 8: cells remembered as unsent, whose keepalive send in fact reached the server, are
    sent again against the version they were typed on: the same value is no conflict."""
    for code, seen in (("Y3 WTS", 0), ("Y3 EXS", 1)):
        record_judgement(
            cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level(code), expected_version=seen
        )
    cells = [cell(cast.ava, "reading", "Y3 EXS", 0), cell(cast.ava, "reading", "Y3 EXS", 1)]
    cells.append(cell(cast.ava, "reading", "Y3 GDS", 1))
    results = batch(client_for(cast.teacher), drop, cast.class_3t, cells).json()["results"]
    assert [r["status"] for r in results] == ["saved", "saved", "stale"]
    assert results[0]["version"] == results[1]["version"] == 2
    assert JudgementRevision.objects.count() == 2 and Judgement.objects.get().level.code == "Y3 EXS"


def test_a_batch_has_a_limit_and_bad_cells_are_named(cast, drop, client_for):
    teacher = client_for(cast.teacher)
    too_many = batch(teacher, drop, cast.class_3t, [cell(cast.ava, "reading", "e")] * (MAX_BATCH + 1))
    assert too_many.status_code == 400 and f"at most {MAX_BATCH} cells" in too_many.json()["message"]
    odd = batch(teacher, drop, cast.class_3t, [cell(cast.ava, "reading", "e", version="two")])
    assert odd.json()["results"][0]["status"] == "invalid"
    assert "Ava" in odd.json()["results"][0]["message"] and "'two'" in odd.json()["results"][0]["message"]
    assert not Judgement.objects.exists()


def test_a_closed_drop_refuses_every_cell_of_a_batch(cast, drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    results = batch(client_for(cast.teacher), drop, cast.class_3t, [cell(cast.ava, "reading", "e")]).json()
    assert results["results"][0]["status"] == "closed"


def test_a_batch_of_another_class_or_drop_is_not_found(cast, drop, client_for):
    assert (
        batch(
            client_for(cast.other_teacher), drop, cast.class_3t, [cell(cast.ava, "reading", "e")]
        ).status_code
        == 404
    )
    assert batch(
        client_for(cast.governor), drop, cast.class_3t, [cell(cast.ava, "reading", "e")]
    ).status_code in (403, 404)


def test_a_batch_is_a_fixed_number_of_queries_plus_each_cells_write(
    cast, drop, client_for, django_assert_max_num_queries
):
    records = [
        pupils.PupilRecord(
            upn=make_upn(int(cast.north.la_code), int(cast.north.establishment_number), 21, 100 + n),
            legal_forename=f"Pupil{n}", legal_surname="Many", date_of_birth=dt.date(2018, 1, 1), sex="F",
            characteristics={"nc_year": 3}, enrolment_start=cast.year.starts_on,
        )
        for n in range(27)
    ]  # fmt: skip
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    many = list(Pupil.objects.filter(legal_surname="Many"))
    classes.set_pupils(None, cast.class_3t, [cast.ava, *many])
    teacher = client_for(cast.head)
    teacher.get(url("grid", drop, cast.class_3t))  # warm the session
    batch(teacher, drop, cast.class_3t, [cell(cast.ava, "reading", "e")])  # the drop is in progress
    cells = [cell(p, s, "e") for p in many[:4] for s in ("reading", "writing")]
    # the session, scope, part, pupils, subjects, frameworks and code book once; then each cell:
    # record_judgement's check, its savepoints, locks, the judgement, its revision and audit entry
    with django_assert_max_num_queries(12 + 10 * len(cells)) as counted:
        response = batch(teacher, drop, cast.class_3t, cells)
    assert [r["status"] for r in response.json()["results"]] == ["saved"] * len(cells)
    few = len(counted.captured_queries)
    cells = [cell(p, s, "e") for p in many[4:24] for s in ("reading", "writing")]
    with django_assert_max_num_queries(few + 10 * (len(cells) - 8)) as more:
        batch(teacher, drop, cast.class_3t, cells)
    per_cell = (len(more.captured_queries) - few) / (len(cells) - 8)
    assert per_cell <= 10, "a batch's shared reads are not made again for each cell"


# --- withdrawing a cell ----------------------------------------------------------------------


def withdraw(client, drop, group, pupil, subject, version, reason="Entered for the wrong pupil"):
    return client.post(
        url("grid_withdraw", drop, group),
        {"pupil": pupil.pk, "subject": subject, "version": version, "reason": reason},
    )


def test_a_teacher_withdraws_a_cell_and_typing_it_again_reinstates_it(cast, drop, client_for):
    teacher = client_for(cast.teacher)
    batch(teacher, drop, cast.class_3t, [cell(cast.ava, "reading", "e")])
    assert withdraw(teacher, drop, cast.class_3t, cast.ava, "reading", 1, reason=" ").status_code == 422
    assert withdraw(teacher, drop, cast.class_3t, cast.ava, "reading", 0).status_code == 409
    done = withdraw(teacher, drop, cast.class_3t, cast.ava, "reading", 1)
    assert done.status_code == 200 and done.json()["status"] == "withdrawn" and done.json()["version"] == 2
    assert not Judgement.objects.exists()
    again = withdraw(teacher, drop, cast.class_3t, cast.ava, "reading", 2)
    assert again.status_code == 409 and "no judgement to withdraw" in again.json()["message"]
    page = teacher.get(url("grid", drop, cast.class_3t)).content.decode()
    assert 'data-version="2"' in page and 'data-withdrawn="true"' in page
    back = batch(teacher, drop, cast.class_3t, [cell(cast.ava, "reading", "w", version=2)]).json()["results"][
        0
    ]
    assert back["status"] == "saved" and back["version"] == 3
    revision = JudgementRevision.objects.get(version=2)
    assert revision.level_after is None and revision.changed_by == cast.teacher


def test_after_submission_the_grid_lets_only_the_trust_withdraw(cast, drop, client_for):
    batch(client_for(cast.teacher), drop, cast.class_3t, [cell(cast.ava, "reading", "e")])
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    teacher = client_for(cast.teacher)
    refused = withdraw(teacher, drop, cast.class_3t, cast.ava, "reading", 1)
    assert refused.status_code == 423 and "only the trust" in refused.json()["message"]
    assert "data-can-withdraw" not in teacher.get(url("grid", drop, cast.class_3t)).content.decode()
    admin = client_for(cast.admin)
    page = admin.get(url("grid", drop, cast.class_3t)).content.decode()
    assert "data-can-withdraw" in page and "you can still withdraw a judgement" in page
    assert withdraw(admin, drop, cast.class_3t, cast.ava, "reading", 1).json()["status"] == "withdrawn"


def test_an_empty_cell_in_a_batch_says_how_to_withdraw(cast, drop, client_for):
    result = batch(client_for(cast.teacher), drop, cast.class_3t, [cell(cast.ava, "reading", "  ")]).json()
    assert result["results"][0]["status"] == "invalid"
    assert "Shift+Delete withdraws" in result["results"][0]["message"]
    assert not Judgement.objects.exists()
