"""The role matrix's cases that found issue 9's leaks (the matrix itself: ``test_matrix.py``).

Each puts one awkward pupil, class or school in front of every member of the cast
(strides/testing/cast.py) on the pages and endpoints where the leak was, and says what each must
get: a moved pupil (her page, and each school's judgements before and after the move), a
dual-registered pupil (whose judgement it is, and who reads who recorded it: ADR 11), a placed
pupil on another roll too, a past-year class (no leaver named past the leaver window) and a
governor's home and school pages with small groups (one suppression rule). They failed before the
fixes of issue 9 §1, and hold them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from strides.access.gate import forget_scope, visible_pupils
from strides.access.tests.test_matrix import World
from strides.testing.api import api_client

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    return api_client(user, "matrix")


# Each puts one awkward pupil or class in front of every member of the cast, on the pages where the
# leak was, and says what each must get; the gate (visible_pupils) says who sees the pupil at all.


def test_a_moved_pupil_s_page_before_and_after_the_leaver_window(cast, settings):
    """Mia moved from north to river 60 days ago; river recorded an EHCP (ASD) since. North still
    sees her for the leaver window, never where she went nor what river recorded; then not at all."""
    from strides.testing.cast import add_mover

    add_mover(cast)
    url = reverse("pupils:profile", kwargs={"pupil_id": cast.mia.pk})
    river_words = ("Riverside", "Autis")  # river's name, and the need river recorded
    north_staff = {"head", "senior", "senco", "subject_leader", "eap"}
    problems = []
    for window in (365, 59):
        settings.STRIDES_LEAVER_VISIBILITY_DAYS = window
        for username, user in cast.users.items():
            forget_scope(user)
            sees = visible_pupils(user).filter(pk=cast.mia.pk).exists()
            expected_sees = username in {"admin", "analyst", "river_head"} or (
                window == 365 and username in north_staff
            )
            if sees != expected_sees:
                problems.append(f"{window} days: {username} {'sees' if sees else 'does not see'} Mia")
            response = _client(user).get(url)
            if response.status_code != (200 if expected_sees else 404):
                problems.append(f"{window} days: {username} got {response.status_code}")
            elif expected_sees and username in north_staff:
                said = [word for word in river_words if word in response.content.decode()]
                if said:
                    problems.append(f"{window} days: {username} is told {said} (river's record)")
    assert not problems, "\n".join(problems)
    forget_scope(cast.river_head)
    rivers_page = _client(cast.river_head).get(url).content.decode()
    assert all(word in rivers_page for word in river_words), "river's own page shows what north must not"


def test_a_moved_pupil_s_judgements_for_each_role(cast):
    """Mia's reading was judged by north before she moved (an early drop, submitted), then by
    river (the autumn drop, dated after she moved). River reads north's as prior attainment, without
    who recorded it; north reads nothing river recorded; no one at river changes north's."""
    from strides.assessment.models import DropSchool, Judgement
    from strides.assessment.services import create_drop, record_judgement, transition
    from strides.frameworks.models import Level, Subject
    from strides.testing.cast import add_mover

    add_mover(cast)
    world = World(cast)
    early = create_drop(
        None, cast.trust, cast.year, name="Early", term="autumn", opens_on=cast.year.starts_on,
        deadline=cast.mia_left - dt.timedelta(days=5), schools=[cast.north, cast.river],
    )  # fmt: skip
    reading = Subject.objects.get(code="reading")

    def band(code: str) -> Level:
        return Level.objects.get(framework__code="nc-bands", framework__trust=None, code=code)

    norths = record_judgement(
        cast.head, cast.mia, reading, early, cast.north, band("Y6 WTS"), expected_version=0
    )
    transition(cast.head, DropSchool.objects.get(drop=early, school=cast.north), "submitted")
    rivers = record_judgement(
        cast.river_head, cast.mia, reading, world.autumn_drop, cast.river, band("Y7 WTS"), expected_version=0
    )
    # who reads each, and who also reads who recorded it (north's head Hana, river's head Rhea)
    north_staff = {"head", "senior", "senco", "subject_leader", "eap"}
    trust = {"admin", "analyst"}
    expected = {
        "north's": (norths, trust | north_staff | {"river_head"}, trust | north_staff, "Hana"),
        "river's": (rivers, trust | {"river_head"}, trust | {"river_head"}, "Rhea"),
    }
    problems = []
    for username, user in cast.users.items():
        forget_scope(user)
        api = _api(user)
        for whose, (judgement, readers, read_who, recorder) in expected.items():
            response = api.get(f"/api/v1/judgements/{judgement.pk}/")
            status = 200 if username in readers else 404
            if response.status_code != status:
                problems.append(f"{username}: {whose} got {response.status_code}, expected {status}")
            elif status == 200 and (recorder in response.content.decode()) != (username in read_who):
                problems.append(
                    f"{username}: {whose} {'names' if username not in read_who else 'hides'} its recorder"
                )
        body = {
            "pupil": cast.mia.pk, "subject": "reading", "drop": early.slug, "level": "Y6 GDS",
            "version": norths.version, "school": cast.river.urn,
        }  # fmt: skip
        answer = api.post("/api/v1/judgements/", body, format="json")
        now = Judgement.history.get(pk=norths.pk)
        if (now.school_id, now.version) != (cast.north.pk, norths.version):
            problems.append(f"{username}: a save for river changed north's judgement ({answer.status_code})")
        elif answer.status_code < 400 or answer.status_code >= 500:
            problems.append(f"{username}: a save for river over north's got {answer.status_code}")
    assert not problems, "\n".join(problems)


