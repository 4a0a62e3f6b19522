"""One rule for who may change a pupil's record, in the pages and the API alike: the schools
where they are on roll today, or, for a pupil on no roll, their most recent school."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from strides.access.roll_readers import main_school_id, schools_responsible_for
from strides.accounts.services import create_api_token
from strides.pupils import services as pupils
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


def test_on_roll_today_decides(cast):
    assert schools_responsible_for(cast.ava) == {cast.north.pk}
    add_mover(cast)
    assert schools_responsible_for(cast.mia) == {cast.river.pk}
    # on the day before she left north, north kept her record
    assert schools_responsible_for(cast.mia, cast.mia_left) == {cast.north.pk}


def test_dual_registration_gives_both_schools(cast):
    pupils.enrol(None, cast.ava, cast.oak, cast.year.starts_on, registration="S")
    assert schools_responsible_for(cast.ava) == {cast.north.pk, cast.oak.pk}
    assert main_school_id(cast.ava) == cast.north.pk  # single registration comes first


def test_on_no_roll_the_most_recent_school_decides(cast):
    add_mover(cast)
    river = cast.mia.enrolments.get(school=cast.river)
    pupils.end_enrolment(None, river, cast.today - dt.timedelta(days=5), "moved_away")
    assert schools_responsible_for(cast.mia) == {cast.river.pk}
    assert schools_responsible_for(cast.eli) == {cast.bridge.pk}
    assert schools_responsible_for(cast.mia, enrolments=[]) == set()  # no enrolment: no school


def test_pages_and_api_agree_for_a_pupil_on_no_roll(cast, client_for):
    add_mover(cast)
    river = cast.mia.enrolments.get(school=cast.river)
    pupils.end_enrolment(None, river, cast.today - dt.timedelta(days=5), "moved_away")

    def api(user):
        _, secret = create_api_token(None, user, "t")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    details = reverse("pupils:edit_details", kwargs={"pupil_id": cast.mia.pk})
    patch = f"/api/v1/pupils/{cast.mia.pk}/"
    # north, which she left first, sees her still (within the window) but edits her nowhere
    assert client_for(cast.head).get(details).status_code == 403
    assert api(cast.head).patch(patch, {"middle_names": "Jo"}, format="json").status_code == 403
    # river, her most recent school, edits her in both
    assert client_for(cast.river_head).get(details).status_code == 200
    assert api(cast.river_head).patch(patch, {"middle_names": "Jo"}, format="json").status_code == 200
