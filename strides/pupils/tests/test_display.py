"""Characteristics as people read them: census first-language codes shown with their names."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from strides.pupils import display
from strides.pupils.census_codes import LANGUAGES, language_label


def test_language_label_names_the_common_census_codes():
    assert language_label("RMN") == "Romanian"
    assert language_label("PNJ") == "Panjabi"
    assert language_label("ENB") == "Believed to be English"
    assert language_label("OTB") == "Believed to be other than English"
    assert language_label("pol") == "Polish"  # codes are matched whatever their case


def test_language_label_falls_back_to_the_code():
    assert language_label("XYZ") == "XYZ"
    assert language_label("") == ""
    assert language_label(None) == ""


def test_every_language_code_is_three_capital_letters():
    assert all(len(code) == 3 and code.isupper() for code in LANGUAGES)
    assert {"ENG", "ENB", "OTB", "POL", "PNJ", "URD", "BNG", "RMN", "ARA", "SOM", "LIT"} <= set(LANGUAGES)


def test_the_language_filter_shows_the_name_with_the_code():
    template = Template("{% load strides_web %}[{{ a|language }}][{{ b|language }}][{{ c|language }}]")
    rendered = template.render(Context({"a": "RMN", "b": "QQQ", "c": ""}))
    assert rendered == "[Romanian (RMN)][QQQ][]"


@pytest.mark.django_db
def test_the_profile_shows_the_first_language_by_name(client_for, cast):
    period = cast.cara.characteristics.get(valid_to__isnull=True)
    assert display.show(period, "first_language") == "Polish (POL)"
    response = client_for(cast.river_head).get(reverse("pupils:profile", args=[cast.cara.pk]))
    assert response.status_code == 200
    assert "Polish (POL)" in response.content.decode()