def test_a_dual_registered_pupil_s_judgement_for_each_role(cast):
    """Ava, on north's roll, is also registered at river. North's teacher judged her reading and
    north's head submitted the drop. Whoever sees Ava reads the level; only the trust's roles and
    north's staff read who recorded it and its history (ADR 11); no one at another school changes
    it, whatever version they send."""
    from strides.assessment.models import DropSchool, Judgement
    from strides.assessment.services import record_judgement, transition
    from strides.frameworks.models import Level, Subject
    from strides.pupils import services as pupils

    world = World(cast)
    drop = world.autumn_drop
    pupils.enrol(cast.river_head, cast.ava, cast.river, cast.year.starts_on)
    level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 WTS")
    reading = Subject.objects.get(code="reading")
    judgement = record_judgement(cast.teacher, cast.ava, reading, drop, cast.north, level, expected_version=0)
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), "submitted")

    reads_level = {
        *("admin", "analyst", "eap", "head", "senior", "senco", "subject_leader", "teacher", "ta"),
        *("river_head", "parent"),  # river: its dual registration; the parent: their child
    }
    reads_who = reads_level - {"river_head", "parent"}
    problems = []
    for username, user in cast.users.items():
        forget_scope(user)
        api = _api(user)
        response = api.get(f"/api/v1/judgements/{judgement.pk}/")
        expected = 200 if username in reads_level else 404
        if response.status_code != expected:
            problems.append(f"{username}: GET got {response.status_code}, expected {expected}")
        elif expected == 200:
            text = response.content.decode()
            named = "Tom" in text or "Teacher" in text
            if named != (username in reads_who):
                problems.append(f"{username}: {'told' if named else 'not told'} who recorded it")
        body = {
            "pupil": cast.ava.pk, "subject": "reading", "drop": drop.slug, "level": "Y3 GDS",
            "version": judgement.version, "school": cast.river.urn,
        }  # fmt: skip
        before = Judgement.history.get(pk=judgement.pk)
        answer = api.post("/api/v1/judgements/", body, format="json")
        after = Judgement.history.get(pk=judgement.pk)
        if (after.school_id, after.level_id, after.version) != (
            before.school_id,
            before.level_id,
            before.version,
        ):
            problems.append(f"{username}: a save for river changed north's judgement ({answer.status_code})")
        elif answer.status_code not in {400, 403, 404}:
            problems.append(f"{username}: a save for river got {answer.status_code}")
        if "Tom" in answer.content.decode():
            problems.append(f"{username}: the refusal names who recorded it")
    assert not problems, "\n".join(problems)


def test_a_past_year_class_names_no_leaver_past_the_window(cast, settings):
    """Last year's 6M at north had Mia, who left north 60 days ago. With a 59-day leaver window
    north's staff no longer see her: neither the class page nor its management pages name her."""
    from strides.classes import services as classes
    from strides.organisations import services as organisations
    from strides.testing.cast import add_mover

    add_mover(cast)
    last_year = organisations.ensure_academic_year(None, cast.trust, cast.year.start_year - 1)
    group = classes.create_group(None, cast.north, last_year, "6M", nc_year=6)
    classes.set_pupils(None, group, [cast.mia, cast.ben])
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 59
    pages = [
        reverse("classes:class_detail", kwargs={"group_id": group.pk}),
        reverse("classes_manage:pupils", kwargs={"group_id": group.pk}),
        reverse("classes_manage:school", kwargs={"urn": cast.north.urn}) + f"?year={last_year.pk}",
    ]
    problems = []
    for username, user in cast.users.items():
        forget_scope(user)
        sees_mia = visible_pupils(user).filter(pk=cast.mia.pk).exists()
        for url in pages:
            response = _client(user).get(url)
            if response.status_code >= 500:
                problems.append(f"{username} {url}: {response.status_code}")
            elif response.status_code == 200 and "Moss" in response.content.decode() and not sees_mia:
                problems.append(f"{username} {url}: names Mia Moss, whom they no longer see")
    assert not problems, "\n".join(problems)
    # the trust still sees her in the class
    assert "Moss" in _client(cast.admin).get(pages[0]).content.decode()


