"""SEN changes to confirm: the school's SENCO and head (and the trust admin) confirm or reject the
SEN changes that imports staged; a confirmed one is written through change_characteristics, with
its history period and audit entry; a stale one must be checked again; nobody else sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.pupils import services as pupils
from strides.pupils.models import CharacteristicsPeriod, StagedSenChange
from strides.pupils.queries import current_characteristics
from strides.pupils.services import staged_sen

pytestmark = pytest.mark.django_db

PAGE = reverse("pupils:sen_changes")
ALL = reverse("pupils:sen_changes_decide_all")
EHCP_ASD = {"sen_provision": "E", "primary_need": "ASD", "secondary_need": ""}


def stage(cast, pupil, proposed, *, school=None, source="mis.csv", by=None):
    """Stage a change as an import by the analyst would (the same plan and service)."""
    plans = staged_sen.plan_sen_changes(
        [staged_sen.SenRow(row=2, upn=pupil.upn, name=pupil.display_name, values=proposed)]
    )
    [change] = staged_sen.stage_sen_changes(
        by or cast.analyst, school or cast.north, plans, source=source, effective=cast.today
    )
    return change


def decide_url(change) -> str:
    return reverse("pupils:sen_change_decide", kwargs={"sen_change_id": change.pk})


def seen(pupil) -> str:
    return staged_sen.fingerprint(staged_sen.sen_of(current_characteristics(pupil)))


@pytest.mark.parametrize("who", ["senco", "head", "admin"])
def test_the_schools_senco_and_head_and_the_trust_admin_see_the_changes(cast, client_for, who):
    stage(cast, cast.ava, EHCP_ASD)
    html = client_for(cast.users[who]).get(PAGE).content.decode()
    assert "Northfield Primary: 1 waiting" in html
    assert "Ava Archer" in html and "mis.csv, row 2" in html and "Ana Lyst" in html
    assert "<mark>Education, health and care plan</mark>" in html and "Autistic spectrum disorder" in html


@pytest.mark.parametrize("who", ["analyst", "senior", "teacher", "governor", "parent", "placing"])
def test_no_one_without_edit_sen_opens_the_page(cast, client_for, who):
    stage(cast, cast.ava, EHCP_ASD)
    response = client_for(cast.users[who]).get(PAGE)
    # the page names pupils and their SEN: "not found", as for anything out of scope (ADR 2)
    assert response.status_code == 404
    assert "Ava" not in response.content.decode()


def test_another_schools_head_sees_nothing_and_cannot_decide(cast, client_for):
    change = stage(cast, cast.ava, EHCP_ASD)
    client = client_for(cast.river_head)
    assert "Ava" not in client.get(PAGE).content.decode()
    assert client.post(decide_url(change), {"decision": "confirm", "seen": seen(cast.ava)}).status_code == 404
    assert client.post(ALL, {"decision": "reject", "change": [change.pk]}).status_code == 404
    change.refresh_from_db()
    assert change.status == "pending"
    assert client_for(cast.head).post(decide_url(change), {"decision": "perhaps"}).status_code == 404


def test_confirming_writes_the_sen_record_with_its_history_and_audit(cast, client_for):
    change = stage(cast, cast.ava, EHCP_ASD)
    client = client_for(cast.senco)
    response = client.post(decide_url(change), {"decision": "confirm", "seen": seen(cast.ava)}, follow=True)
    assert "Ava Archer&#x27;s SEN record was updated." in response.content.decode()
    period = current_characteristics(cast.ava)
    assert (period.sen_provision, period.primary_need, period.recorded_by) == ("E", "ASD", cast.senco)
    assert period.fsm is True  # the rest of the record is kept
    assert CharacteristicsPeriod.objects.filter(pupil=cast.ava).count() == 2  # history: a new period
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("confirmed", cast.senco)
    assert AuditEntry.objects.filter(
        object_type="pupils.Pupil", object_id=str(cast.ava.pk), actor=cast.senco, after__sen_provision="E"
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="pupils.StagedSenChange", object_id=str(change.pk), after__status="confirmed"
    ).exists()
    html = client.get(PAGE).content.decode()
    assert "No SEN changes are waiting for you." in html and "Confirmed by Sena Coe" in html


def test_rejecting_leaves_the_record_as_it_was(cast, client_for):
    change = stage(cast, cast.ben, {"sen_provision": "E"})
    client_for(cast.head).post(decide_url(change), {"decision": "reject"})
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("rejected", cast.head)
    assert current_characteristics(cast.ben).sen_provision == "K"


def test_a_stale_change_is_shown_as_such_and_must_be_checked_again(cast, client_for):
    change = stage(cast, cast.ben, {"sen_provision": "E"})
    old_seen = seen(cast.ben)
    # the SENCO changes Ben's record by hand after the import
    pupils.change_characteristics(cast.senco, cast.ben, {"primary_need": "MLD"}, effective=cast.today)
    client = client_for(cast.senco)
    html = client.get(PAGE).content.decode()
    assert "Changed since the import" in html and "Confirm after checking" in html
    assert ">Confirm all" not in html  # nothing fresh to confirm all at once
    response = client.post(decide_url(change), {"decision": "confirm", "seen": old_seen}, follow=True)
    assert "changed while you were looking: check the change again" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "pending" and current_characteristics(cast.ben).sen_provision == "K"
    # checked again against the record as it is now
    client.post(decide_url(change), {"decision": "confirm", "seen": seen(cast.ben)})
    change.refresh_from_db()
    assert change.status == "confirmed"
    assert change.proposed == {"sen_provision": "E", "primary_need": "SPLD", "secondary_need": ""}
    assert current_characteristics(cast.ben).sen_provision == "E"


def test_confirm_all_confirms_only_what_was_shown_and_not_stale(cast, client_for):
    ava = stage(cast, cast.ava, EHCP_ASD)
    ben = stage(cast, cast.ben, {"sen_provision": "E"})
    client = client_for(cast.head)
    data = {"decision": "confirm", "change": [ava.pk, ben.pk], f"seen-{ava.pk}": seen(cast.ava)}
    data[f"seen-{ben.pk}"] = "N||"  # Ben's record was not what the page showed
    response = client.post(ALL, data, follow=True)
    html = response.content.decode()
    assert "1 SEN change confirmed." in html and "Ben Baker" in html
    assert StagedSenChange.objects.get(pk=ava.pk).status == "confirmed"
    assert StagedSenChange.objects.get(pk=ben.pk).status == "pending"


def test_a_change_decided_already_says_by_whom(cast, client_for):
    change = stage(cast, cast.ava, EHCP_ASD)
    client_for(cast.head).post(decide_url(change), {"decision": "reject"})
    response = client_for(cast.senco).post(
        decide_url(change), {"decision": "confirm", "seen": seen(cast.ava)}, follow=True
    )
    assert "already rejected by Hana Head" in response.content.decode()
    assert current_characteristics(cast.ava).sen_provision == "N"


def test_a_pupil_who_left_cannot_be_confirmed_there(cast, client_for):
    change = stage(cast, cast.ava, EHCP_ASD)
    enrolment = cast.ava.enrolments.get(school=cast.north)
    pupils.end_enrolment(None, enrolment, cast.today - dt.timedelta(days=1), "transfer")
    pupils.enrol(None, cast.ava, cast.river, cast.today)
    with pytest.raises(staged_sen.SenChangeProblem, match="no longer on roll at Northfield Primary"):
        staged_sen.confirm(cast.admin, change, seen=seen(cast.ava))


def test_a_confirmed_change_cannot_go_back_before_a_later_record(cast):
    change = stage(cast, cast.ava, EHCP_ASD)
    StagedSenChange.objects.filter(pk=change.pk).update(effective=cast.today - dt.timedelta(days=30))
    pupils.change_characteristics(
        cast.head, cast.ava, {"eal": True}, effective=cast.today - dt.timedelta(days=5)
    )
    change.refresh_from_db()
    staged_sen.confirm(cast.senco, change, seen=seen(cast.ava))
    period = current_characteristics(cast.ava)
    assert (period.valid_from, period.sen_provision, period.eal) == (
        cast.today - dt.timedelta(days=5),
        "E",
        True,
    )


def test_the_page_query_count_is_pinned(cast, client_for, django_assert_max_num_queries):
    from strides.pupils.models import Pupil

    stage(cast, cast.ava, EHCP_ASD)
    stage(cast, cast.ben, {"sen_provision": "E"})
    for serial in range(3):
        pupil = Pupil.objects.get(pk=cast.ava.pk)
        change = stage(cast, pupil, {"sen_provision": "KEK"[serial]})  # each supersedes the one before
    staged_sen.reject(cast.head, change)
    client = client_for(cast.admin)
    with django_assert_max_num_queries(8):  # 5 for every page (session, user, scope, nav)
        html = client.get(PAGE).content.decode()
    assert "Recently decided" in html


def test_the_senco_and_head_land_on_a_count_and_a_link(cast, client_for):
    stage(cast, cast.ava, EHCP_ASD)
    stage(cast, cast.ben, {"sen_provision": "E"})
    for who in ("senco", "head"):
        html = client_for(cast.users[who]).get(reverse("web:home")).content.decode()
        assert "2 changes to pupils&#x27; SEN records from pupil imports wait for you" in html
        assert f'href="{PAGE}"' in html
    for who in ("analyst", "river_head", "teacher"):
        html = client_for(cast.users[who]).get(reverse("web:home")).content.decode()
        assert "SEN records from pupil imports" not in html
    assert f'href="{PAGE}"' not in client_for(cast.analyst).get(reverse("web:home")).content.decode()
