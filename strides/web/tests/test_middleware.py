"""Parameters with a NUL character are refused with a 400 naming them, on pages and the API."""

from __future__ import annotations


def test_a_page_refuses_a_nul_in_a_parameter_with_a_400_naming_it(cast, client_for):
    response = client_for(cast.head).get("/dashboards/trust/?subject=ma%00ths")
    assert response.status_code == 400
    assert "“subject” contains a NUL character" in response.content.decode()


def test_the_api_refuses_a_nul_in_a_parameter_as_json(cast, client_for):
    response = client_for(cast.analyst).get("/api/v1/analytics/attainment/?school=%00")
    assert response.status_code == 400
    assert "“school” contains a NUL character" in response.json()["detail"]


def test_ordinary_parameters_pass(cast, client_for):
    assert client_for(cast.head).get("/pupils/search/?q=ava").status_code == 200


def test_a_nul_in_the_path_is_refused_too(cast, client_for):
    response = client_for(cast.head).get("/dashboards/schools/%00/")
    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()
