"""The framework library, a framework's page and the common scale: who may read them, what a
school's own framework shows to whom, and the queries they take."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from strides.frameworks.models import Framework, ScalePoint
from strides.frameworks.services import create_framework, ensure_common_scale, publish_crosswalk

pytestmark = pytest.mark.django_db

READERS = [
    "admin",
    "analyst",
    "head",
    "senior",
    "senco",
    "subject_leader",
    "teacher",
    "ta",
    "river_head",
    "other_teacher",
]
REFUSED = ["eap", "director", "governor", "placing", "parent"]


def point(cast, code):
    return ScalePoint.objects.get(scale=ensure_common_scale(cast.trust), code=code)


@pytest.fixture
def north_own(cast):
    """Northfield Primary's own framework."""
    return create_framework(
        cast.head,
        cast.trust,
        "north-steps",
        "North steps",
        [("NS-A", "Step A", "Joins in", point(cast, "NS1")), ("NS-B", "Step B", "", point(cast, "NS2"))],
        school=cast.north,
    )


@pytest.fixture
def trust_own(cast):
    return create_framework(
        cast.analyst,
        cast.trust,
        "trust-steps",
        "Trust steps",
        [("T1", "Trust step 1", "", point(cast, "NS3"))],
    )


@pytest.mark.parametrize("username", READERS)
def test_staff_who_record_assessment_read_the_library_and_the_scale(cast, client_for, username):
    client = client_for(cast.users[username])
    for name in ("frameworks:list", "frameworks:scale"):
        assert client.get(reverse(name)).status_code == 200, name
    nc_bands = Framework.objects.get(code="nc-bands", trust=None)
    assert client.get(reverse("frameworks:detail", kwargs={"framework_id": nc_bands.pk})).status_code == 200


