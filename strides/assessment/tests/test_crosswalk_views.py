"""Crosswalk versions in the product: reading them, publishing a new one, seeing what it would
change in a past drop (counted by school), and applying it explicitly. A past drop's stored points
never change until Apply."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from strides.assessment.models import Judgement, JudgementRevision
from strides.assessment.services import create_drop, record_judgement
from strides.audit.models import AuditEntry
from strides.frameworks.models import Crosswalk, Level, ScalePoint, Subject
from strides.frameworks.services import create_framework, ensure_common_scale, publish_crosswalk

pytestmark = pytest.mark.django_db


def level(code, framework="nc-bands"):
    return Level.objects.get(framework__code=framework, framework__trust=None, code=code)


def point(cast, code):
    return ScalePoint.objects.get(scale=ensure_common_scale(cast.trust), code=code)


@pytest.fixture
def drop(cast, drop):
    """The autumn drop for north and river (the app's ``drop``), with reading recorded for Ava and
    Ben (Y3 WTS, NS11) and Cara (Y8 WTS, NS26) under crosswalk version 1."""
    reading = Subject.objects.get(code="reading")
    for pupil, school, code in (
        (cast.ava, cast.north, "Y3 WTS"),
        (cast.ben, cast.north, "Y3 WTS"),
        (cast.cara, cast.river, "Y8 WTS"),
    ):
        record_judgement(cast.admin, pupil, reading, drop, school, level(code), expected_version=0)
    return drop


def publish_form(effective_from, note="Moderation, November", **levels):
    data = {"effective_from": effective_from.isoformat(), "note": note}
    data.update({f"level-{level(code).pk}": point_code for code, point_code in levels.items()})
    return data


def drop_url(drop):
    return reverse("crosswalk_drops:drop", kwargs={"drop_slug": drop.slug})


def points_of(drop):
    return dict(Judgement.objects.filter(drop=drop).values_list("pupil__legal_forename", "point__code"))


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "analyst", "head", "teacher", "river_head", "ta"])
def test_crosswalk_versions_are_readable_by_assessment_staff(cast, client_for, username):
    client = client_for(cast.users[username])
    page = client.get(reverse("frameworks:crosswalks"))
    assert page.status_code == 200 and "In force today" in page.content.decode()
    first = Crosswalk.objects.get(scale__trust=cast.trust, version=1)
    assert (
        client.get(reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": first.pk})).status_code
        == 200
    )


@pytest.mark.parametrize("username", ["eap", "director", "governor", "placing", "parent"])
def test_others_cannot_read_crosswalks(cast, client_for, username):
    assert client_for(cast.users[username]).get(reverse("frameworks:crosswalks")).status_code == 403


@pytest.mark.parametrize("username", ["head", "river_head", "teacher", "senior"])
def test_only_trust_crosswalk_managers_publish_and_apply(cast, client_for, drop, username):
    client = client_for(cast.users[username])
    assert client.get(reverse("frameworks:crosswalk_publish")).status_code == 403
    response = client.post(
        reverse("frameworks:crosswalk_publish"), publish_form(drop.assessed_on, **{"Y3 WTS": "NS12"})
    )
    assert response.status_code == 403
    assert client.get(drop_url(drop)).status_code == 403
    assert client.post(drop_url(drop), {"crosswalk_version": "1", "changes": "0"}).status_code == 403
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 1
    page = client.get(reverse("frameworks:crosswalks")).content.decode()
    assert reverse("frameworks:crosswalk_publish") not in page and drop_url(drop) not in page


def test_another_trusts_crosswalk_and_drop_are_404(cast, client_for):
    from strides.organisations import services as organisations
    from strides.organisations.models import AcademicYear

    other = organisations.create_trust(None, "Other Trust", "other-trust")
    theirs = ensure_common_scale(other).crosswalks.get(version=1)
    year = organisations.ensure_academic_year(None, other, AcademicYear.start_year_for(dt.date.today()))
    their_drop = create_drop(
        None, other, year, name="Theirs", term="autumn", opens_on=year.starts_on, deadline=year.ends_on
    )
    client = client_for(cast.admin)
    assert (
        client.get(reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": theirs.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": 987654})).status_code == 404
    )
    assert client.get(drop_url(their_drop)).status_code == 404
    assert client.post(drop_url(their_drop), {"crosswalk_version": "1", "changes": "0"}).status_code == 404
    assert (
        client.get(reverse("crosswalk_drops:drop", kwargs={"drop_slug": "no-such-drop"})).status_code == 404
    )


def test_a_schools_own_levels_are_left_out_of_the_crosswalk_for_other_schools(cast, client_for):
    steps = [("NSTEP", "Step", "", point(cast, "NS1"))]
    north_own = create_framework(
        cast.head, cast.trust, "north-steps", "North steps", steps, school=cast.north
    )
    changes = {north_own.levels.get(): point(cast, "NS2"), level("P1", "p-scales"): point(cast, "NS2")}
    v2 = publish_crosswalk(cast.analyst, ensure_common_scale(cast.trust), dt.date.today(), changes)
    url = reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": v2.pk})
    assert "NSTEP" in client_for(cast.head).get(url).content.decode()
    river = client_for(cast.river_head).get(url).content.decode()
    assert "NSTEP" not in river and "North steps" not in river and "P scale 1" in river


# --- publish, see the difference, apply ------------------------------------------------------


def test_publish_then_see_the_difference_by_school_then_apply(cast, client_for, drop):
    client = client_for(cast.analyst)
    assert client.get(reverse("frameworks:crosswalk_publish")).status_code == 200
    response = client.post(
        reverse("frameworks:crosswalk_publish"),
        publish_form(drop.assessed_on - dt.timedelta(days=30), **{"Y3 WTS": "NS12", "Y8 WTS": "NS27"}),
    )
    v2 = Crosswalk.objects.get(scale__trust=cast.trust, version=2)
    assert response["Location"] == reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": v2.pk})
    assert v2.note == "Moderation, November" and v2.created_by == cast.analyst
    # publishing changed no stored point
    assert points_of(drop) == {"Ava": "NS11", "Ben": "NS11", "Cara": "NS26"}

    detail = client.get(response["Location"]).content.decode()
    assert "Changes from" in detail and "Y3 WTS" in detail and "NS12" in detail
    assert drop_url(drop) in detail  # the drop this version covers, with points to update

    listing = client.get(reverse("frameworks:crosswalks")).content.decode()
    assert "Northfield Primary: 2; Riverside Secondary: 1" in listing and "(total 3)" in listing

    page = client.get(drop_url(drop)).content.decode()
    assert "3 judgements would change common point" in page
    rows = re.findall(
        r"<tr><td>Reading</td><th scope=\"row\"><code>([^<]+)</code></th>(.*?)</tr>", page, re.S
    )
    cells = {code: re.findall(r"<td[^>]*>([^<]*)</td>", rest) for code, rest in rows}
    # level, point now, point after, Northfield, Riverside, total
    assert cells == {"Y3 WTS": ["NS11", "NS12", "2", "0", "2"], "Y8 WTS": ["NS26", "NS27", "0", "1", "1"]}
    assert "Ava" not in page  # counts, not names
    assert points_of(drop) == {"Ava": "NS11", "Ben": "NS11", "Cara": "NS26"}  # still unchanged

    response = client.post(drop_url(drop), {"crosswalk_version": "2", "changes": "3"}, follow=True)
    assert "Crosswalk version 2 is applied to Autumn: 3 judgements changed common point." in (
        response.content.decode()
    )
    assert points_of(drop) == {"Ava": "NS12", "Ben": "NS12", "Cara": "NS27"}
    assert set(Judgement.objects.filter(drop=drop).values_list("crosswalk__version", flat=True)) == {2}
    assert JudgementRevision.objects.filter(reason="crosswalk v2 applied").count() == 3
    assert AuditEntry.objects.filter(reason="crosswalk applied", actor=cast.analyst).exists()
    assert "nothing to apply" in client.get(drop_url(drop)).content.decode()
    assert "nothing to apply" in client.get(reverse("frameworks:crosswalks")).content.decode()


def test_a_version_in_force_after_the_drop_changes_nothing_in_it(cast, client_for, drop):
    client = client_for(cast.analyst)
    client.post(
        reverse("frameworks:crosswalk_publish"),
        publish_form(drop.assessed_on + dt.timedelta(days=1), **{"Y3 WTS": "NS12"}),
    )
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 2
    assert "nothing to apply" in client.get(drop_url(drop)).content.decode()
    response = client.post(drop_url(drop), {"crosswalk_version": "1", "changes": "0"}, follow=True)
    assert "Nothing to apply" in response.content.decode()
    assert points_of(drop) == {"Ava": "NS11", "Ben": "NS11", "Cara": "NS26"}


def test_apply_is_refused_when_the_difference_changed_since_it_was_shown(cast, client_for, drop):
    client = client_for(cast.analyst)
    client.post(reverse("frameworks:crosswalk_publish"), publish_form(drop.assessed_on, **{"Y3 WTS": "NS12"}))
    # the analyst looked when 2 judgements would change; then a teacher moved Ben to Y3 EXS
    reading = Subject.objects.get(code="reading")
    record_judgement(cast.admin, cast.ben, reading, drop, cast.north, level("Y3 EXS"), expected_version=1)
    response = client.post(drop_url(drop), {"crosswalk_version": "2", "changes": "2"}, follow=True)
    assert "The difference has changed since you looked at it" in response.content.decode()
    assert points_of(drop)["Ava"] == "NS11"
    response = client.post(drop_url(drop), {"crosswalk_version": "1", "changes": "1"}, follow=True)
    assert "The difference has changed" in response.content.decode()
    assert not JudgementRevision.objects.filter(reason__startswith="crosswalk").exists()


def test_an_apply_refused_by_the_service_is_shown_not_a_500(cast, client_for, drop, monkeypatch):
    from strides.assessment import crosswalk_views as views
    from strides.assessment.services import AssessmentError

    client = client_for(cast.analyst)
    client.post(reverse("frameworks:crosswalk_publish"), publish_form(drop.assessed_on, **{"Y3 WTS": "NS12"}))

    def refuse(actor, drop):
        raise AssessmentError("The drop is being imported; try again in a minute.")

    monkeypatch.setattr(views, "apply_crosswalk", refuse)
    response = client.post(drop_url(drop), {"crosswalk_version": "2", "changes": "2"}, follow=True)
    assert "Nothing was applied: The drop is being imported" in response.content.decode()


# --- refusals on the publish form --------------------------------------------------------------


def test_publishing_without_a_change_is_refused(cast, client_for):
    response = client_for(cast.analyst).post(
        reverse("frameworks:crosswalk_publish"), publish_form(dt.date.today())
    )
    assert "No mapping was changed" in response.content.decode()
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 1


def test_a_date_before_the_latest_version_is_refused_beside_the_date(cast, client_for):
    client = client_for(cast.analyst)
    client.post(
        reverse("frameworks:crosswalk_publish"), publish_form(dt.date(2026, 1, 5), **{"Y3 WTS": "NS12"})
    )
    response = client.post(
        reverse("frameworks:crosswalk_publish"), publish_form(dt.date(2025, 9, 1), **{"Y3 EXS": "NS13"})
    )
    html = response.content.decode()
    assert "A new crosswalk must take effect after 05/01/2026" in html and "01/09/2025 does not" in html
    assert 'id="id_effective_from_error"' in html
    assert "selected>NS13" in html  # what was chosen is kept
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 2


def test_a_point_that_is_not_on_the_scale_is_refused_naming_the_level_and_value(cast, client_for):
    response = client_for(cast.analyst).post(
        reverse("frameworks:crosswalk_publish"), publish_form(dt.date.today(), **{"Y3 WTS": "NS99"})
    )
    assert "Y3 WTS (National curriculum year-group bands): “NS99” is not a point of Next Steps." in (
        response.content.decode()
    )
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 1


def test_a_missing_date_or_note_is_refused(cast, client_for):
    response = client_for(cast.analyst).post(
        reverse("frameworks:crosswalk_publish"), {f"level-{level('Y3 WTS').pk}": "NS12"}
    )
    html = response.content.decode()
    assert "Enter the in force from." in html and "Enter the why it changes." in html
    assert Crosswalk.objects.filter(scale__trust=cast.trust).count() == 1


# --- queries ---------------------------------------------------------------------------------


def test_crosswalk_pages_take_a_fixed_number_of_queries(
    cast, client_for, drop, django_assert_max_num_queries
):
    scale = ensure_common_scale(cast.trust)
    for days, code in ((300, "NS12"), (200, "NS13"), (1, "NS10")):
        publish_crosswalk(
            cast.analyst,
            scale,
            drop.assessed_on - dt.timedelta(days=days),
            {level("Y3 WTS"): point(cast, code)},
        )
    for name in ("Spring", "Summer"):
        create_drop(
            cast.analyst,
            cast.trust,
            cast.year,
            name=name,
            term=name.lower(),
            opens_on=drop.opens_on,
            deadline=drop.deadline,
            schools=[cast.north, cast.river],
        )
    client = client_for(cast.analyst)
    client.get(reverse("frameworks:crosswalks"))
    with django_assert_max_num_queries(17):
        assert client.get(reverse("frameworks:crosswalks")).status_code == 200
    latest = Crosswalk.objects.get(scale=scale, version=4)
    with django_assert_max_num_queries(17):
        assert (
            client.get(reverse("frameworks:crosswalk_detail", kwargs={"crosswalk_id": latest.pk})).status_code
            == 200
        )
    with django_assert_max_num_queries(16):
        assert client.get(drop_url(drop)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("frameworks:crosswalk_publish")).status_code == 200
