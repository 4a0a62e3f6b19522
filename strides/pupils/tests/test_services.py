"""The pupil write path: upsert (the importers' and demo's engine), history, enrolments."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.audit.models import AuditEntry
from strides.pupils import services
from strides.pupils.models import CharacteristicsPeriod, Enrolment, FormerUpn, Pupil
from strides.pupils.queries import characteristics_as_at, search
from strides.pupils.services import PupilDataError, PupilRecord, upsert_pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 9, 1)


def rec(serial: int, **overrides) -> PupilRecord:
    fields = {
        "upn": make_upn(801, 2001, 24, serial),
        "legal_forename": f"Pupil{serial}",
        "legal_surname": "Example",
        "date_of_birth": dt.date(2017, 1, 1),
        "sex": "F",
        "characteristics": {"nc_year": 3},
        "row": serial + 1,
    }
    fields.update(overrides)
    return PupilRecord(**fields)


def test_dry_run_reports_and_writes_nothing(cast):
    before = (Pupil.objects.count(), AuditEntry.objects.count())
    result = upsert_pupils(None, cast.north, [rec(100), rec(101)], effective=DAY, dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.committed) == (2, 0, 0, False)
    assert (Pupil.objects.count(), AuditEntry.objects.count()) == before


def test_created_then_unchanged_then_updated(cast):
    first = upsert_pupils(None, cast.north, [rec(100)], effective=DAY)
    assert first.created == 1
    pupil = Pupil.objects.get(upn=rec(100).upn)
    assert Enrolment.objects.get(pupil=pupil).school == cast.north
    again = upsert_pupils(None, cast.north, [rec(100)], effective=DAY)
    assert again.unchanged == 1
    later = DAY + dt.timedelta(days=60)
    changed = upsert_pupils(
        None, cast.north, [rec(100, characteristics={"nc_year": 3, "fsm": True})], effective=later
    )
    assert changed.updated == 1
    assert changed.outcomes[0].changes == {"fsm": (False, True)}
    assert not characteristics_as_at(pupil, DAY).fsm
    assert characteristics_as_at(pupil, later).fsm
    entry = AuditEntry.objects.filter(object_type="pupils.Pupil", object_id=str(pupil.pk)).first()
    assert entry.action == "update" and entry.before == {"fsm": False} and entry.after == {"fsm": True}


def test_missing_columns_never_blank_stored_values(cast):
    upsert_pupils(
        None, cast.north, [rec(100, characteristics={"nc_year": 3, "ethnicity": "BAFR"})], effective=DAY
    )
    result = upsert_pupils(
        None, cast.north, [rec(100, characteristics={})], effective=DAY + dt.timedelta(days=5)
    )
    assert result.unchanged == 1
    pupil = Pupil.objects.get(upn=rec(100).upn)
    assert characteristics_as_at(pupil, DAY + dt.timedelta(days=5)).ethnicity == "BAFR"


def test_same_day_correction_edits_in_place(cast):
    upsert_pupils(None, cast.north, [rec(100)], effective=DAY)
    upsert_pupils(None, cast.north, [rec(100, characteristics={"nc_year": 4})], effective=DAY)
    pupil = Pupil.objects.get(upn=rec(100).upn)
    assert CharacteristicsPeriod.objects.filter(pupil=pupil).count() == 1
    assert characteristics_as_at(pupil, DAY).nc_year == 4


def test_temporary_upn_is_replaced_and_kept_as_former(cast):
    temporary = "X00180001701A"
    upsert_pupils(None, cast.north, [rec(100, upn=temporary)], effective=DAY)
    permanent = rec(100).upn
    result = upsert_pupils(None, cast.north, [rec(100, former_upns=(temporary,))], effective=DAY)
    assert result.updated == 1 and result.outcomes[0].changes["upn"] == (temporary, permanent)
    pupil = Pupil.objects.get(upn=permanent)
    assert FormerUpn.objects.filter(pupil=pupil, upn=temporary).exists()
    assert list(search(Pupil.objects.all(), temporary)) == [pupil]


def test_new_pupil_needs_an_nc_year_and_nothing_is_written(cast):
    count = Pupil.objects.count()
    with pytest.raises(PupilDataError, match="NC year"):
        upsert_pupils(None, cast.north, [rec(100), rec(101, characteristics={})], effective=DAY)
    assert Pupil.objects.count() == count


def test_duplicate_upns_in_one_batch_are_refused(cast):
    with pytest.raises(PupilDataError, match="twice"):
        upsert_pupils(None, cast.north, [rec(100), rec(100)], effective=DAY)


def test_pupil_moving_school_gets_a_second_enrolment(cast):
    upsert_pupils(None, cast.north, [rec(100)], effective=DAY)
    result = upsert_pupils(None, cast.river, [rec(100)], effective=DAY)
    assert result.updated == 1 and "enrolment" in result.outcomes[0].changes
    assert Enrolment.objects.filter(pupil__upn=rec(100).upn).count() == 2


def test_change_characteristics_keeps_history_and_refuses_backdating(cast):
    start = CharacteristicsPeriod.objects.get(pupil=cast.ben, valid_to__isnull=True).valid_from
    later = start + dt.timedelta(days=30)
    services.change_characteristics(cast.senco, cast.ben, {"sen_provision": "E"}, effective=later)
    assert characteristics_as_at(cast.ben, start).sen_provision == "K"
    assert characteristics_as_at(cast.ben, later).sen_provision == "E"
    with pytest.raises(PupilDataError, match="cannot take effect before"):
        services.change_characteristics(cast.senco, cast.ben, {"fsm": True}, effective=start)
    with pytest.raises(PupilDataError, match="Not a characteristic"):
        services.change_characteristics(cast.senco, cast.ben, {"upn": "x"})
    entry = AuditEntry.objects.filter(object_id=str(cast.ben.pk), object_type="pupils.Pupil").first()
    assert entry.actor == cast.senco and entry.after == {"sen_provision": "E"}


def test_update_details_validates_upn_and_keeps_the_old_one(cast):
    with pytest.raises(PupilDataError, match="Check letter"):
        services.update_pupil_details(cast.head, cast.ava, upn="A801200005001")
    new_upn = make_upn(801, 2001, 25, 500)
    old_upn = cast.ava.upn
    services.update_pupil_details(cast.head, cast.ava, upn=new_upn.lower(), preferred_forename="Avi")
    cast.ava.refresh_from_db()
    assert cast.ava.upn == new_upn and cast.ava.forename == "Avi"
    assert FormerUpn.objects.filter(pupil=cast.ava, upn=old_upn).exists()
    with pytest.raises(PupilDataError, match="another pupil"):
        services.update_pupil_details(cast.head, cast.ben, upn=new_upn)


def test_enrolment_rules(cast):
    with pytest.raises(PupilDataError, match="already on roll"):
        services.enrol(cast.admin, cast.ava, cast.north, DAY)
    enrolment = Enrolment.objects.get(pupil=cast.ava, school=cast.north)
    with pytest.raises(PupilDataError, match="before the start date"):
        services.end_enrolment(cast.admin, enrolment, enrolment.start_date - dt.timedelta(days=1), "transfer")
    with pytest.raises(PupilDataError, match="not a leaving reason"):
        services.end_enrolment(cast.admin, enrolment, enrolment.start_date, "bored")
    services.end_enrolment(cast.admin, enrolment, enrolment.start_date + dt.timedelta(days=10), "transfer")
    placement = services.enrol(
        cast.admin,
        cast.ava,
        cast.bridge,
        enrolment.start_date + dt.timedelta(days=11),
        placing_school=cast.hillside,
    )
    assert placement.is_placement
