"""Error answers are JSON, name what was wrong, and never show a traceback."""

from __future__ import annotations

import pytest

from strides.pupils import services as pupil_services

pytestmark = pytest.mark.django_db


def test_malformed_json_is_a_400_with_a_message(cast, api):
    response = api(cast.head).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_an_unexpected_failure_answers_json_without_a_traceback(cast, api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pupil_services, "change_characteristics", broken)
    response = api(cast.head).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"fsm": False}, format="json"
    )
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side. The error has been logged."}
    assert "disk on fire" not in response.content.decode()
    assert "disk on fire" in caplog.text


def test_a_method_the_endpoint_does_not_have_is_405(cast, api):
    response = api(cast.admin).delete(f"/api/v1/pupils/{cast.ava.pk}/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert api(cast.admin).post("/api/v1/schools/", {}, format="json").status_code == 405


def test_errors_of_several_fields_are_all_reported_at_once(cast, api):
    response = api(cast.head).post(
        "/api/v1/classes/", {"school": "", "academic_year": "next", "nc_year": 99}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "4 fields have a problem."
    assert {(e["field"], e["value"]) for e in body["errors"]} == {
        ("school", ""),
        ("academic_year", "next"),
        ("nc_year", 99),
        ("name", None),
    }


def test_too_many_requests_are_throttled_with_a_json_answer(cast, api, monkeypatch):
    from django.core.cache import cache

    from strides.api.base import ApiUserThrottle

    cache.clear()
    monkeypatch.setattr(ApiUserThrottle, "THROTTLE_RATES", {"user": "3/hour"})
    client = api(cast.head)
    try:
        assert [client.get("/api/v1/schools/").status_code for _ in range(3)] == [200, 200, 200]
        response = client.get("/api/v1/pupils/")
        assert response.status_code == 429
        assert "throttled" in response.json()["detail"]
        assert int(response["Retry-After"]) > 0
    finally:
        cache.clear()


def test_a_refusal_of_the_app_named_is_a_400_on_the_field_and_any_other_error_is_not():
    """``service_errors`` knows no app: each app's API names its own refusals, so a new app's
    refusal is a 400 on the field it is about, and an error it did not name stays a 500."""
    from rest_framework import exceptions

    from strides.api.errors import service_errors

    class InterventionError(ValueError):
        pass

    with pytest.raises(exceptions.ValidationError) as refused, service_errors("starts_on", InterventionError):
        raise InterventionError("Reading catch-up has started already.")
    assert refused.value.detail == {"starts_on": ["Reading catch-up has started already."]}
    with pytest.raises(KeyError), service_errors("starts_on", InterventionError):
        raise KeyError("a bug, not a refusal")
