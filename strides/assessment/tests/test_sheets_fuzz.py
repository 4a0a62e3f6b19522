"""Fuzzing the drop importer with Hypothesis: broken files, wrong types, huge cells, random bytes.
Whatever the file holds, the import never raises; a refused file writes nothing; every error
names its row (or the file), a column and a value cut short, with a message."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.assessment.models import DropSchool, Judgement, JudgementRevision
from strides.assessment.sheets.importer import import_drop_file
from strides.imports.tests.helpers import csv_bytes

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

codes = st.sampled_from(["Y3 EXS", "y3 wts", "PK 4", "pk4", "Y3 Exp", "3GDS", "EM", "Y8 WTS", "Z9", "", " "])
junk_text = st.text(max_size=40)
huge = st.builds(
    lambda c, n: c * n, st.sampled_from(["x", "é", "1", ",", "\n", '"', "="]), st.integers(1, 40_000)
)
wrong_types = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.none(),
)


def cells(cast):
    upns = st.sampled_from(
        [
            cast.ava.upn,
            cast.ben.upn,
            cast.ava.upn.lower(),
            f" {cast.ben.upn[:5]} {cast.ben.upn[5:]} ",
            cast.cara.upn,
        ]
    )
    return st.one_of(upns, codes, junk_text, huge, wrong_types)


HEADER_NAMES = [
    "UPN", "Pupil UPN", "Reading", "Reading TA", "Maths judgement", "Writing", "Reading note", "House", "",
    "Science", "Previous reading", "Name",
]  # fmt: skip
headers = st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=7)


def xlsx(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)  # a workbook cannot hold NaN or infinity; a text cell of it can
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000]
    return value


def check(report, drop, before):
    assert isinstance(report.errors, list)
    for error in report.errors:
        assert error.message
        assert error.row is None or (isinstance(error.row, int) and error.row >= 1)
        assert isinstance(error.field, str) and isinstance(error.value, str)
        assert len(error.value) <= 201, "values are cut short for the report"
    if report.errors:
        assert not report.committed
        assert Judgement.objects.filter(drop=drop).count() == before, "a refused file writes nothing"
    else:
        assert report.committed
        assert Judgement.objects.filter(drop=drop).count() == before + report.created


def reset(drop):
    JudgementRevision.objects.filter(judgement__drop=drop).delete()
    Judgement.objects.filter(drop=drop).delete()
    DropSchool.objects.filter(drop=drop).update(status="not_started")


@pytest.mark.django_db
def test_random_bytes_are_a_clear_error_never_an_exception(cast, drop):
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=3000), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
    def run(data):
        report, _ = import_drop_file(data, drop=drop, actor=cast.head, filename="x.xlsx", dry_run=False)
        assert report.errors, "random bytes are never a drop spreadsheet"
        check(report, drop, 0)

    run()


@pytest.mark.django_db
def test_messy_rows_in_csv_and_xlsx_never_raise_and_are_all_or_nothing(cast, drop):
    @FUZZ
    @given(
        header=headers,
        body=st.lists(st.lists(cells(cast), max_size=7), max_size=8),
        title=st.booleans(),
        as_xlsx=st.booleans(),
    )
    def run(header, body, title, as_xlsx):
        rows = ([["Levels for the autumn drop"]] if title else []) + [header, *body]
        data = xlsx(rows) if as_xlsx else csv_bytes([[("" if v is None else v) for v in row] for row in rows])
        report, _ = import_drop_file(data, drop=drop, actor=cast.head, filename="f", dry_run=False)
        try:
            check(report, drop, 0)
        finally:
            reset(drop)

    run()


@pytest.mark.django_db
def test_a_preview_never_writes(cast, drop):
    @FUZZ
    @given(body=st.lists(st.lists(cells(cast), min_size=2, max_size=3), min_size=1, max_size=6))
    def run(body):
        data = csv_bytes(
            [["UPN", "Reading", "Maths"], *[[("" if v is None else v) for v in row] for row in body]]
        )
        report, versions = import_drop_file(data, drop=drop, actor=cast.head, filename="f", dry_run=True)
        assert not report.committed
        assert not Judgement.objects.filter(drop=drop).exists()
        if not report.errors:
            assert len(versions) == report.created + report.updated + report.unchanged

    run()
