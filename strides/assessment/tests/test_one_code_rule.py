"""One rule for what a typed code means (strides.frameworks.codes): the class grid's save, the
spreadsheet import and the API give the same answer for the same pupil, subject and text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from strides.assessment.api.recording import level_for
from strides.assessment.grid_queries import cell_vocabulary, class_pupils
from strides.assessment.services import create_drop, record_judgement
from strides.assessment.sheets.importer import import_drop_file
from strides.frameworks.models import Framework, Level
from strides.frameworks.services import assign_framework
from strides.imports.tests.helpers import csv_bytes

pytestmark = pytest.mark.django_db

TABLE = [
    # the pupil's framework (NC bands), any spelling
    "Y3 EXS", "y3exp", "3 exs", "Year 3 Expected", "y4 gd", "Y1-WTS",
    # shorthand: the band of Ava's previous judgement (Y2 WTS, below her Year 3) in reading
    "w", "W", "e", "E", "g", "gds", "Expected", "WTS", "EXS",
    # other frameworks the school may use
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
    """What the grid's save resolves (grid_views.grid_save reads the cell through cell_vocabulary)."""
    group = cast.class_3t if pupil == cast.ava else cast.class_3b
    row = class_pupils(cast.head, group, drop.assessed_on).get(pk=pupil.pk)
    vocabulary, _ = cell_vocabulary(cast.north.pk, drop, row, subject)
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
        return level_for(pupil, subject, drop, cast.north, text).code
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
    assert by_grid(cast, setting, ava, writing, "pk 4") == "PK4"  # another framework of the school
    assert by_import(cast, setting, ava, writing, "w") == "Y3 WTS"  # shorthand in the import too
    assert by_import(cast, setting, ava, writing, "g") == "Y3 GDS"
    assert by_grid(cast, setting, ava, reading, "W") == "Y2 WTS"  # her band, not her age
    assert by_grid(cast, setting, ava, reading, "WTS") == "Y2 WTS"  # before KS2's WTS
    assert by_grid(cast, setting, ben, maths, "pks 4") == "PK4"  # his own framework
    # his framework has no year-group bands, so no shorthand; full codes of the bands still work
    assert by_grid(cast, setting, ben, maths, "W") is None
    assert by_grid(cast, setting, ben, maths, "y3 wts") == "Y3 WTS"


def test_the_grid_save_answers_as_its_rule(cast, setting, client_for):
    client = client_for(cast.teacher)
    url = reverse("assessment:grid_save", kwargs={"drop_slug": setting.slug, "group_id": cast.class_3t.pk})
    answer = client.post(url, {"pupil": cast.ava.pk, "subject": "writing", "value": "pk 4", "version": 0})
    assert answer.json()["code"] == "PK4"
    answer = client.post(url, {"pupil": cast.ava.pk, "subject": "reading", "value": "w", "version": 0})
    assert answer.json()["code"] == "Y2 WTS"


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
