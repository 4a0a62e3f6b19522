"""Drops collect the trust's active subjects, and each school owes the ones of its phase and its own
additions: the drop form, completeness (boards, the API), the grid's columns, the template and the
API's subject list and lookups follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token
from strides.assessment import drop_boards as boards
from strides.assessment.completeness import completeness
from strides.assessment.models import DataDrop
from strides.assessment.services import AssessmentError, create_drop, record_judgement
from strides.assessment.sheets.template import build_template
from strides.classes.models import TeachingGroup
from strides.frameworks.models import Level, Subject
from strides.frameworks.services import add_subject, archive_subject, ensure_common_scale
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType
from strides.testing.cast import add_autumn_drop

pytestmark = pytest.mark.django_db

CREATE = reverse("assessment:drop_create")


def shipped(code):
    return Subject.objects.get(code=code, trust=None)


@pytest.fixture
def mixed_drop(cast):
    """A drop of north (primary), river (secondary) and oak (special): maths, history (secondary)
    and north's own forest school."""
    ensure_common_scale(cast.trust)
    forest = add_subject(cast.head, cast.trust, "forest-school", "Forest school", school=cast.north)
    return add_autumn_drop(
        cast,
        schools=[cast.north, cast.river, cast.oak],
        subjects=[shipped("maths"), shipped("history"), forest],
    )


def api(user) -> APIClient:
    _, secret = create_api_token(None, user, "subject tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# --- the drop form ---------------------------------------------------------------------------


def test_the_drop_form_offers_the_trusts_active_subjects(cast, client_for):
    latin = add_subject(cast.admin, cast.trust, "latin", "Latin", phase="secondary")
    add_subject(cast.head, cast.trust, "forest-school", "Forest school", school=cast.north)
    archive_subject(cast.admin, cast.trust, shipped("german"))
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    add_subject(None, other, "klingon", "Klingon")
    form = client_for(cast.analyst).get(CREATE).context["form"]
    offered = {s.code for s in form.fields["subjects"].queryset}
    assert {"reading", "history", "latin", "forest-school"} <= offered
    assert "german" not in offered and "klingon" not in offered
    labels = dict((str(v), str(label)) for v, label in form.fields["subjects"].choices)
    assert labels[str(latin.pk)] == "Latin (secondary)"
    assert "Forest school (Northfield Primary only)" in labels.values()
    assert {s.code for s in form.initial["subjects"]} == {"reading", "writing", "maths"}


def test_a_drop_made_on_the_form_collects_a_new_subject(cast, client_for):
    latin = add_subject(cast.admin, cast.trust, "latin", "Latin", phase="secondary")
    data = {
        "academic_year": cast.year.pk,
        "name": "Latin check",
        "term": "autumn",
        "opens_on": cast.year.starts_on.isoformat(),
        "deadline": (cast.year.starts_on + dt.timedelta(days=9)).isoformat(),
        "subjects": [latin.pk, shipped("maths").pk],
        "schools": [cast.river.pk],
        "nc_years": ["8"],
    }
    assert client_for(cast.analyst).post(CREATE, data).status_code == 302
    assert {s.code for s in DataDrop.objects.get(name="Latin check").subjects.all()} == {"latin", "maths"}


def test_an_archived_or_foreign_subject_cannot_be_collected(cast):
    ensure_common_scale(cast.trust)
    archive_subject(cast.admin, cast.trust, shipped("german"))
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    klingon = add_subject(None, other, "klingon", "Klingon")
    for subject in (shipped("german"), klingon):
        with pytest.raises(AssessmentError, match="not an active subject of Test Trust"):
            create_drop(
                cast.analyst,
                cast.trust,
                cast.year,
                name=f"With {subject.code}",
                term="autumn",
                opens_on=cast.year.starts_on,
                deadline=cast.year.starts_on + dt.timedelta(days=9),
                subjects=[subject],
            )


def test_the_calendar_default_leaves_out_an_archived_core_subject(cast):
    ensure_common_scale(cast.trust)
    archive_subject(cast.admin, cast.trust, shipped("writing"))
    drop = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Core",
        term="autumn",
        opens_on=cast.year.starts_on,
        deadline=cast.year.starts_on + dt.timedelta(days=9),
    )
    assert {s.code for s in drop.subjects.all()} == {"reading", "maths"}


# --- what each school owes ---------------------------------------------------------------------


def test_each_school_owes_the_subjects_of_its_phase_and_its_own(cast, mixed_drop):
    # north (primary): maths, forest school; river (secondary): maths, history; oak (special): maths, history
    rows = {row.part.school_id: row for row in completeness(cast.analyst, mixed_drop)}
    board = {
        row.part.school_id: row
        for row in boards.trust_board(cast.analyst, mixed_drop, [cast.north.pk, cast.river.pk])
    }
    for school in (cast.north, cast.river):
        pupils = board[school.pk].pupils
        assert pupils > 0
        assert rows[school.pk].expected == pupils * 2 == board[school.pk].expected
    assert (
        rows[cast.oak.pk].expected
        == 2 * boards.trust_board(cast.analyst, mixed_drop, [cast.oak.pk])[0].pupils
    )


