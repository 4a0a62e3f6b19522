"""Edits from the pupil pages: allowed where the role allows, refused otherwise, always audited,
and a refusal is a message on the form, never a server error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.queries import characteristics_as_at

pytestmark = pytest.mark.django_db


def url(name, **kwargs) -> str:
    return reverse(f"pupils:{name}", kwargs=kwargs)


def details_data(pupil, **changes) -> dict:
    data = {
        "upn": pupil.upn,
        "legal_forename": pupil.legal_forename,
        "middle_names": pupil.middle_names,
        "legal_surname": pupil.legal_surname,
        "preferred_forename": pupil.preferred_forename,
        "preferred_surname": pupil.preferred_surname,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
    }
    data.update(changes)
    return data


def characteristics_data(period, effective, **changes) -> dict:
    data = {"effective": effective.isoformat()}
    for name, value in period.values().items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


@pytest.fixture
def river_head(cast):
    """A headteacher of another school of the trust: may edit pupils, but not north's."""
    return cast.river_head


def audit_for(pupil_or_enrolment, actor) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=pupil_or_enrolment._meta.label, object_id=str(pupil_or_enrolment.pk), actor=actor
        )
    )


# --- another school's editor: 404 on every edit -------------------------------------------------


def test_another_schools_editor_gets_404_on_every_edit_of_ava(cast, client_for, river_head):
    client = client_for(river_head)
    enrolment = Enrolment.objects.get(pupil=cast.ava, school=cast.north)
    for target in (
        url("edit_details", pupil_id=cast.ava.pk),
        url("change_characteristics", pupil_id=cast.ava.pk),
        url("change_sen", pupil_id=cast.ava.pk),
        url("add_enrolment", pupil_id=cast.ava.pk),
        url("end_enrolment", enrolment_id=enrolment.pk),
    ):
        assert client.get(target).status_code == 404, target
        assert client.post(target, {}).status_code == 404, target
    enrolment.refresh_from_db()
    assert enrolment.end_date is None
    assert not AuditEntry.objects.filter(actor=river_head).exists()


@pytest.mark.parametrize("who", ["teacher", "ta", "eap", "subject_leader", "governor", "parent"])
def test_roles_without_edit_rights_are_refused(cast, client_for, who):
    client = client_for(cast.users[who])
    for target in (
        url("edit_details", pupil_id=cast.ava.pk),
        url("change_characteristics", pupil_id=cast.ava.pk),
    ):
        response = client.post(target, details_data(cast.ava, preferred_forename="Hacked"))
        assert response.status_code == 403, (who, target)
    cast.ava.refresh_from_db()
    assert cast.ava.preferred_forename == ""


# --- details --------------------------------------------------------------------------------


def test_head_changes_a_preferred_name_and_it_is_audited(cast, client_for):
    client = client_for(cast.head)
    form = client.get(url("edit_details", pupil_id=cast.ava.pk))
    assert form.status_code == 200 and 'value="Ava"' in form.content.decode()
    response = client.post(
        url("edit_details", pupil_id=cast.ava.pk), details_data(cast.ava, preferred_forename="Avie")
    )
    assert response.status_code == 302 and response["Location"] == url("profile", pupil_id=cast.ava.pk)
    cast.ava.refresh_from_db()
    assert cast.ava.preferred_forename == "Avie"
    [entry] = audit_for(cast.ava, cast.head)
    assert entry.before == {"preferred_forename": ""} and entry.after == {"preferred_forename": "Avie"}
    page = client.get(response["Location"]).content.decode()
    assert "Avie Archer&#x27;s details were saved." in page


def test_a_bad_upn_is_named_with_its_value_and_nothing_is_saved(cast, client_for):
    client = client_for(cast.head)
    response = client.post(
        url("edit_details", pupil_id=cast.ava.pk),
        details_data(cast.ava, upn="B801200120001", preferred_forename="Avie"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_upn"' in html and "UPN (“B801200120001”)" in html and "Check letter" in html
    assert 'aria-invalid="true"' in html
    cast.ava.refresh_from_db()
    assert cast.ava.preferred_forename == "" and cast.ava.upn != "B801200120001"


def test_a_upn_of_another_pupil_is_refused_by_the_service_with_its_message(cast, client_for):
    response = client_for(cast.admin).post(
        url("edit_details", pupil_id=cast.ava.pk), details_data(cast.ava, upn=cast.cara.upn)
    )
    assert response.status_code == 200
    assert f"UPN {cast.cara.upn} belongs to another pupil." in response.content.decode()
    assert Pupil.objects.get(pk=cast.ava.pk).upn != cast.cara.upn


def test_a_future_date_of_birth_is_refused(cast, client_for):
    future = cast.today + dt.timedelta(days=3)
    response = client_for(cast.head).post(
        url("edit_details", pupil_id=cast.ava.pk), details_data(cast.ava, date_of_birth=future.isoformat())
    )
    assert "is in the future" in response.content.decode()


def test_saving_without_changes_says_so(cast, client_for):
    client = client_for(cast.head)
    response = client.post(url("edit_details", pupil_id=cast.ava.pk), details_data(cast.ava), follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert not audit_for(cast.ava, cast.head)


# --- characteristics ------------------------------------------------------------------------


def test_head_records_a_change_from_a_date_and_history_keeps_the_old(cast, client_for):
    current = characteristics_as_at(cast.ava, cast.today)
    effective = cast.today - dt.timedelta(days=5)
    response = client_for(cast.head).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, effective, fsm=False, eal=True, first_language="pol"),
    )
    assert response.status_code == 302
    assert characteristics_as_at(cast.ava, effective - dt.timedelta(days=1)).fsm is True
    now = characteristics_as_at(cast.ava, cast.today)
    assert (now.fsm, now.eal, now.first_language, now.valid_from) == (False, True, "POL", effective)
    assert now.recorded_by == cast.head
    [entry] = audit_for(cast.ava, cast.head)
    assert entry.before == {"eal": False, "first_language": "ENG", "fsm": True}
    assert entry.after == {"eal": True, "first_language": "POL", "fsm": False}


def test_a_change_before_the_current_record_began_is_refused_with_the_dates(cast, client_for):
    current = characteristics_as_at(cast.ava, cast.today)
    too_early = current.valid_from - dt.timedelta(days=1)
    response = client_for(cast.head).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, too_early, fsm=False),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "before the current record began" in html
    assert f"{too_early:%d/%m/%Y}" in html
    assert CharacteristicsPeriod.objects.filter(pupil=cast.ava).count() == 1