@pytest.mark.parametrize("username", REFUSED)
def test_others_are_refused(cast, client_for, username):
    client = client_for(cast.users[username])
    nc_bands = Framework.objects.get(code="nc-bands", trust=None)
    for url in (
        reverse("frameworks:list"),
        reverse("frameworks:scale"),
        reverse("frameworks:detail", kwargs={"framework_id": nc_bands.pk}),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("frameworks:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_library_lists_shipped_trust_and_school_frameworks(cast, client_for, north_own, trust_own):
    page = client_for(cast.head).get(reverse("frameworks:list")).content.decode()
    for name in (
        "National curriculum year-group bands",
        "Pre-key stage standards",
        "The engagement model",
        "GCSE 9-1",
        "Trust steps",
        "North steps",
    ):
        assert name in page
    assert reverse("frameworks:create") in page  # the head may make one
    assert reverse("frameworks:assignments", kwargs={"urn": cast.north.urn}) in page


def test_a_teacher_sees_no_making_links(cast, client_for, north_own):
    page = client_for(cast.teacher).get(reverse("frameworks:list")).content.decode()
    assert "North steps" in page  # their school's own
    assert reverse("frameworks:create") not in page
    assert reverse("frameworks:crosswalk_publish") not in page


def test_a_schools_own_framework_is_hidden_from_another_school(cast, client_for, north_own):
    url = reverse("frameworks:detail", kwargs={"framework_id": north_own.pk})
    missing = reverse("frameworks:detail", kwargs={"framework_id": 987654})
    for username in ("river_head", "other_teacher"):
        client = client_for(cast.users[username])
        assert client.get(url).status_code == 404
        assert client.get(missing).status_code == 404
        assert "North steps" not in client.get(reverse("frameworks:list")).content.decode()
    for username in ("head", "teacher", "ta", "admin", "analyst"):
        assert client_for(cast.users[username]).get(url).status_code == 200, username


def test_another_trusts_framework_is_404(cast, client_for):
    from strides.organisations import services as organisations

    other = organisations.create_trust(None, "Other Trust", "other-trust")
    theirs = create_framework(
        None,
        other,
        "their-steps",
        "Their steps",
        [("X1", "X", "", ScalePoint.objects.get(scale=ensure_common_scale(other), code="NS1"))],
    )
    url = reverse("frameworks:detail", kwargs={"framework_id": theirs.pk})
    assert client_for(cast.admin).get(url).status_code == 404


def test_a_framework_page_shows_levels_spellings_and_points_in_force(cast, client_for):
    framework = Framework.objects.get(code="nc-bands", trust=None)
    page = client_for(cast.teacher).get(reverse("frameworks:detail", kwargs={"framework_id": framework.pk}))
    html = page.content.decode()
    assert "Y3 EXS" in html and "Year 3 at the expected standard" in html
    assert "Y3 Exp" in html  # an accepted spelling
    row = re.search(r"<code>Y3 EXS</code>.*?</tr>", html, re.S).group(0)
    assert "NS12" in row
    assert "crosswalk version 1" in html


def test_a_framework_page_follows_the_crosswalk_in_force_today(cast, client_for):
    import datetime as dt

    from strides.frameworks.models import Level

    scale = ensure_common_scale(cast.trust)
    y3_exs = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 EXS")
    publish_crosswalk(cast.analyst, scale, dt.date.today(), {y3_exs: point(cast, "NS13")}, note="moved")
    html = (
        client_for(cast.teacher)
        .get(reverse("frameworks:detail", kwargs={"framework_id": y3_exs.framework_id}))
        .content.decode()
    )
    row = re.search(r"<code>Y3 EXS</code>.*?</tr>", html, re.S).group(0)
    assert "NS13" in row and "crosswalk version 2" in html


def test_the_engagement_model_names_its_five_areas(cast, client_for):
    framework = Framework.objects.get(code="engagement", trust=None)
    html = client_for(cast.senco).get(reverse("frameworks:detail", kwargs={"framework_id": framework.pk}))
    assert "Exploration, realisation, anticipation, persistence, initiation" in html.content.decode()


def test_the_scale_page_shows_points_expected_points_and_a_chart_with_its_table(cast, client_for):
    html = client_for(cast.teacher).get(reverse("frameworks:scale")).content.decode()
    assert "Next Steps" in html
    assert "NS1" in html and "NS38" in html and "Beyond Year 11 greater depth" in html
    # the expected-point table: Year 6 expected (NS21) at every term, judged for the time of year
    row = re.search(r"<th scope=\"row\">Year 6</th>.*?</tr>", html, re.S).group(0)
    assert row.count("NS21") == 3 and "NS20" not in row
    # the chart is an SVG drawn on the server with classes only (no inline styles)
    svg = re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<polyline") == 1  # every term expects the same point: one line
    assert "style=" not in svg
    assert "End of autumn, spring and summer" in html


def test_the_scale_page_counts_only_frameworks_the_user_may_see(cast, client_for, north_own):
    def mapped_to_ns1(user):
        html = client_for(user).get(reverse("frameworks:scale")).content.decode()
        row = re.search(r"<th scope=\"row\">NS1</th>.*?</tr>", html, re.S).group(0)
        return int(re.findall(r'class="num">(\d+)<', row)[-1])

    # North steps maps one level to NS1: counted for north's head, not for river's
    assert mapped_to_ns1(cast.head) == mapped_to_ns1(cast.river_head) + 1


def test_the_library_and_pages_take_a_fixed_number_of_queries(
    cast, client_for, north_own, trust_own, django_assert_max_num_queries
):
    client = client_for(cast.admin)
    client.get(reverse("frameworks:list"))  # the scale exists from here on
    for i in range(5):
        create_framework(
            cast.analyst, cast.trust, f"extra-{i}", f"Extra {i}", [("E1", "E", "", point(cast, "NS4"))]
        )
    with django_assert_max_num_queries(10):
        assert client.get(reverse("frameworks:list")).status_code == 200
    nc_bands = Framework.objects.get(code="nc-bands", trust=None)
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("frameworks:detail", kwargs={"framework_id": nc_bands.pk})).status_code == 200
        )
    with django_assert_max_num_queries(13):
        assert client.get(reverse("frameworks:scale")).status_code == 200
