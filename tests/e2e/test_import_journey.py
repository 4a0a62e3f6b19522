"""The pupil import in the browser: a file with a bad row shows the row's error and writes
nothing; a clean file is checked, then imported."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn

pytestmark = pytest.mark.e2e


def upload(page, live_cast, path) -> None:
    page.goto(f"{live_cast.url}/imports/")
    page.get_by_label("School", exact=True).select_option(label="Northfield Primary")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()


def test_a_bad_row_shows_its_error_and_nothing_is_written(page, live_cast, login, check_a11y, tmp_path):
    from strides.pupils.models import Pupil

    rows = [
        ["Pupil list – Northfield"],
        HEADER,
        *pupil_rows(2),
        [upn(3), "Carter", "Cara", "31/02/2016", "F", "3"],
    ]
    path = tmp_path / "pupils.csv"
    path.write_bytes(csv_bytes(rows))
    before = Pupil.objects.count()

    login(page, "analyst")
    page.goto(f"{live_cast.url}/imports/")
    check_a11y(page)
    upload(page, live_cast, path)

    expect(page.get_by_role("alert")).to_contain_text("1 row refused")
    refused = page.get_by_role("row").filter(has_text="31/02/2016")
    expect(refused).to_contain_text("5")  # the spreadsheet's own row number
    expect(refused).to_contain_text("Date of Birth")
    expect(refused).to_contain_text("not a real date")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    check_a11y(page)
    assert Pupil.objects.count() == before


def test_a_clean_file_is_checked_then_imported(page, live_cast, login, check_a11y, tmp_path):
    from strides.pupils.models import Pupil

    path = tmp_path / "clean.csv"
    path.write_bytes(csv_bytes([HEADER, *pupil_rows(2)]))
    login(page, "head")
    upload(page, live_cast, path)
    expect(page.get_by_role("heading", level=2, name="New pupils")).to_be_visible()
    assert not Pupil.objects.filter(upn__in=[upn(1), upn(2)]).exists()
    page.get_by_role("button", name="Import 2 pupils into Northfield Primary").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Imported into Northfield Primary: 2 new")
    check_a11y(page)
    assert Pupil.objects.filter(upn__in=[upn(1), upn(2)]).count() == 2


def test_the_progress_bar_of_a_large_file_is_accessible(page, live_cast, login, check_a11y):
    from strides.imports.models import ImportBatch

    batch = ImportBatch.objects.create(
        school=live_cast.north,
        uploaded_by=live_cast.analyst,
        kind="spreadsheet",
        filename="whole-school.csv",
        size=1_000_000,
        content=b"",
        estimated_rows=9000,
        status="checking",
        progress_stage="reading",
        progress_done=3000,
        progress_total=9000,
    )
    login(page, "analyst")
    page.goto(f"{live_cast.url}/imports/{batch.pk}/")
    expect(page.get_by_label("Reading the file")).to_have_attribute("value", "3000")
    check_a11y(page)
    ImportBatch.objects.filter(pk=batch.pk).update(status="refused", report={"errors": []})
    # the poll (every 2 s) finds the work done and loads the result
    expect(page.get_by_role("heading", level=2, name="What the import would do")).to_be_visible(timeout=8000)
