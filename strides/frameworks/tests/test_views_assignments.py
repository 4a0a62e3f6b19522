"""A school's framework choices: per year group (or the whole school) and per pupil, from a
date; shown as the framework each year group uses today."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from strides.frameworks.models import Framework, FrameworkAssignment, ScalePoint, Subject
from strides.frameworks.queries import FrameworkChooser
from strides.frameworks.services import assign_framework, create_framework, ensure_common_scale

pytestmark = pytest.mark.django_db


def url(school):
    return reverse("frameworks:assignments", kwargs={"urn": school.urn})


def shipped(code):
    return Framework.objects.get(code=code, trust=None)


def subject(code):
    return Subject.objects.get(code=code)


def cell(html, row_label, column):
    """The text of a cell of the "in use today" table (column 1 is the first subject)."""
    row = re.search(rf"<th scope=\"row\">{row_label}</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return re.sub(r"<[^>]+>", "", cells[column - 1]).strip()


@pytest.mark.parametrize("username", ["admin", "analyst", "head"])
def test_managers_see_the_choices_of_north(cast, client_for, username):
    response = client_for(cast.users[username]).get(url(cast.north))
    assert response.status_code == 200
    html = response.content.decode()
    assert "National curriculum year-group bands" in html
    assert "Year 3" in html and "Year 6" in html  # a primary's year groups


@pytest.mark.parametrize("username", ["senior", "senco", "teacher", "ta", "eap", "governor", "parent"])
def test_others_are_refused(cast, client_for, username):
    assert client_for(cast.users[username]).get(url(cast.north)).status_code == 403


def test_river_head_gets_404_for_north_exactly_like_a_missing_school(cast, client_for):
    client = client_for(cast.river_head)
    assert client.get(url(cast.north)).status_code == 404
    assert client.get(reverse("frameworks:assignments", kwargs={"urn": "999999"})).status_code == 404
    assert client.get(url(cast.river)).status_code == 200
    response = client.post(
        url(cast.north),
        {
            "subject": subject("maths").pk,
            "framework": shipped("pre-key-stage").pk,
            "valid_from": "2026-09-01",
        },
    )
    assert response.status_code == 404
    assert not FrameworkAssignment.objects.exists()


def test_a_year_group_choice_is_saved_and_shown_as_in_use(cast, client_for):
    client = client_for(cast.head)
    response = client.post(
        url(cast.north),
        {
            "subject": subject("maths").pk,
            "framework": shipped("pre-key-stage").pk,
            "applies_to": "3",
            "valid_from": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    choice = FrameworkAssignment.objects.get()
    assert (choice.school, choice.nc_year, choice.pupil, choice.created_by) == (
        cast.north,
        3,
        None,
        cast.head,
    )
    html = client.get(url(cast.north)).content.decode()
    maths = 3  # reading, writing, maths, science
    assert cell(html, "Year 3", maths) == "Pre-key stage standards"
    assert cell(html, "Year 4", maths) == "National curriculum year-group bands (inherited)"
    assert cell(html, "Year 3", 1) == "National curriculum year-group bands (inherited)"
    chooser = FrameworkChooser(cast.north.pk, [subject("maths")], dt.date.today())
    assert chooser.framework_for(cast.ava.pk, subject("maths").pk, 3).code == "pre-key-stage"


def test_a_pupil_changes_framework_over_time(cast, client_for):
    client = client_for(cast.head)
    today = dt.date.today()
    for framework, start in (("pre-key-stage", today - dt.timedelta(days=60)), ("engagement", today)):
        response = client.post(
            url(cast.north),
            {
                "subject": subject("reading").pk,
                "framework": shipped(framework).pk,
                "pupil": cast.ben.pk,
                "valid_from": start.isoformat(),
            },
        )
        assert response.status_code == 302
    reading = subject("reading")

    def on(day):
        return FrameworkChooser(cast.north.pk, [reading], day).framework_for(cast.ben.pk, reading.pk, 3).code

    assert on(today - dt.timedelta(days=30)) == "pre-key-stage"
    assert on(today) == "engagement"
    assert FrameworkChooser(cast.north.pk, [reading], today).framework_for(
        cast.ava.pk, reading.pk, 3
    ).code == ("nc-bands")
    html = client.get(url(cast.north)).content.decode()
    assert html.count("Ben Baker") >= 3  # the pupil list and both choices in the history


def test_a_pupil_of_another_school_cannot_be_chosen(cast, client_for):
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("reading").pk,
            "framework": shipped("pre-key-stage").pk,
            "pupil": cast.cara.pk,
            "valid_from": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


def test_a_choice_for_a_pupil_the_user_cannot_see_is_not_listed(cast, client_for):
    # a single pupil's choice says something about that pupil: the gate lists it only to those who
    # see the pupil (visible_framework_assignments); it once showed as "A former pupil"
    FrameworkAssignment.objects.create(
        school=cast.north,
        subject=subject("reading"),
        framework=shipped("engagement"),
        pupil=cast.cara,
        valid_from=dt.date(2020, 9, 1),
        created_by=cast.admin,
    )
    html = client_for(cast.head).get(url(cast.north)).content.decode()
    assert "Every framework choice at" not in html  # no choice the head may read
    assert "01/09/2020" not in html and "Cara" not in html


def test_a_year_group_and_a_pupil_together_are_refused_naming_both(cast, client_for):
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("reading").pk,
            "framework": shipped("pre-key-stage").pk,
            "applies_to": "3",
            "pupil": cast.ava.pk,
            "valid_from": dt.date.today().isoformat(),
        },
    )
    assert "Choose a year group or a pupil, not both: Ava Archer and Year 3." in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


def test_a_framework_not_used_for_the_subject_is_refused(cast, client_for):
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("science").pk,
            "framework": shipped("pre-key-stage").pk,  # reading, writing and maths only
            "valid_from": dt.date.today().isoformat(),
        },
    )
    assert "Pre-key stage standards is not used for Science." in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


def test_another_schools_own_framework_is_not_offered(cast, client_for):
    point = ScalePoint.objects.get(scale=ensure_common_scale(cast.trust), code="NS1")
    river_own = create_framework(
        None, cast.trust, "river-steps", "River steps", [("R1", "R", "", point)], school=cast.river
    )
    html = client_for(cast.head).get(url(cast.north)).content.decode()
    assert "River steps" not in html
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("reading").pk,
            "framework": river_own.pk,
            "valid_from": dt.date.today().isoformat(),
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


def test_a_service_refusal_is_shown_beside_the_framework(cast, client_for, monkeypatch):
    from strides.frameworks import assignments_views as views
    from strides.frameworks.services import FrameworkError

    def refuse(*args, **kwargs):
        raise FrameworkError("Pre-key stage standards is not available to Northfield Primary.")

    monkeypatch.setattr(views, "assign_framework", refuse)
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("reading").pk,
            "framework": shipped("pre-key-stage").pk,
            "valid_from": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "is not available to Northfield Primary" in response.content.decode()


def test_the_page_takes_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    today = dt.date.today()
    for year in range(1, 7):
        assign_framework(
            cast.head, cast.north, subject("maths"), shipped("pre-key-stage"), today, nc_year=year
        )
    assign_framework(cast.head, cast.north, subject("reading"), shipped("engagement"), today, pupil=cast.ben)
    client = client_for(cast.head)
    client.get(url(cast.north))
    with django_assert_max_num_queries(16):
        assert client.get(url(cast.north)).status_code == 200


def test_the_error_summary_names_the_framework_chosen_not_its_id(cast, client_for):
    response = client_for(cast.head).post(
        url(cast.north),
        {
            "subject": subject("science").pk,
            "framework": shipped("pre-key-stage").pk,
            "valid_from": dt.date.today().isoformat(),
        },
    )
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S).group(0)
    assert "Framework “Pre-key stage standards”: Pre-key stage standards is not used for Science." in summary
