"""The OpenAPI schema and the browsable reference page."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_generates_valid_with_no_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn turns any drf-spectacular warning into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO())
    text = out.read_text()
    for path in (
        "/api/v1/schools/",
        "/api/v1/pupils/{id}/characteristics/",
        "/api/v1/enrolments/{id}/end/",
        "/api/v1/classes/{id}/staff/",
    ):
        assert f"  {path}:" in text


def test_schema_endpoint_needs_sign_in_and_describes_token_auth(cast, client_for):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    response = client_for(cast.teacher).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Strides API"
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    pupils = schema["paths"]["/api/v1/pupils/"]["get"]
    assert {p["name"] for p in pupils["parameters"]} >= {
        "school",
        "nc_year",
        "sen_provision",
        "on_roll",
        "search",
        "page",
    }
    assert "post" in schema["paths"]["/api/v1/pupils/{id}/characteristics/"]


def test_docs_page_loads_swagger_ui_from_our_own_static_files(cast, client_for):
    response = client_for(cast.teacher).get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/api/docs.js",
    ]
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    # the strict CSP allows no inline script or style: every script has a src, no style blocks
    assert len(re.findall(r"<script", html)) == len(sources)
    assert "<style" not in html and "style=" not in html
    assert 'data-schema-url="/api/v1/schema/"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "cdn" not in html.lower()


def test_docs_page_sends_anonymous_visitors_to_sign_in(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_api_root_lists_the_collections(cast, api):
    response = api(cast.teacher).get("/api/v1/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "schools", "pupils", "enrolments", "classes",
        "step-frameworks", "achievement-records", "engagement-observations", "step-conversations",
    }  # fmt: skip
    assert APIClient().get("/api/v1/").status_code == 401
