"""A drop's academic year is said once in every label, whether the drop's name carries the year
(the calendar names its drops "Autumn 2026/27") or not (a drop named "Autumn" by hand)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from strides.assessment import calendar
from strides.assessment.models import DataDrop, DropKind
from strides.assessment.services import create_drop, record_judgement
from strides.frameworks.services import ensure_common_scale

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    """The words of a piece of HTML, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def calendar_drops(cast):
    """The year's three termly drops as the calendar makes them (named with the year), and a
    judgement for Ava in the autumn one so the spring grid shows a previous value."""
    ensure_common_scale(cast.trust)
    made = calendar.create_default_drops(cast.analyst, cast.trust, cast.year).created
    for drop in made:
        drop.opens_on = cast.today - dt.timedelta(days=5)
        drop.deadline = cast.today + dt.timedelta(days=5)
        drop.save()
    autumn, spring, _ = made
    from strides.frameworks.models import Level, Subject

    record_judgement(
        cast.teacher,
        cast.ava,
        Subject.objects.get(code="reading"),
        autumn,
        cast.north,
        Level.objects.get(framework__code="nc-bands", code="Y3 WTS"),
        expected_version=0,
    )
    return autumn, spring


def test_the_title_says_the_year_once(cast):
    named_with_year = DataDrop(name=f"Autumn {cast.year.label}", academic_year=cast.year)
    named_without = DataDrop(name="Autumn", academic_year=cast.year)
    assert named_with_year.title == named_without.title == f"Autumn {cast.year.label}"


def test_the_grid_says_the_year_once(cast, calendar_drops, client_for):
    _, spring = calendar_drops
    label = cast.year.label
    url = reverse("assessment:grid", kwargs={"drop_slug": spring.slug, "group_id": cast.class_3t.pk})
    html = client_for(cast.teacher).get(url).content.decode()
    caption = text(html.split('<caption id="grid-caption">')[1].split("</caption>")[0])
    assert caption == f"Judgements for 3T, Spring {label}"
    heading = text(html.split("<h1>")[1].split("</h1>")[0])
    assert heading.count(label) == 1
    # the previous drop's value, heard by screen readers
    assert f"in Autumn {label}<" in html and f"{label} {label}" not in html


def test_the_class_list_and_the_spreadsheet_pages_say_the_year_once(cast, calendar_drops, client_for):
    _, spring = calendar_drops
    label = cast.year.label
    client = client_for(cast.head)
    for name in ("grid_index", "sheet_upload"):
        html = client.get(reverse(f"assessment:{name}", kwargs={"drop_slug": spring.slug})).content.decode()
        heading = text(html.split("<h1>")[1].split("</h1>")[0])
        assert heading.count(label) == 1, (name, heading)
    template = client.get(
        reverse("assessment:sheet_template", kwargs={"drop_slug": spring.slug, "urn": cast.north.urn})
    )
    title = load_workbook(io.BytesIO(template.content)).worksheets[0]["A1"].value
    assert title.count(label) == 1, title


def test_the_calendar_says_the_year_and_the_kind_once(cast, calendar_drops, client_for):
    newbridge_joined = cast.today - dt.timedelta(days=20)
    from strides.assessment.tests.test_drops_views import new_school_with_pupil

    school = new_school_with_pupil(cast, newbridge_joined)
    calendar.create_baseline_drop(cast.analyst, school)
    html = client_for(cast.analyst).get(reverse("assessment:drop_list"), {"year": ""}).content.decode()
    body = text(html.split("<tbody>")[1].split("</tbody>")[0])
    label = cast.year.label
    assert f"Autumn {label} {label}" not in body and f"Autumn {label}" in body
    assert body.count("Baseline") == 1, body
    assert DataDrop.objects.filter(kind=DropKind.BASELINE).count() == 1


def test_a_drop_named_without_its_year_gets_it_in_the_caption(cast, client_for):
    ensure_common_scale(cast.trust)
    drop = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Autumn",
        term="autumn",
        opens_on=cast.today - dt.timedelta(days=5),
        deadline=cast.today + dt.timedelta(days=5),
        schools=[cast.north],
    )
    url = reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": cast.class_3t.pk})
    html = client_for(cast.teacher).get(url).content.decode()
    assert f"Judgements for 3T, Autumn {cast.year.label}</caption>" in html
