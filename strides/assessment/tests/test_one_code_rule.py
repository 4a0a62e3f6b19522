"""One rule for what a typed code means (strides.frameworks.level_codes): the class grid's save, the
spreadsheet import and the API give the same answer for the same pupil, subject and text: a level
of the pupil's own framework (codes, aliases, year-and-band short forms, shorthand), never one of
another framework (refused, naming both)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token
from strides.assessment.api.recording import level_for
from strides.assessment.models import DropSchool, Judgement
from strides.assessment.services import AssessmentError, create_drop, record_judgement
from strides.assessment.services.bulk_judgements import JudgementRow, record_judgements
from strides.assessment.services.grid_cells import SaveContext
from strides.assessment.sheets.importer import import_drop_file
from strides.frameworks.models import Framework, Level
from strides.frameworks.services import assign_framework
from strides.imports.tests.helpers import csv_bytes

pytestmark = pytest.mark.django_db

TABLE = [
    # the pupil's framework (NC bands), any spelling
    "Y3 EXS", "y3exp", "3 exs", "Year 3 Expected", "y4 gd", "Y1-WTS",
    # short forms of a year's band, whatever the band year
    "3E", "y3e", "Y3 E", "2g", "2GDS", "4W", "4 wts", "year 5 g",
    # shorthand: the band of Ava's previous judgement (Y2 WTS, below her Year 3) in reading
    "w", "W", "e", "E", "g", "gds", "Expected", "WTS", "EXS",
    # other frameworks the school may use: refused unless the pupil's own (Ben's maths)
    "pk 4", "PK4", "pk4", "PKS 3", "EM", "engagement", "E1", "el2", "Entry 3", "5", "Grade 5", "L1",
    "P 8", "BLW", "HNM",
    # nothing
    "zzz", "Y12 EXS", "Y3 Excellent", "PK9", "-", "Q",
]  # fmt: skip


@pytest.fixture
def setting(cast, drop, subjects):
    """Ava (Year 3) was Y2 WTS in reading last drop (working below her year group); Ben is on the
    pre-key stage standards in maths."""
    year = cast.year
    earlier = create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="Baseline",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=20),
        schools=[cast.north],
    )
    y2_wts = Level.objects.get(framework__code="nc-bands", code="Y2 WTS")
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], earlier, cast.north, y2_wts, expected_version=0
    )
    pre_key_stage = Framework.objects.get(code="pre-key-stage", trust=None)
    assign_framework(cast.head, cast.north, subjects["maths"], pre_key_stage, year.starts_on, pupil=cast.ben)
    return drop


def by_grid(cast, drop, pupil, subject, text) -> str | None:
    """What the grid's saves resolve (services.grid_cells.save_cell reads the cell through SaveContext)."""
    group = cast.class_3t if pupil == cast.ava else cast.class_3b
    part = DropSchool.objects.select_related("drop", "school").get(drop=drop, school=cast.north)
    context = SaveContext(cast.head, part, group.pk, [pupil.pk], [subject.code])
    vocabulary = context.vocabulary(context.pupils[pupil.pk], subject)
    level = vocabulary.resolve(text) if vocabulary else None
    return level.code if level else None


def by_import(cast, drop, pupil, subject, text) -> str | None:
    data = csv_bytes([["UPN", subject.name], [pupil.upn, text]])
    report, _ = import_drop_file(data, drop=drop, actor=cast.head, filename="f.csv", dry_run=True)
    if report.errors:
        assert [e.field for e in report.errors] == [subject.name], report.errors
        return None
    [row] = report.rows
    return row.after


def by_api(cast, drop, pupil, subject, text) -> str | None:
    try:
        return level_for(cast.head, pupil, subject, drop, cast.north, text).code
    except ValidationError:
        return None


@pytest.mark.parametrize(("who", "subject"), [("ava", "reading"), ("ava", "writing"), ("ben", "maths")])
def test_the_grid_the_import_and_the_api_agree(cast, setting, subjects, who, subject):
    pupil = getattr(cast, who)
    answers = {}
    for text in TABLE:
        grid = by_grid(cast, setting, pupil, subjects[subject], text)
        assert by_import(cast, setting, pupil, subjects[subject], text) == grid, text
        assert by_api(cast, setting, pupil, subjects[subject], text) == grid, text
        answers[text] = grid
    assert any(answers.values()) and not all(answers.values())  # the table tells levels from nonsense


