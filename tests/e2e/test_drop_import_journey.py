"""A data-drop spreadsheet in the browser: an analyst imports a messy spreadsheet, sees the refused
rows (nothing is written), fixes them, imports again and the levels are recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from strides.imports.tests.helpers import xlsx_bytes
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.e2e


@pytest.fixture
def autumn(live_cast):
    from strides.assessment.services import create_drop

    year = live_cast.year
    return create_drop(
        live_cast.analyst,
        live_cast.trust,
        year,
        name="Autumn",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=110),
        schools=[live_cast.north, live_cast.river],
    )


def messy_rows(cast, *, maths_for_ben: str, cara_upn: str):
    return [
        ["Autumn levels - all schools (exported from the tracker)"],
        [],
        ["Pupil UPN", "Pupil name", "Reading TA", "Writing", "Maths judgement", "Tutor notes"],
        [
            f"{cast.ava.upn[:4]} {cast.ava.upn[4:]}".lower(),
            "Ava Archer",
            "y3 exp",
            "Y3 WTS",
            "3EXS",
            "settled",
        ],
        [],
        [cast.ben.upn, "Ben Baker", "PK 4", "pk4", maths_for_ben, ""],
        [cara_upn, "Cara Carter", "Y8 GDS", "", "y8 exs", "new to set 1"],
    ]


def upload(page, url, path) -> None:
    page.goto(url)
    page.get_by_label("Spreadsheet", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()


def test_an_analyst_imports_a_messy_spreadsheet_fixes_the_refused_rows_and_imports(
    page, live_cast, autumn, login, check_a11y, tmp_path
):
    from strides.assessment.models import Judgement
    from strides.frameworks.models import Framework, Subject
    from strides.frameworks.services import assign_framework

    cast = live_cast
    # Ben is assessed on pre-key stage standards by his school's choice: his PK levels are his own
    # framework's (a level of a framework the school does not use for him is refused)
    pre_key_stage = Framework.objects.get(trust=None, code="pre-key-stage")
    for subject in Subject.objects.filter(trust=None, code__in=["reading", "writing", "maths"]):
        assign_framework(None, cast.north, subject, pre_key_stage, cast.year.starts_on, pupil=cast.ben)
    url = f"{cast.url}/assessment/drops/{autumn.slug}/import/"
    wrong_upn = make_upn(801, 4001, 20, 998)  # a valid UPN, but nobody's
    messy = tmp_path / "autumn-levels.xlsx"
    messy.write_bytes(xlsx_bytes(messy_rows(cast, maths_for_ben="Y3 Exx", cara_upn=wrong_upn)))

    login(page, "analyst")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spreadsheets")
    check_a11y(page)
    upload(page, url, messy)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("2 rows refused")
    expect(alert).to_contain_text("nothing will be saved")
    bad_code = page.get_by_role("row").filter(has_text="Y3 Exx")
    expect(bad_code).to_contain_text("6")  # the spreadsheet's own row number, under the title rows
    expect(bad_code).to_contain_text("Maths judgement")
    expect(bad_code).to_contain_text("not a level of")
    bad_upn = page.get_by_role("row").filter(has_text=wrong_upn)
    expect(bad_upn).to_contain_text("7")
    expect(bad_upn).to_contain_text("Pupil UPN")
    expect(bad_upn).to_contain_text("No pupil with this UPN")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    expect(page.get_by_text("Columns ignored")).to_contain_text("Tutor notes")
    check_a11y(page)
    assert not Judgement.objects.filter(drop=autumn).exists()

    fixed = tmp_path / "autumn-levels-fixed.xlsx"
    fixed.write_bytes(xlsx_bytes(messy_rows(cast, maths_for_ben="PK4", cara_upn=cast.cara.upn)))
    page.get_by_role("link", name="Upload a corrected file").click()
    page.wait_for_load_state()
    upload(page, url, fixed)

    expect(page.get_by_role("heading", level=2, name="New")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Ava Archer").first).to_contain_text("Y3 EXS")
    check_a11y(page)
    assert not Judgement.objects.filter(drop=autumn).exists(), "the check writes nothing"
    page.get_by_role("button", name="Import 8 judgements into Autumn").click()
    page.wait_for_load_state()

    expect(page.get_by_text("Imported into Autumn: 8 new, 0 changed, 0 unchanged.")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="What was imported")).to_be_visible()
    check_a11y(page)
    recorded = {
        (j.pupil.legal_forename, j.subject.code): j.level.code
        for j in Judgement.objects.filter(drop=autumn).select_related("pupil", "subject", "level")
    }
    assert recorded == {
        ("Ava", "reading"): "Y3 EXS",
        ("Ava", "writing"): "Y3 WTS",
        ("Ava", "maths"): "Y3 EXS",
        ("Ben", "reading"): "PK4",
        ("Ben", "writing"): "PK4",
        ("Ben", "maths"): "PK4",
        ("Cara", "reading"): "Y8 GDS",
        ("Cara", "maths"): "Y8 EXS",
    }