def test_a_governor_s_home_page_hides_small_groups_together(cast):
    """North has six pupils in Year 3, one in Year 4 and one in Year 5. The governor sees north's
    counts by year group: Years 4 and 5 are under the threshold (6), and showing Year 3 (6) beside
    the total (8) would give away that two pupils are in them; hidden groups together must not be
    fewer than the threshold either (the one rule of strides/analytics/suppression.py)."""
    from strides.pupils import services as pupils
    from strides.pupils.upn import make_upn

    def add(serial: int, forename: str, nc_year: int) -> None:
        record = pupils.PupilRecord(
            upn=make_upn(801, 2001, 20, serial),
            legal_forename=forename,
            legal_surname="Small",
            date_of_birth=dt.date(cast.today.year - 5 - nc_year, 3, 1),
            sex="F",
            characteristics={"nc_year": nc_year},
            enrolment_start=cast.year.starts_on,
        )
        pupils.upsert_pupils(None, cast.north, [record], effective=cast.year.starts_on)

    for serial, name in enumerate(("Gus", "Hal", "Ivy", "Jo"), start=21):
        add(serial, name, 3)  # with Ava and Ben: six in Year 3
    add(31, "Kit", 4)  # one in Year 4
    add(32, "Lu", 5)  # and one in Year 5
    threshold = django_settings.STRIDES_SMALL_GROUP_THRESHOLD
    true_counts = {"Year 3": 6, "Year 4": 1, "Year 5": 1}
    governor = _client(cast.governor)
    home = governor.get(reverse("web:home"))
    assert home.status_code == 200 and home.context["aggregate_rows"], "north's counts by year group"
    problems = [
        f"home page, {problem}"
        for row in home.context["aggregate_rows"]
        for problem in _small_groups_shown(
            row.total,
            dict(zip(home.context["aggregate_years"], row.cells, strict=True)),
            true_counts,
            threshold,
        )
    ]
    school = governor.get(reverse("organisations:school_detail", kwargs={"urn": cast.north.urn}))
    assert school.status_code == 200
    stats = school.context["stats"]
    problems += [
        f"school page, {problem}"
        for problem in _small_groups_shown(stats.on_roll, dict(stats.year_rows), true_counts, threshold)
    ]
    total = _value(stats.on_roll)
    for label, cell, _percent in stats.groups:  # a share shown beside the total gives away the rest
        value = _value(cell)
        if value is not None and total is not None and (value < threshold or 0 < total - value < threshold):
            problems.append(f"school page, {label}: {value} of {total} shown")
    assert not problems, "\n".join(problems)


def _small_groups_shown(total_cell: Any, cells: dict[str, Any], true_counts: dict[str, int], threshold: int):
    """What a row of counts by group gives away: a count under the threshold, or hidden groups that
    the shown total and the shown groups put at fewer pupils than the threshold."""
    shown_total = _value(total_cell)
    hidden = [label for label, cell in cells.items() if cell is not None and _value(cell) is None]
    for label, cell in cells.items():
        value = None if cell is None else _value(cell)
        if value is not None and value < threshold:
            yield f"{label}: {value} shown, under {threshold}"
    together = sum(true_counts.get(label, 0) for label in hidden)
    if shown_total is not None and hidden and together < threshold:
        yield f"hidden {hidden} ({together} pupils) can be worked out from the total {shown_total}"


def _value(cell: Any) -> int | None:
    return getattr(cell, "value", cell)


def test_a_placed_pupil_on_another_roll_too_for_the_placing_contact(cast):
    """Dev, placed at Bridge AP by Hillside, is also on Oakwood Special's roll. Hillside's contact
    sees the placement on their home page, never the pupil's other schools."""
    from strides.pupils import services as pupils
    from strides.pupils.census_codes import RegistrationType

    pupils.enrol(cast.admin, cast.dev, cast.oak, cast.year.starts_on, registration=RegistrationType.MAIN_DUAL)
    text = _client(cast.placing).get(reverse("web:home")).content.decode()
    assert "Dev" in text and "Bridge AP" in text
    assert "Oakwood" not in text