def test_the_rule_reads_the_trial_cases(cast, setting, subjects):
    ava, ben = cast.ava, cast.ben
    reading, writing, maths = subjects["reading"], subjects["writing"], subjects["maths"]
    assert by_grid(cast, setting, ava, writing, "pk 4") is None  # another framework of the school
    assert by_import(cast, setting, ava, writing, "w") == "Y3 WTS"  # shorthand in the import too
    assert by_import(cast, setting, ava, writing, "g") == "Y3 GDS"
    assert by_grid(cast, setting, ava, reading, "W") == "Y2 WTS"  # her band, not her age
    assert by_grid(cast, setting, ava, reading, "WTS") == "Y2 WTS"  # before KS2's WTS
    assert by_grid(cast, setting, ben, maths, "pks 4") == "PK4"  # his own framework
    # his framework has no year-group bands: no shorthand, and the bands' codes are refused
    assert by_grid(cast, setting, ben, maths, "W") is None
    assert by_grid(cast, setting, ben, maths, "y3 wts") is None


def test_the_grid_save_answers_as_its_rule(cast, setting, client_for):
    client = client_for(cast.teacher)
    url = reverse("assessment:grid_save", kwargs={"drop_slug": setting.slug, "group_id": cast.class_3t.pk})
    answer = client.post(url, {"pupil": cast.ava.pk, "subject": "writing", "value": "pk 4", "version": 0})
    assert answer.status_code == 422 and answer.json()["status"] == "invalid"
    answer = client.post(url, {"pupil": cast.ava.pk, "subject": "reading", "value": "w", "version": 0})
    assert answer.json()["code"] == "Y2 WTS"


# --- a level of another framework: refused, in the same words, on every path (issue 8) ---------

JUDGEMENTS = "/api/v1/judgements/"


