"""The profile of a pupil who moved from north to river, as each school sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


@pytest.fixture
def mover(cast):
    return add_mover(cast)


def page_for(client_for, user, pupil):
    return client_for(user).get(reverse("pupils:profile", kwargs={"pupil_id": pupil.pk}))


def test_the_old_school_sees_its_enrolment_and_the_record_up_to_leaving(mover, client_for):
    c = mover
    response = page_for(client_for, c.head, c.mia)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mia Moss" in page
    assert c.north.name in page
    assert f"{c.mia_left:%-d %b %Y}" in page  # the day she left north
    assert c.river.name not in page  # not where she went
    assert "Education, health and care plan" not in page and "EHCP" not in page
    assert "Autistic" not in page  # river's ASD record
    assert f"{c.mia_ehcp_from:%-d %b %Y}" not in page  # not even when river changed something
    assert "Characteristics when they left" in page
    assert response.context["left_on"] == c.mia_left
    assert [e.school_id for e in response.context["enrolments"]] == [c.north.pk]
    history = [entry.period.valid_from for entry in response.context["history"]]
    assert history == [c.mia_fsm_from, c.mia_joined]
    assert response.context["current"].fsm is True
    assert response.context["current"].nc_year == 6
    # the school she left may not change her record, nor put her back on its roll
    assert not response.context["can_edit"]
    assert not response.context["can_edit_sen"]
    assert not response.context["can_enrol"]


def test_the_new_school_sees_its_own_enrolment_and_the_whole_history(mover, client_for):
    c = mover
    response = page_for(client_for, c.river_head, c.mia)
    page = response.content.decode()
    assert response.status_code == 200
    assert [e.school_id for e in response.context["enrolments"]] == [c.river.pk]
    assert response.context["left_on"] is None
    assert response.context["current"].sen_provision == "E"
    assert len(response.context["history"]) == 3
    assert "Characteristics today" in page
    assert "Autistic" in page  # what the old school must not see is on this page
    assert response.context["can_edit"] and response.context["can_edit_sen"]


def test_trust_wide_roles_see_everything(mover, client_for):
    c = mover
    response = page_for(client_for, c.admin, c.mia)
    assert {e.school_id for e in response.context["enrolments"]} == {c.north.pk, c.river.pk}
    assert len(response.context["history"]) == 3
    assert response.context["left_on"] is None


def test_after_the_window_the_old_school_gets_404(mover, client_for, settings):
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 59  # she left 60 days ago
    assert page_for(client_for, mover.head, mover.mia).status_code == 404


def test_the_old_school_cannot_edit_or_re_enrol_the_leaver(mover, client_for):
    c = mover
    client = client_for(c.head)
    for name in ("edit_details", "change_characteristics", "change_sen", "add_enrolment"):
        url = reverse(f"pupils:{name}", kwargs={"pupil_id": c.mia.pk})
        assert client.get(url).status_code == 403, name
        assert client.post(url, {}).status_code == 403, name
    river = c.mia.enrolments.get(school=c.river)
    end_url = reverse("pupils:end_enrolment", kwargs={"enrolment_id": river.pk})
    assert client.get(end_url).status_code == 404  # river's enrolment is not north's to see


def test_classes_at_other_schools_are_not_listed(mover, client_for):
    from strides.classes import services as classes

    c = mover
    classes.set_pupils(None, c.class_8r, [c.cara, c.mia])
    assert page_for(client_for, c.head, c.mia).context["groups"] == []
    assert [g.pk for g in page_for(client_for, c.river_head, c.mia).context["groups"]] == [c.class_8r.pk]


def test_search_shows_the_leaver_as_they_left_not_where_they_went(mover, client_for):
    c = mover
    response = client_for(c.head).get(reverse("pupils:search"), {"q": "Mia"})
    page = response.content.decode()
    assert "Moss, Mia" in page
    assert "Left your school" in page and c.river.name not in page
    assert "EHCP" not in page and "Year 7" not in page and "Year 6" in page
    [row] = response.context["rows"]
    assert row.left_school and row.now.sen_provision == "N"
    page = client_for(c.river_head).get(reverse("pupils:search"), {"q": "Mia"}).content.decode()
    assert c.river.name in page and "EHCP" in page