def test_a_future_effective_date_is_refused(cast, client_for):
    current = characteristics_as_at(cast.ava, cast.today)
    response = client_for(cast.head).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, cast.today + dt.timedelta(days=1), fsm=False),
    )
    assert "is in the future" in response.content.decode()


def test_sen_fields_need_edit_sen(cast, client_for):
    # a senior leader edits pupils but not SEN: the SEN fields are not on their form, and posting
    # them changes nothing
    page = client_for(cast.senior).get(url("change_characteristics", pupil_id=cast.ava.pk)).content.decode()
    assert 'name="sen_provision"' not in page and 'name="fsm"' in page
    current = characteristics_as_at(cast.ava, cast.today)
    client_for(cast.senior).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, cast.today, fsm=False, sen_provision="E", primary_need="ASD"),
    )
    now = characteristics_as_at(cast.ava, cast.today)
    assert now.fsm is False and now.sen_provision == "N"
    # the analyst likewise; the head has both
    page = client_for(cast.analyst).get(url("change_characteristics", pupil_id=cast.ava.pk)).content.decode()
    assert 'name="sen_provision"' not in page
    page = client_for(cast.head).get(url("change_characteristics", pupil_id=cast.ava.pk)).content.decode()
    assert 'name="sen_provision"' in page and 'name="fsm"' in page


def test_senco_records_sen_support_on_the_sen_form(cast, client_for):
    client = client_for(cast.senco)
    assert client.get(url("change_characteristics", pupil_id=cast.ava.pk)).status_code == 403
    page = client.get(url("change_sen", pupil_id=cast.ava.pk)).content.decode()
    assert 'name="sen_provision"' in page and 'name="fsm"' not in page and 'name="nc_year"' not in page
    response = client.post(
        url("change_sen", pupil_id=cast.ava.pk),
        {
            "effective": cast.today.isoformat(),
            "sen_provision": "K",
            "primary_need": "SLCN",
            "secondary_need": "",
        },
    )
    assert response.status_code == 302
    now = characteristics_as_at(cast.ava, cast.today)
    assert (now.sen_provision, now.primary_need, now.fsm) == ("K", "SLCN", True)  # FSM untouched
    [entry] = audit_for(cast.ava, cast.senco)
    assert entry.after == {"primary_need": "SLCN", "sen_provision": "K"}


def test_sen_support_without_a_need_is_named(cast, client_for):
    response = client_for(cast.senco).post(
        url("change_sen", pupil_id=cast.ava.pk),
        {
            "effective": cast.today.isoformat(),
            "sen_provision": "K",
            "primary_need": "",
            "secondary_need": "SLD",
        },
    )
    html = response.content.decode()
    assert "Choose the primary need" in html and 'href="#id_primary_need"' in html
    assert "A secondary need needs a primary need first" in html
    assert characteristics_as_at(cast.ava, cast.today).sen_provision == "N"


def test_an_unchanged_characteristics_form_writes_nothing(cast, client_for):
    current = characteristics_as_at(cast.ava, cast.today)
    response = client_for(cast.head).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, cast.today),
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert CharacteristicsPeriod.objects.filter(pupil=cast.ava).count() == 1


