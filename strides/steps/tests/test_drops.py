"""A small-step pupil appears on the common scale in a data drop, through the crosswalk, with no
level entered twice (docs/small-steps.md, "The common scale")."""

import datetime as dt

import pytest

from strides.assessment.models import Judgement
from strides.frameworks.models import ScalePoint, Subject
from strides.frameworks.services import ensure_common_scale, publish_crosswalk
from strides.steps.models import Shape
from strides.steps.services.drops import judgement_rows, judgements_from_steps
from strides.steps.services.frameworks import (
    build_structure,
    create_framework,
    set_area_subject,
    share_framework,
)
from strides.steps.services.recording import RecordInput, assign_framework, record_achievements
from strides.steps.tests.conftest import linear_rows
from strides.testing.cast import add_autumn_drop

pytestmark = pytest.mark.django_db


def reading_from_steps(cast):
    """A shared linear framework whose communication area stands for reading, the autumn drop, and
    Ava on the framework from the start of the year."""
    reading = Subject.objects.get(code="reading", trust__isnull=True)
    framework = create_framework(
        cast.analyst, code="oak-steps", name="Oak steps", shape=Shape.LINEAR, trust=cast.trust
    )
    build_structure(cast.analyst, framework, linear_rows())
    share_framework(cast.analyst, framework)
    communication = framework.areas.get(code="communication")
    set_area_subject(cast.analyst, communication, reading)
    drop = add_autumn_drop(cast)
    assign_framework(cast.head, cast.north, cast.ava, framework, cast.year.starts_on)
    return reading, framework, communication, drop


def test_a_small_step_pupil_gets_the_drops_judgement_and_point_from_their_records(cast):
    reading, _framework, communication, drop = reading_from_steps(cast)
    statements = list(communication.statements.filter(step__number=1).order_by("order"))
    early = cast.year.starts_on + dt.timedelta(days=10)
    # 3 of step 1's 4 statements secured before the drop's date: step 1, half way or more ("S1+")
    record_achievements(
        cast.head, cast.north, [RecordInput(cast.ava, s, "S") for s in statements[:3]], assessed_on=early
    )
    [row] = judgement_rows(cast.head, drop, cast.north)
    assert (row.subject, row.level.code) == (reading, "S1+")
    scale = ensure_common_scale(cast.trust)
    point = ScalePoint.objects.filter(scale=scale).order_by("value")[3]
    latest = scale.crosswalks.order_by("-version").first()
    publish_crosswalk(cast.analyst, scale, latest.effective_from + dt.timedelta(days=1), {row.level: point})
    result = judgements_from_steps(cast.head, drop, cast.north)
    assert result.committed and not result.errors, result.errors
    judgement = Judgement.objects.get(pupil=cast.ava, drop=drop, subject=reading)
    assert (judgement.level.code, judgement.point_id) == ("S1+", point.pk)


def test_a_pupil_below_half_a_step_is_on_the_steps_first_level(cast):
    _reading, _framework, communication, drop = reading_from_steps(cast)
    first = communication.statements.filter(step__number=1).order_by("order").first()
    record_achievements(
        cast.head, cast.north, [RecordInput(cast.ava, first, "S")], assessed_on=cast.year.starts_on
    )
    [row] = judgement_rows(cast.head, drop, cast.north)
    assert row.level.code == "S1"


def test_the_head_previews_then_records_the_drop_from_small_steps(cast, client_for):
    from django.urls import reverse

    reading, framework, _communication, drop = reading_from_steps(cast)
    first = framework.areas.get(code="communication").statements.order_by("order").first()
    record_achievements(
        cast.head, cast.north, [RecordInput(cast.ava, first, "S")], assessed_on=cast.year.starts_on
    )
    url = reverse("steps:drop_from_steps", kwargs={"drop_slug": drop.slug, "urn": cast.north.urn})
    client = client_for(cast.head)
    board = reverse("assessment:school_board", kwargs={"drop_slug": drop.slug, "urn": cast.north.urn})
    assert url in client.get(board).content.decode()  # found from the drop's page
    page = client.get(url).content.decode()
    assert "Ava Archer" in page and "S1" in page
    assert not Judgement.objects.filter(drop=drop).exists()  # the preview wrote nothing
    assert client.post(url).status_code == 302
    assert Judgement.objects.get(pupil=cast.ava, drop=drop, subject=reading).level.code == "S1"
    assert client_for(cast.river_head).get(url).status_code in (403, 404)
