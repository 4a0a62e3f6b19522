"""The API's view of a pupil who moved from north to river: north's head reads north's enrolment
and the record up to her last day there, never river's enrolment or what river recorded."""

from __future__ import annotations

import pytest

from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


@pytest.fixture
def mover(cast):
    return add_mover(cast)


def test_detail_shows_the_old_school_only_its_part(mover, api):
    c = mover
    response = api(c.head).get(f"/api/v1/pupils/{c.mia.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [e["school"]["urn"] for e in body["enrolments"]] == [c.north.urn]
    assert body["left_on"] == c.mia_left.isoformat()
    assert body["characteristics"]["sen_provision"] == "N"
    assert body["characteristics"]["nc_year"] == 6
    assert body["characteristics"]["fsm"] is True
    assert body["characteristics"]["valid_to"] is None
    text = response.content.decode()
    assert c.river.urn not in text and "ASD" not in text and c.mia_ehcp_from.isoformat() not in text


def test_detail_shows_the_new_school_and_trust_roles_everything(mover, api):
    c = mover
    body = api(c.river_head).get(f"/api/v1/pupils/{c.mia.pk}/").json()
    assert [e["school"]["urn"] for e in body["enrolments"]] == [c.river.urn]
    assert body["characteristics"]["sen_provision"] == "E" and body["left_on"] is None
    body = api(c.admin).get(f"/api/v1/pupils/{c.mia.pk}/").json()
    assert {e["school"]["urn"] for e in body["enrolments"]} == {c.north.urn, c.river.urn}


def test_history_stops_at_the_last_day(mover, api):
    c = mover
    client = api(c.head)
    url = f"/api/v1/pupils/{c.mia.pk}/characteristics/"
    history = client.get(url).json()
    assert [p["valid_from"] for p in history] == [c.mia_joined.isoformat(), c.mia_fsm_from.isoformat()]
    assert history[-1]["valid_to"] is None
    assert client.get(url, {"as_at": c.mia_left.isoformat()}).json()["fsm"] is True
    response = client.get(url, {"as_at": c.mia_ehcp_from.isoformat()})
    assert response.status_code == 404
    assert "ASD" not in response.content.decode()
    assert len(api(c.river_head).get(url).json()) == 3


def test_list_and_filters_do_not_tell_where_the_leaver_went(mover, api):
    c = mover
    client = api(c.head)
    rows = {row["legal_forename"]: row for row in client.get("/api/v1/pupils/").json()["results"]}
    assert rows["Mia"]["schools"] == []
    assert rows["Mia"]["sen_provision"] == "N" and rows["Mia"]["nc_year"] == 6
    assert rows["Mia"]["left_on"] == c.mia_left.isoformat()
    assert rows["Ava"]["left_on"] is None and rows["Ava"]["schools"] == [c.north.urn]
    assert client.get("/api/v1/pupils/", {"school": c.river.urn}).json()["count"] == 0
    assert client.get("/api/v1/pupils/", {"sen_provision": "E"}).json()["count"] == 0
    assert client.get("/api/v1/pupils/", {"nc_year": 7}).json()["count"] == 0
    # river's head and the trust see her where she is
    assert api(c.river_head).get("/api/v1/pupils/", {"sen_provision": "E"}).json()["count"] == 1
    assert api(c.admin).get("/api/v1/pupils/", {"school": c.river.urn, "nc_year": 7}).json()["count"] == 1


def test_enrolments_list_holds_only_the_old_schools_enrolment(mover, api):
    c = mover
    rows = api(c.head).get("/api/v1/enrolments/", {"pupil": c.mia.pk}).json()["results"]
    assert [r["school"]["urn"] for r in rows] == [c.north.urn]
    river = c.mia.enrolments.get(school=c.river)
    assert api(c.head).get(f"/api/v1/enrolments/{river.pk}/").status_code == 404


def test_the_old_school_may_not_change_or_re_enrol_the_leaver(mover, api):
    c = mover
    client = api(c.head)
    response = client.patch(f"/api/v1/pupils/{c.mia.pk}/", {"legal_forename": "Mya"}, format="json")
    assert response.status_code == 403
    response = client.post(f"/api/v1/pupils/{c.mia.pk}/characteristics/", {"fsm": False}, format="json")
    assert response.status_code == 403
    response = client.post(
        "/api/v1/enrolments/",
        {"pupil": c.mia.pk, "school": c.north.urn, "start_date": c.today.isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert "trust data team" in response.json()["detail"]
    assert c.mia.enrolments.count() == 2


def test_after_the_window_the_old_school_gets_404(mover, api, settings):
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 59
    assert api(mover.head).get(f"/api/v1/pupils/{mover.mia.pk}/").status_code == 404
