"""The class grid: its pages and the per-cell save endpoint (grid_views, grid_queries)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from strides.assessment.grid_queries import Vocabulary
from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services import create_drop, record_judgement, transition
from strides.classes import services as classes
from strides.frameworks.level_codes import suggest, year_shorthand
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.services import assign_framework
from strides.pupils import services as pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def grid_url(drop, group):
    return reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": group.pk})


def save_url(drop, group):
    return reverse("assessment:grid_save", kwargs={"drop_slug": drop.slug, "group_id": group.pk})


def post_cell(client, drop, group, pupil, subject, value, version=0):
    return client.post(
        save_url(drop, group), {"pupil": pupil.pk, "subject": subject, "value": value, "version": version}
    )


def nc_bands():
    return Framework.objects.get(code="nc-bands", trust=None)


# --- what a cell accepts ---------------------------------------------------------------------


def vocabulary_for(cast, year: int | None, previous: str | None = None, years_since: int = 0):
    from strides.frameworks.level_codes import CodeBook, band_year

    book = CodeBook(cast.trust.pk)
    reading = Subject.objects.get(code="reading")
    band = band_year(year, previous, years_since)
    return Vocabulary(book, cast.north.pk, reading.pk, nc_bands(), band)


def test_a_year_groups_band_is_enough_for_its_own_pupils(cast, drop):
    levels = list(nc_bands().levels.all())
    year3 = vocabulary_for(cast, 3)
    assert year3.resolve("e").code == "Y3 EXS"
    assert year3.resolve("W").code == "Y3 WTS"
    assert year3.resolve("gds").code == "Y3 GDS"
    assert year3.resolve("expected").code == "Y3 EXS"
    # full codes of any year, case and spacing forgiven
    assert year3.resolve("y4  exs").code == "Y4 EXS"
    assert year3.resolve("2-gd").code == "Y2 GDS"
    assert year3.resolve("") is None and year3.resolve("Y3 Excellent") is None
    # Year 1's shorthand never picks up Year 11 or 10's levels
    assert {lv.code for lv in year_shorthand(levels, 1).values()} == {"Y1 WTS", "Y1 EXS", "Y1 GDS"}
    assert year_shorthand(levels, None) == {} and year_shorthand(levels, 0) == {}


def test_shorthand_keeps_a_pupil_working_below_their_year_in_their_band(cast, drop):
    # a Year 10 pupil whose last judgement was Y6 WTS: W means Y6 WTS, not Y10 WTS
    assert vocabulary_for(cast, 10, "Y6 WTS").resolve("W").code == "Y6 WTS"
    assert vocabulary_for(cast, 10, "Y6 WTS").resolve("e").code == "Y6 EXS"
    # a pupil at their year group last July moves on with it in September
    assert vocabulary_for(cast, 4, "Y3 EXS", years_since=1).resolve("E").code == "Y4 EXS"
    assert vocabulary_for(cast, 4, "Y4 WTS").resolve("G").code == "Y4 GDS"
    # a previous judgement on another framework says nothing about bands
    assert vocabulary_for(cast, 5, "PK4").resolve("W").code == "Y5 WTS"


def test_an_invalid_entry_names_the_value_the_framework_and_likely_levels(cast, drop):
    year3 = vocabulary_for(cast, 3)
    assert year3.invalid_message("Y3 Excellent") == (
        "Y3 Excellent is not a level of National curriculum year-group bands or of another framework "
        "the school uses: try Y3 WTS, Y3 EXS, Y3 GDS."
    )
    assert year3.invalid_message("Y5 great").endswith("try Y5 WTS, Y5 EXS, Y5 GDS.")
    codes = ["PK1", "PK2", "PK3", "EM"]
    assert suggest(codes, "PK9", None) == ["PK1", "PK2", "PK3"]
    assert suggest(codes, "zzz", None) == codes


# --- the grid page ---------------------------------------------------------------------------


def test_the_grid_shows_pupils_subjects_current_and_previous_values(cast, drop, subjects, level, client_for):
    year = cast.year
    earlier = create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="Baseline",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=20),
        schools=[cast.north],
    )
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], earlier, cast.north, level("Y3 WTS"), expected_version=0
    )
    record_judgement(
        cast.teacher, cast.ava, subjects["maths"], drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    response = client_for(cast.teacher).get(grid_url(drop, cast.class_3t))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Ava Archer, Reading"' in html and 'aria-label="Ava Archer, Maths"' in html
    assert "Ben Baker" not in html  # 3B's pupil
    assert 'value="Y3 EXS"' in html and 'data-version="1"' in html
    assert "was Y3 WTS" in html and f"Baseline {year.label}" in html
    assert '<th scope="col">Reading</th>' in html and '<th scope="row">' in html
    assert 'aria-live="polite"' in html and 'id="grid-vocabulary"' in html
    assert "<style" not in html and "style=" not in html  # strict CSP: nothing inline
    block = html.split('id="grid-vocabulary" type="application/json">')[1]
    vocabulary = json.loads(block.split("</script>")[0])
    framework = vocabulary["frameworks"][str(nc_bands().pk)]
    assert framework["spellings"]["Y3EXS"] == "Y3 EXS"
    assert vocabulary["shorthand"][f"{nc_bands().pk}:3"]["E"] == "Y3 EXS"
    # then the other frameworks the school may use for the subject, in the order they are tried
    pre_key_stage = str(Framework.objects.get(code="pre-key-stage", trust=None).pk)
    assert pre_key_stage in vocabulary["others"]["reading"]
    assert vocabulary["frameworks"][pre_key_stage]["spellings"]["PK4"] == "PK4"
    assert "1 of 3" in html


def test_a_pupil_on_another_framework_shows_it(cast, drop, subjects, client_for):
    pk = Framework.objects.get(code="pre-key-stage", trust=None)
    assign_framework(cast.head, cast.north, subjects["maths"], pk, cast.year.starts_on, pupil=cast.ava)
    html = client_for(cast.teacher).get(grid_url(drop, cast.class_3t)).content.decode()
    assert "Maths: Pre-key stage standards" in html
    # and the save resolves on that framework
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "maths", "pk 4")
    assert response.json()["code"] == "PK4"


def test_the_grid_is_a_fixed_number_of_queries(
    cast, drop, subjects, level, client_for, django_assert_max_num_queries
):
    client = client_for(cast.head)
    url = grid_url(drop, cast.class_3t)
    client.get(url)  # warm the session
    # session, user, the user's scope (2), class, drop with the school's part, subjects, pupils
    # (with their year and roll), framework choices, default framework, the trust's frameworks with
    # their levels and subjects (2), current and previous judgements, the school for the breadcrumbs
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    base = len(few.captured_queries)
    records = []
    for n in range(25):
        upn = make_upn(int(cast.north.la_code), int(cast.north.establishment_number), 21, 100 + n)
        records.append(
            pupils.PupilRecord(
                upn=upn,
                legal_forename=f"Pupil{n}",
                legal_surname="Many",
                date_of_birth=dt.date(2018, 1, 1),
                sex="F",
                characteristics={"nc_year": 3},
                enrolment_start=cast.year.starts_on,
            )
        )
    pupils.upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    from strides.pupils.models import Pupil

    many = list(Pupil.objects.filter(legal_surname="Many"))
    classes.set_pupils(None, cast.class_3t, [cast.ava, *many])
    for pupil in many[:10]:
        record_judgement(
            cast.head, pupil, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=0
        )
    with django_assert_max_num_queries(base) as again:
        response = client.get(url)
    assert response.content.decode().count("data-cell ") == 26 * 3
    assert len(again.captured_queries) == base


def test_a_save_is_a_fixed_number_of_queries(
    cast, drop, subjects, level, client_for, django_assert_num_queries
):
    """A change to a saved cell is 11 statements (docs/performance.md, "What a save does"): the
    session, the user, the user's roles and officer schools (one union); the school's part of the
    drop with the class checked through the gate and the configuration stamp; the pupil in the
    class; their previous judgement; record_judgement's one query of every rule (with the
    judgement as it stands); then, in the saving transaction, the part read again under its lock,
    the conditional UPDATE (the lost-update check), the revision and the audit entry. In a test
    the transaction is a savepoint: two statements more. The trust's frameworks, levels, framework
    choices and scale are kept by the process (strides/frameworks/configuration.py): no query."""
    teacher = client_for(cast.teacher)
    teacher.get(grid_url(drop, cast.class_3t))  # warm the session
    # the first save in the school's drop also reads what the process keeps of the trust's
    # configuration (then kept), and moves the part to in progress
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "e").json()["version"] == 1
    with django_assert_num_queries(11 + 2):
        assert post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "g", 1).json()["version"] == 2
    # a new cell: an INSERT in a savepoint of its own (a race with another new save is a stale answer)
    with django_assert_num_queries(11 + 2 + 2):
        assert post_cell(teacher, drop, cast.class_3t, cast.ava, "maths", "w").json()["version"] == 1
    head = client_for(cast.head)
    head.get(grid_url(drop, cast.class_3t))
    with django_assert_num_queries(11 + 2) as head_saves:  # school-wide reach, the same
        answer = post_cell(head, drop, cast.class_3t, cast.ava, "maths", "e", 1).json()
    assert answer["status"] == "saved", head_saves
    # a stale save is refused before the transaction, from the facts' version; then who made the
    # newer edit is read for the message
    with django_assert_num_queries(8):
        assert post_cell(teacher, drop, cast.class_3t, cast.ava, "maths", "g", 1).status_code == 409
    assert JudgementRevision.objects.count() == 4
    # a closed drop is refused before the framework is even looked up
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    with django_assert_num_queries(5):
        assert post_cell(teacher, drop, cast.class_3t, cast.ava, "maths", "g", 2).status_code == 423


def test_another_schools_teacher_gets_404(cast, drop, client_for):
    client = client_for(cast.other_teacher)
    assert client.get(grid_url(drop, cast.class_3t)).status_code == 404
    assert post_cell(client, drop, cast.class_3t, cast.ava, "reading", "Y3 EXS").status_code == 404
    # a teacher of the same school, not of this class, too
    assert client_for(cast.teacher).get(grid_url(drop, cast.class_3b)).status_code == 404


def test_a_school_outside_the_drop_or_a_drop_of_another_year_is_404(cast, client_for):
    year = cast.year
    only_river = create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="River only",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=30),
        schools=[cast.river],
    )
    assert client_for(cast.teacher).get(grid_url(only_river, cast.class_3t)).status_code == 404
    missing = reverse("assessment:grid", kwargs={"drop_slug": "no-such-drop", "group_id": cast.class_3t.pk})
    assert client_for(cast.teacher).get(missing).status_code == 404


def test_roles_without_the_capability_are_refused(cast, drop, client_for):
    for user in (cast.governor, cast.eap, cast.parent):
        # refused (an object page may answer 404 rather than 403: ADR 2)
        assert client_for(user).get(grid_url(drop, cast.class_3t)).status_code in (403, 404)
        assert post_cell(client_for(user), drop, cast.class_3t, cast.ava, "reading", "E").status_code in (
            403,
            404,
        )
    assert not Judgement.objects.exists()


def test_a_closed_drop_renders_read_only_with_the_reason(cast, drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    html = client_for(cast.teacher).get(grid_url(drop, cast.class_3t)).content.decode()
    assert "submitted by the head: judgements can no longer be changed" in html
    assert html.count(" readonly") == 3


# --- saving a cell ---------------------------------------------------------------------------


def test_a_valid_code_is_saved_with_a_revision(cast, drop, client_for):
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "Y3 EXS")
    assert response.status_code == 200
    assert response.json() == {
        "status": "saved",
        "message": "Saved Y3 EXS",
        "code": "Y3 EXS",
        "label": "Year 3 at the expected standard",
        "version": 1,
        "warning": "",
    }
    judgement = Judgement.objects.get(pupil=cast.ava, drop=drop)
    assert judgement.level.code == "Y3 EXS" and judgement.recorded_by == cast.teacher
    assert JudgementRevision.objects.get(judgement=judgement).reason == "grid"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("y3 exs", "Y3 EXS"), ("  Y3EXS ", "Y3 EXS"), ("3exp", "Y3 EXS"), ("e", "Y3 EXS"), ("W", "Y3 WTS")],
)
def test_forgiven_spellings_are_saved_as_the_level_code(cast, drop, client_for, typed, code):
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "writing", typed)
    assert response.json()["code"] == code
    assert Judgement.objects.get(pupil=cast.ava, drop=drop).level.code == code


def test_an_invalid_code_is_explained_naming_the_value_and_nothing_is_written(cast, drop, client_for):
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "Y3 Excellent")
    assert response.status_code == 422
    assert response.json() == {
        "status": "invalid",
        "message": (
            "Y3 Excellent is not a level of National curriculum year-group bands or of another framework "
            "the school uses: try Y3 WTS, Y3 EXS, Y3 GDS."
        ),
    }
    empty = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "   ")
    assert empty.status_code == 422 and "emptying a cell keeps its judgement" in empty.json()["message"]
    assert not Judgement.objects.exists()


def test_a_bad_version_is_refused_clearly(cast, drop, client_for):
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "E", version="x")
    assert response.status_code == 400
    assert "Ava Archer, Reading" in response.json()["message"] and "'x'" in response.json()["message"]
    assert not Judgement.objects.exists()


def test_a_stale_save_is_refused_with_both_values(cast, drop, client_for):
    teacher = client_for(cast.teacher)
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 WTS").json()["version"] == 1
    from django.test import Client

    ta = Client()
    ta.force_login(cast.ta)
    assert post_cell(ta, drop, cast.class_3t, cast.ava, "reading", "Y3 EXS", 1).json()["version"] == 2
    response = post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 GDS", 1)
    assert response.status_code == 409
    answer = response.json()
    assert answer["status"] == "stale" and answer["mine"] == "Y3 GDS"
    assert answer["theirs"]["code"] == "Y3 EXS" and answer["theirs"]["version"] == 2
    assert answer["theirs"]["by"] == str(cast.ta)
    assert "Y3 EXS" in answer["message"] and "Y3 GDS" in answer["message"]
    assert Judgement.objects.get().level.code == "Y3 EXS"
    # "save mine over it": the same value against the version now seen
    again = post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 GDS", 2)
    assert again.json()["status"] == "saved" and Judgement.objects.get().level.code == "Y3 GDS"


def test_a_stale_save_of_the_value_already_there_is_saved_unchanged(cast, drop, client_for):
    """Issue 8: the page-close send arrives after the reload; "Send them now" then sends the same
    value against the version it was typed on. Not a conflict with oneself: saved, current version."""
    teacher = client_for(cast.teacher)
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 WTS").json()["version"] == 1
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 EXS", 1).json()["version"] == 2
    again = post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "e", 1)
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "saved" and again.json()["version"] == 2
    assert again.json()["code"] == "Y3 EXS"
    assert JudgementRevision.objects.count() == 2
    other = post_cell(teacher, drop, cast.class_3t, cast.ava, "reading", "Y3 GDS", 1)
    assert other.status_code == 409 and other.json()["theirs"]["code"] == "Y3 EXS"


def test_a_closed_drop_refuses_the_save(cast, drop, client_for):
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "Y3 EXS")
    assert response.status_code == 423
    assert response.json()["status"] == "closed"
    assert "Northfield Primary's Autumn is submitted by the head" in response.json()["message"]
    assert not Judgement.objects.exists()


def test_a_pupil_outside_the_class_or_the_users_reach_is_404(cast, drop, client_for):
    teacher = client_for(cast.teacher)
    assert post_cell(teacher, drop, cast.class_3t, cast.ben, "reading", "Y3 EXS").status_code == 404
    assert post_cell(teacher, drop, cast.class_3t, cast.cara, "reading", "Y8 EXS").status_code == 404
    # the head sees Ben, but he is not in 3T: the grid of 3T does not write him
    assert post_cell(client_for(cast.head), drop, cast.class_3t, cast.ben, "reading", "E").status_code == 404
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "science", "E").status_code == 404
    assert not Judgement.objects.exists()


def test_the_save_endpoint_takes_only_posts(cast, drop, client_for):
    assert client_for(cast.teacher).get(save_url(drop, cast.class_3t)).status_code == 405


def test_a_level_of_another_framework_the_school_uses_is_refused_naming_both(cast, drop, client_for):
    # Ava is assessed on the NC bands in reading; PK4 is pre-key stage standard 4 (issue 8)
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "pk 4")
    assert response.status_code == 422
    assert response.json()["message"] == (
        "pk 4 is a level of Pre-key stage standards; at Northfield Primary this pupil is assessed in "
        "Reading on National curriculum year-group bands: try Y3 WTS, Y3 EXS, Y3 GDS."
    )
    assert not Judgement.objects.exists()


def test_a_code_no_framework_of_the_school_knows_is_refused(cast, drop, client_for):
    response = post_cell(client_for(cast.teacher), drop, cast.class_3t, cast.ava, "reading", "PK9")
    assert response.status_code == 422
    assert response.json()["message"].startswith("PK9 is not a level of National curriculum year-group bands")
    assert Level.objects.filter(code="PK1").exists() and not Judgement.objects.exists()


# --- the lists that lead to a grid ------------------------------------------------------------


def test_the_index_lists_the_users_classes_with_progress(cast, drop, subjects, level, client_for):
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    url = reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug})
    html = client_for(cast.teacher).get(url).content.decode()
    assert grid_url(drop, cast.class_3t) in html and "1 of 3" in html
    assert grid_url(drop, cast.class_3b) not in html
    head = client_for(cast.head).get(url).content.decode()
    assert "Other classes at Northfield Primary" in head and grid_url(drop, cast.class_3b) in head
    # the other teacher sees their own school's classes only
    other = client_for(cast.other_teacher).get(url).content.decode()
    assert grid_url(drop, cast.class_8r) in other and grid_url(drop, cast.class_3t) not in other


def test_the_index_is_a_fixed_number_of_queries(cast, drop, client_for, django_assert_max_num_queries):
    client = client_for(cast.analyst)
    url = reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug})
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_another_trusts_drop_is_404(cast, drop, client_for):
    from strides.organisations import services as organisations

    other = organisations.create_trust(None, "Other Trust", "other-trust")
    from strides.accounts import services as accounts
    from strides.accounts.roles import Role

    outsider = accounts.create_user(None, "outsider", password="x", validate=False)
    accounts.grant_role(None, outsider, Role.TRUST_ANALYST, other, None)
    url = reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug})
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(grid_url(drop, cast.class_3t)).status_code == 404


def test_the_home_page_lists_open_and_closed_drops(cast, drop, client_for):
    client = client_for(cast.teacher)
    html = client.get(reverse("assessment:grid_home")).content.decode()
    assert reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug}) in html
    assert "Open data drops" in html
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    html = client.get(reverse("assessment:grid_home")).content.decode()
    assert "Closed data drops" in html and "No data drop is open" in html
    # pages of named pupils are not there for those who cannot record (ADR 2, amendment)
    assert client_for(cast.governor).get(reverse("assessment:grid_home")).status_code == 404


def test_the_home_page_is_a_fixed_number_of_queries(cast, drop, client_for, django_assert_max_num_queries):
    client = client_for(cast.analyst)
    url = reverse("assessment:grid_home")
    client.get(url)
    with django_assert_max_num_queries(8) as first:
        assert client.get(url).status_code == 200
    year = cast.year
    for n in range(3):
        create_drop(
            cast.analyst,
            cast.trust,
            year,
            name=f"Extra {n}",
            term="spring",
            opens_on=year.starts_on,
            deadline=year.starts_on + dt.timedelta(days=200),
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert "Extra 2" in client.get(url).content.decode()


# --- a read-only grid ----------------------------------------------------------------------------


def test_a_read_only_grid_says_why_and_who_can_reopen_instead_of_how_to_type(cast, drop, client_for):
    url = grid_url(drop, cast.class_3t)
    open_html = client_for(cast.teacher).get(url).content.decode()
    assert "Type a level code" in open_html
    assert 'id="grid-closed" class="message message--warning" hidden' in open_html
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    html = client_for(cast.teacher).get(url).content.decode()
    assert "Type a level code" not in html and "Paste a block" not in html
    closed = html.split('id="grid-closed"')[1].split("</div>")[0]
    assert "submitted by the head" in closed and "Hana Head" in closed  # who closed it, and when
    assert "Only the trust's assessment team can reopen it" in closed
    assert "Ada Admin" in closed and "Ana Lyst" in closed  # who that is
    assert 'aria-describedby="grid-closed"' in html  # the table is described by why, not how to type


# --- shorthand in the pupil's band, and big jumps ------------------------------------------------


def test_shorthand_follows_the_band_and_a_big_jump_is_kept_with_a_warning(
    cast, drop, subjects, level, client_for
):
    year = cast.year
    earlier = create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="Baseline",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=20),
        schools=[cast.river],
    )
    # Cara (Year 8) was working at Year 4 in reading
    record_judgement(
        cast.other_teacher,
        cast.cara,
        subjects["reading"],
        earlier,
        cast.river,
        level("Y4 WTS"),
        expected_version=0,
    )
    client = client_for(cast.other_teacher)
    first = post_cell(client, drop, cast.class_8r, cast.cara, "reading", "w").json()
    assert (first["code"], first["warning"]) == ("Y4 WTS", "")  # her band, not Y8 WTS
    jump = post_cell(client, drop, cast.class_8r, cast.cara, "reading", "y8 wts", first["version"]).json()
    assert jump["status"] == "saved" and jump["code"] == "Y8 WTS"  # kept, not refused
    assert jump["warning"] == "12 points above last drop's Y4 WTS: check"
    # a step of a band or two says nothing
    small = post_cell(client, drop, cast.class_8r, cast.cara, "reading", "y5 exs", jump["version"]).json()
    assert small["warning"] == ""
    post_cell(client, drop, cast.class_8r, cast.cara, "reading", "y2 wts", small["version"])
    # the page says it again when opened, in the cell's message (which describes the input)
    html = client.get(grid_url(drop, cast.class_8r)).content.decode()
    assert '<p class="grid-warning">' not in html  # Y2 WTS is 6 points below Y4 WTS: not more than 6
    post_cell(client, drop, cast.class_8r, cast.cara, "reading", "y9 gds", small["version"] + 1)
    html = client.get(grid_url(drop, cast.class_8r)).content.decode()
    assert '<p class="grid-warning">17 points above last drop&#x27;s Y4 WTS: check</p>' in html


def test_the_jump_threshold_is_a_named_constant():
    from strides.frameworks.level_codes import JUMP_WARNING_POINTS, jump_warning

    assert JUMP_WARNING_POINTS == 6
    assert jump_warning("Y6 WTS", 20, 26) == ""
    assert jump_warning("Y6 WTS", 20, 32) == "12 points above last drop's Y6 WTS: check"
    assert jump_warning("Y9 EXS", 30, 23) == "7 points below last drop's Y9 EXS: check"
    assert jump_warning("EM", None, 30) == ""