def api_client(user) -> APIClient:
    _, secret = create_api_token(None, user, "code rule tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def refusals(cast, drop, pupil, subject, text) -> tuple[str, str, str]:
    """The grid's, the import's and the API's refusal of ``text`` (each asserted to be one)."""
    group = cast.class_3t if pupil == cast.ava else cast.class_3b
    url = reverse("assessment:grid_save", kwargs={"drop_slug": drop.slug, "group_id": group.pk})
    cell = {"pupil": pupil.pk, "subject": subject.code, "value": text, "version": 0}
    grid = Client()
    grid.force_login(cast.head)
    answer = grid.post(url, cell)
    assert answer.status_code == 422 and answer.json()["status"] == "invalid", answer.content
    data = csv_bytes([["UPN", subject.name], [pupil.upn, text]])
    report, _ = import_drop_file(data, drop=drop, actor=cast.head, filename="f.csv", dry_run=True)
    [error] = report.errors
    assert (error.row, error.field, error.value) == (2, subject.name, text)
    api = api_client(cast.head).post(
        JUDGEMENTS,
        {"pupil": pupil.pk, "subject": subject.code, "drop": drop.slug, "level": text, "version": 0},
        format="json",
    )
    assert api.status_code == 400, api.content
    [api_error] = api.json()["errors"]
    assert (api_error["field"], api_error["value"]) == ("level", text)
    return answer.json()["message"], error.message, api_error["message"]


@pytest.mark.parametrize(
    ("who", "subject", "text", "message"),
    [
        (
            "ava", "maths", "5",
            "5 is a level of GCSE 9-1; at Northfield Primary this pupil is assessed in Maths on "
            "National curriculum year-group bands: try Y3 WTS, Y3 EXS, Y3 GDS.",
        ),
        (
            "ava", "maths", "Grade 5",
            "Grade 5 is a level of GCSE 9-1; at Northfield Primary this pupil is assessed in Maths on "
            "National curriculum year-group bands: try Y3 WTS, Y3 EXS, Y3 GDS.",
        ),
        (
            "ava", "writing", "HNM",
            "HNM is a level of KS2 teacher assessment codes; at Northfield Primary this pupil is "
            "assessed in Writing on National curriculum year-group bands: try Y3 WTS, Y3 EXS, Y3 GDS.",
        ),
        # Ben's own assignment (pre-key stage in maths) decides, not his year group's bands
        (
            "ben", "maths", "Y9 EXS",
            "Y9 EXS is a level of National curriculum year-group bands; at Northfield Primary this "
            "pupil is assessed in Maths on Pre-key stage standards: try PK1, PK2, PK3, PK4, PK5, PK6.",
        ),
    ],
)  # fmt: skip
def test_a_level_of_another_framework_is_refused_everywhere_naming_both(
    cast, setting, subjects, who, subject, text, message
):
    pupil = getattr(cast, who)
    grid, spreadsheet, api = refusals(cast, setting, pupil, subjects[subject], text)
    assert grid == spreadsheet == api == message
    assert not Judgement.objects.filter(drop=setting).exists()


def test_the_services_refuse_a_level_of_a_framework_not_in_use_for_the_pupil(cast, setting, subjects):
    gcse_5 = Level.objects.get(framework__code="gcse", code="5")
    with pytest.raises(AssessmentError, match="5 is a level of GCSE 9-1; at Northfield Primary this pupil"):
        record_judgement(
            cast.head, cast.ava, subjects["maths"], setting, cast.north, gcse_5, expected_version=0
        )
    result = record_judgements(
        cast.head, setting, [JudgementRow(cast.ava.pk, subjects["maths"], gcse_5, row=7, field="Maths")],
        reason="test", dry_run=True,
    )  # fmt: skip
    [error] = result.errors
    assert (error.row, error.field, error.value) == (7, "Maths", "5")
    assert error.message.startswith("5 is a level of GCSE 9-1; at Northfield Primary this pupil")
    # Ben's own framework in maths is accepted by both
    pk4 = Level.objects.get(framework__code="pre-key-stage", code="PK4")
    record_judgement(cast.head, cast.ben, subjects["maths"], setting, cast.north, pk4, expected_version=0)
    ok = record_judgements(
        cast.head, setting, [JudgementRow(cast.ben.pk, subjects["maths"], pk4)], reason="t", dry_run=True
    )
    assert not ok.errors


def test_a_big_jump_in_the_pupil_s_own_framework_is_saved_and_flagged(cast, setting, client_for):
    url = reverse("assessment:grid_save", kwargs={"drop_slug": setting.slug, "group_id": cast.class_3t.pk})
    answer = client_for(cast.teacher).post(
        url, {"pupil": cast.ava.pk, "subject": "reading", "value": "Y5 GDS", "version": 0}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "saved"
    assert answer.json()["warning"] == "11 points above last drop's Y2 WTS: check"


# --- year-and-band short forms (issue 8) --------------------------------------------------------


def test_short_forms_are_read_for_a_pupil_working_below_their_year(cast, setting, subjects):
    """Ava (Year 3) worked at Year 2 in reading last drop: "3E" and "y3e" name Year 3 EXS and "2g"
    Year 2 GDS on every path, in reading (band year 2) and writing (band year 3) alike."""
    for subject in (subjects["reading"], subjects["writing"]):
        for text, code in (("3E", "Y3 EXS"), ("y3e", "Y3 EXS"), ("2g", "Y2 GDS"), ("Y3 E", "Y3 EXS")):
            assert by_grid(cast, setting, cast.ava, subject, text) == code, (subject, text)
            assert by_import(cast, setting, cast.ava, subject, text) == code, (subject, text)
            assert by_api(cast, setting, cast.ava, subject, text) == code, (subject, text)


BAND_WORDS = {
    "WTS": ["W", "WT", "WTS", "Working towards"],
    "EXS": ["E", "EX", "EXS", "EXP", "Expected"],
    "GDS": ["G", "GD", "GDS", "Greater depth"],
}


@st.composite
def short_forms(draw) -> tuple[str, str]:
    """A documented short form of a band (docs/frameworks.md, "Typing a level") and its code."""
    year = draw(st.integers(1, 11))
    band = draw(st.sampled_from(sorted(BAND_WORDS)))
    prefix = draw(st.sampled_from(["", "Y", "Year", "Year "]))
    gap = draw(st.sampled_from(["", " ", "-"]))
    text = f"{prefix}{year}{gap}{draw(st.sampled_from(BAND_WORDS[band]))}"
    text = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    return text, f"Y{year} {band}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=short_forms())
def test_every_short_form_of_every_band_names_its_level_on_every_path(cast, setting, subjects, form):
    text, code = form
    reading = subjects["reading"]
    assert by_grid(cast, setting, cast.ava, reading, text) == code, text
    assert by_import(cast, setting, cast.ava, reading, text) == code, text
    assert by_api(cast, setting, cast.ava, reading, text) == code, text


CODE_ALPHABET = "YyPpKkEeWwGgSsXxLlMm0123456789 -._/"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(alphabet=CODE_ALPHABET, max_size=8),
        st.sampled_from(TABLE).map(lambda t: t.swapcase()),
        st.sampled_from(TABLE).map(lambda t: f"  {t.replace(' ', ' - ')} "),
    )
)
def test_any_text_gets_the_same_answer_from_the_grid_and_the_import(cast, setting, subjects, text):
    if not text.strip():
        return  # a blank cell is no judgement in either: nothing to compare
    for pupil, subject in ((cast.ava, subjects["reading"]), (cast.ben, subjects["maths"])):
        grid = by_grid(cast, setting, pupil, subject, text)
        assert by_import(cast, setting, pupil, subject, text) == grid, (pupil, subject, text)
