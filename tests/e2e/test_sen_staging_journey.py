"""SEN changes from an import, end to end: the trust analyst imports an MIS export with SEN columns
(she may not change SEN records), the check says the changes will be staged for the SENCO, the
import stages them; the SENCO lands on a count, opens the SEN changes page, confirms one and
rejects the other, and the pupil's record shows the new SEN provision."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from strides.imports.tests.helpers import csv_bytes

pytestmark = pytest.mark.e2e


def test_the_analyst_imports_sen_columns_and_the_senco_confirms(page, live_cast, login, check_a11y, tmp_path):
    from strides.pupils.models import StagedSenChange
    from strides.pupils.queries import current_characteristics

    rows = [
        ["UPN", "FSM", "SEN Provision", "Primary Need"],
        [live_cast.ava.upn, "Y", "K", "SLCN"],
        [live_cast.ben.upn, "", "E", "SPLD"],
    ]
    path = tmp_path / "mis-export.csv"
    path.write_bytes(csv_bytes(rows))

    login(page, "analyst")
    page.goto(f"{live_cast.url}/imports/")
    page.get_by_label("School", exact=True).select_option(label="Northfield Primary")
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    expect(
        page.get_by_text("2 SEN changes will be staged for the SENCO or head of Northfield Primary")
    ).to_be_visible()
    staged = page.get_by_role("region", name="SEN changes: row of the file")
    expect(staged.get_by_role("row").filter(has_text="Ava Archer")).to_contain_text(
        "SEN support: Speech, language and communication needs"
    )
    check_a11y(page)
    page.get_by_role("button", name="Import 0 pupils into Northfield Primary and stage 2 SEN changes").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="SEN changes staged for the SENCO (2)")).to_be_visible()
    assert StagedSenChange.objects.filter(status="pending").count() == 2
    assert current_characteristics(live_cast.ava).sen_provision == "N"

    page.context.clear_cookies()
    login(page, "senco")
    expect(
        page.get_by_text("2 changes to pupils' SEN records from pupil imports wait for you")
    ).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SEN changes").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1, name="SEN changes to confirm")).to_be_visible()
    expect(page.get_by_role("heading", name="Northfield Primary: 2 waiting")).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="Confirm the SEN change for Ava Archer").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Ava Archer's SEN record was updated.")
    page.get_by_role("button", name="Reject the SEN change for Ben Baker").click()
    page.wait_for_load_state()
    expect(page.get_by_text("No SEN changes are waiting for you.")).to_be_visible()
    expect(page.get_by_role("region", name="SEN changes decided most recently")).to_contain_text(
        "Confirmed by Sena Coe"
    )
    check_a11y(page)

    page.get_by_role("link", name="Ava Archer").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Characteristics today")).to_be_visible()
    expect(page.locator("dl.facts--split")).to_contain_text("SEN support")
    period = current_characteristics(live_cast.ava)
    assert (period.sen_provision, period.primary_need, period.recorded_by) == ("K", "SLCN", live_cast.senco)
    assert current_characteristics(live_cast.ben).sen_provision == "K"  # rejected: as it was