def test_an_invalid_code_is_named_not_a_crash(cast, client_for):
    current = characteristics_as_at(cast.ava, cast.today)
    response = client_for(cast.head).post(
        url("change_characteristics", pupil_id=cast.ava.pk),
        characteristics_data(current, cast.today, ethnicity="MARS", first_language="english!", nc_year="99"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ethnicity (“MARS”)" in html and "First language (“english!”)" in html and "NC year (“99”)" in html


# --- enrolments -----------------------------------------------------------------------------


def test_head_takes_a_pupil_off_roll_with_a_reason(cast, client_for):
    enrolment = Enrolment.objects.get(pupil=cast.ben, school=cast.north)
    last_day = cast.today - dt.timedelta(days=2)
    client = client_for(cast.head)
    assert (
        "Take Ben Baker off roll"
        in client.get(url("end_enrolment", enrolment_id=enrolment.pk)).content.decode()
    )
    response = client.post(
        url("end_enrolment", enrolment_id=enrolment.pk),
        {"end_date": last_day.isoformat(), "leaving_reason": "transfer"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.end_date, enrolment.leaving_reason) == (last_day, "transfer")
    [entry] = audit_for(enrolment, cast.head)
    assert entry.after == {"end_date": last_day.isoformat(), "leaving_reason": "transfer"}
    # ended already: the page says so instead of offering the form again
    response = client.get(url("end_enrolment", enrolment_id=enrolment.pk), follow=True)
    assert "already left" in response.content.decode()


def test_ending_before_the_start_or_without_a_reason_is_named(cast, client_for):
    enrolment = Enrolment.objects.get(pupil=cast.ben, school=cast.north)
    too_early = enrolment.start_date - dt.timedelta(days=1)
    response = client_for(cast.head).post(
        url("end_enrolment", enrolment_id=enrolment.pk),
        {"end_date": too_early.isoformat(), "leaving_reason": ""},
    )
    html = response.content.decode()
    assert (
        "is before the pupil joined" in html
        and "Reason for leaving" in html
        and "This field is required" in html
    )
    enrolment.refresh_from_db()
    assert enrolment.end_date is None


def test_analyst_records_an_ap_placement_with_the_placing_school(cast, client_for):
    client = client_for(cast.analyst)
    page = client.get(url("add_enrolment", pupil_id=cast.cara.pk)).content.decode()
    assert "Bridge AP" in page and "Hillside Academy" not in page  # only schools they may edit
    response = client.post(
        url("add_enrolment", pupil_id=cast.cara.pk),
        {
            "school": cast.bridge.pk,
            "start_date": cast.today.isoformat(),
            "registration": "S",
            "placing_school_urn": cast.river.urn,
        },
    )
    assert response.status_code == 302
    placement = Enrolment.objects.get(pupil=cast.cara, school=cast.bridge)
    assert placement.placing_school == cast.river and placement.registration == "S"
    assert audit_for(placement, cast.analyst)


def test_an_unknown_placing_school_and_a_duplicate_enrolment_are_named(cast, client_for):
    client = client_for(cast.analyst)
    response = client.post(
        url("add_enrolment", pupil_id=cast.cara.pk),
        {
            "school": cast.bridge.pk,
            "start_date": cast.today.isoformat(),
            "registration": "S",
            "placing_school_urn": "999999",
        },
    )
    html = response.content.decode()
    assert "Placing school URN (“999999”)" in html and "No school with this URN" in html
    response = client.post(
        url("add_enrolment", pupil_id=cast.cara.pk),
        {
            "school": cast.river.pk,
            "start_date": cast.today.isoformat(),
            "registration": "C",
            "placing_school_urn": "",
        },
    )
    assert "Cara Carter is already on roll at Riverside Secondary." in response.content.decode()
    assert Enrolment.objects.filter(pupil=cast.cara).count() == 1


def test_a_head_can_only_enrol_at_their_own_school(cast, client_for):
    response = client_for(cast.head).post(
        url("add_enrolment", pupil_id=cast.ava.pk),
        {
            "school": cast.river.pk,
            "start_date": cast.today.isoformat(),
            "registration": "M",
            "placing_school_urn": "",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Enrolment.objects.filter(pupil=cast.ava, school=cast.river).exists()


def test_first_language_is_chosen_by_name_and_an_unlisted_code_is_kept(cast, client_for):
    from strides.pupils.services import change_characteristics

    change_characteristics(cast.admin, cast.ava, {"first_language": "ZZZ"}, effective=cast.today)
    html = client_for(cast.head).get(url("change_characteristics", pupil_id=cast.ava.pk)).content.decode()
    assert '<option value="PNJ">Panjabi (PNJ)</option>' in html
    assert '<option value="ZZZ" selected>ZZZ (census code)</option>' in html


def test_a_head_who_is_a_parent_cannot_put_their_own_child_on_their_school_s_roll(cast, client_for):
    """Enrolling is a staff write (gate.as_staff): the head sees Cara (at river) only as her
    parent, and enrolling her at north would open her school record to north's staff."""
    from strides.accounts import services as accounts

    accounts.link_parent(None, cast.head, cast.cara, cast.trust, "mother")
    data = {"school": cast.north.pk, "start_date": cast.today.isoformat(), "registration": "M"}
    response = client_for(cast.head).post(
        url("add_enrolment", pupil_id=cast.cara.pk), {**data, "placing_school_urn": ""}
    )
    assert response.status_code == 404
    api = client_for(cast.head).post(
        "/api/v1/enrolments/", {"pupil": cast.cara.pk, **data}, content_type="application/json"
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "pupil"
    assert not Enrolment.objects.filter(pupil=cast.cara, school=cast.north).exists()