def test_only_owed_judgements_count(cast, mixed_drop):
    maths, history = shipped("maths"), shipped("history")
    y8 = Level.objects.get(framework__code="nc-bands", code="Y8 EXS")
    record_judgement(cast.analyst, cast.cara, history, mixed_drop, cast.river, y8, expected_version=None)
    record_judgement(cast.analyst, cast.cara, maths, mixed_drop, cast.river, y8, expected_version=None)
    y3 = Level.objects.get(framework__code="nc-bands", code="Y3 EXS")
    record_judgement(cast.analyst, cast.ava, maths, mixed_drop, cast.north, y3, expected_version=None)
    rows = {row.part.school_id: row for row in completeness(cast.analyst, mixed_drop)}
    assert rows[cast.river.pk].recorded == 2 and rows[cast.north.pk].recorded == 1
    school = boards.school_board(
        cast.analyst, mixed_drop, cast.north.pk, TeachingGroup.objects.all(), whole_school=True
    )
    assert school.total.expected == school.total.pupils * 2 and school.total.recorded == 1


def test_the_template_has_a_column_for_each_subject_the_school_owes(cast, mixed_drop):
    import io

    from openpyxl import load_workbook

    def headers(school):
        sheet = load_workbook(io.BytesIO(build_template(mixed_drop, school))).worksheets[0]
        return {str(cell.value) for row in sheet.iter_rows(max_row=6) for cell in row if cell.value}

    assert {"Maths", "Forest school"} <= headers(cast.north) and "History" not in headers(cast.north)
    assert {"Maths", "History"} <= headers(cast.river) and "Forest school" not in headers(cast.river)


def test_the_grid_shows_the_subjects_the_school_owes(cast, mixed_drop, client_for):
    url = reverse("assessment:grid", kwargs={"drop_slug": mixed_drop.slug, "group_id": cast.class_3t.pk})
    page = client_for(cast.teacher).get(url).content.decode()
    assert "Forest school" in page and "Maths" in page and "History" not in page


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_the_trusts_subjects_with_phase_and_archive(cast):
    add_subject(cast.head, cast.trust, "forest-school", "Forest school", school=cast.north)
    archive_subject(cast.admin, cast.trust, shipped("german"))
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    add_subject(None, other, "klingon", "Klingon")
    rows = api(cast.teacher).get("/api/v1/subjects/").json()["results"]
    by_code = {row["code"]: row for row in rows}
    assert "klingon" not in by_code
    assert by_code["history"]["phase"] == "secondary" and by_code["history"]["shipped"] is True
    assert by_code["german"]["archived"] is True and by_code["maths"]["archived"] is False
    assert (
        by_code["forest-school"]["school"] == cast.north.urn and by_code["forest-school"]["shipped"] is False
    )


def test_the_api_finds_a_subject_among_the_drops_subjects(cast, mixed_drop):
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    add_subject(None, other, "klingon", "Klingon")
    client = api(cast.teacher)
    body = {"pupil": cast.ava.pk, "drop": mixed_drop.slug, "level": "Y3 EXS", "version": 0}
    answer = client.post("/api/v1/judgements/", {**body, "subject": "forest-school"}, format="json")
    assert answer.status_code == 201, answer.content
    answer = client.post("/api/v1/judgements/", {**body, "subject": "klingon"}, format="json")
    assert answer.status_code == 400 and "No subject 'klingon'" in answer.content.decode()
    answer = client.post("/api/v1/judgements/", {**body, "subject": "reading"}, format="json")
    assert answer.status_code == 400 and "Reading is not collected" in answer.content.decode()


def test_a_special_school_takes_every_phase(cast):
    from strides.frameworks.queries import subjects_owed

    special = organisations.create_school(
        None,
        cast.trust,
        name="Hill Special",
        urn="100020",
        la_code="801",
        establishment_number="7002",
        school_type=SchoolType.SPECIAL,
        phase=Phase.SECONDARY,
    )
    ensure_common_scale(cast.trust)
    primary_only = add_subject(cast.admin, cast.trust, "phonics", "Phonics", phase="primary")
    drop = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Phonics",
        term="autumn",
        opens_on=cast.year.starts_on,
        deadline=cast.year.starts_on + dt.timedelta(days=9),
        subjects=[primary_only, shipped("history")],
        schools=[special, cast.river],
    )
    owed = subjects_owed(drop, [special, cast.river])
    assert {s.code for s in owed[special.pk]} == {"phonics", "history"}
    assert {s.code for s in owed[cast.river.pk]} == {"history"}


def test_the_grids_class_list_counts_the_subjects_each_school_owes(cast, mixed_drop):
    from strides.assessment.grid_queries import grid_classes

    rows = {c.group.pk: c for school in grid_classes(cast.analyst, mixed_drop) for c in school.classes}
    assert rows[cast.class_3t.pk].expected == 2 * rows[cast.class_3t.pk].pupils  # maths, forest school
    assert rows[cast.class_8r.pk].expected == 2 * rows[cast.class_8r.pk].pupils  # maths, history
