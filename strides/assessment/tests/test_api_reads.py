"""The assessment API's reads of drops and their completeness, and of judgements: scoping,
filters, pagination and pinned query counts. Subjects, frameworks, the common scale and crosswalks
are in test_api_framework_reads.py."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token, revoke_api_token
from strides.assessment.completeness import completeness_of
from strides.assessment.models import DropSchool, DropStatus
from strides.assessment.queries import completeness
from strides.assessment.services import create_drop, record_judgement, transition
from strides.frameworks.services import (
    assign_framework,
)
from strides.organisations import services as organisations
from strides.organisations.models import AcademicYear

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def judged(cast, drop, subjects, level):
    """Ava (3T, north): reading Y3 WTS then Y3 EXS; Ben (3B, north): maths Y3 GDS; Cara (river):
    reading Y8 EXS."""
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    record_judgement(
        cast.ta, cast.ava, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=1
    )
    record_judgement(
        cast.head, cast.ben, subjects["maths"], drop, cast.north, level("Y3 GDS"), expected_version=0
    )
    record_judgement(
        cast.other_teacher,
        cast.cara,
        subjects["reading"],
        drop,
        cast.river,
        level("Y8 EXS"),
        expected_version=0,
    )
    return drop


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def pupils_judged(response) -> set[str]:
    return {row["pupil"]["display_name"] for row in results(response)}


# --- sign-in ---------------------------------------------------------------------------------


def test_every_assessment_list_needs_credentials(cast, drop):
    anonymous = APIClient()
    for path in ("subjects", "frameworks", "common-scale", "crosswalks", "drops", "judgements"):
        response = anonymous.get(f"{API}/{path}/")
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_acts_as_its_owner_until_revoked(cast, judged):
    token, secret = create_api_token(None, cast.teacher, "grid sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert pupils_judged(client.get(f"{API}/judgements/")) == {"Ava Archer"}
    revoke_api_token(cast.teacher, token)
    assert client.get(f"{API}/judgements/").status_code == 401


def test_a_signed_in_session_works_too(cast, judged, client_for):
    response = client_for(cast.head).get(f"{API}/judgements/")
    assert response.status_code == 200
    assert response.json()["count"] == 2


# --- drops and completeness -------------------------------------------------------------------


def test_drops_list_each_school_the_caller_can_open(cast, api, judged):
    admin_rows = results(api(cast.admin).get(f"{API}/drops/"))
    assert [row["slug"] for row in admin_rows] == [judged.slug]
    row = admin_rows[0]
    assert row["name"] == "Autumn" and row["term"] == "autumn" and row["kind"] == "termly"
    assert row["subjects"] == ["reading", "writing", "maths"]
    assert row["academic_year_start"] == cast.year.start_year
    assert {(s["school"]["urn"], s["status"]) for s in row["schools"]} == {
        (cast.north.urn, "in_progress"),
        (cast.river.urn, "in_progress"),
    }
    head_row = results(api(cast.head).get(f"{API}/drops/"))[0]
    assert [s["school"]["urn"] for s in head_row["schools"]] == [cast.north.urn]
    assert head_row["schools"][0]["teachers_may_edit"] is True
    # the calendar is the trust's: a parent or a placing contact sees it, but no school's status
    for user in (cast.parent, cast.placing, cast.other_teacher):
        rows = results(api(user).get(f"{API}/drops/"))
        assert [r["slug"] for r in rows] == [judged.slug], user
        expected = [cast.river.urn] if user == cast.other_teacher else []
        assert [s["school"]["urn"] for s in rows[0]["schools"]] == expected


def test_drop_filters_and_detail(cast, api, drop):
    next_year = organisations.ensure_academic_year(None, cast.trust, cast.year.start_year + 1)
    spring = create_drop(
        cast.analyst,
        cast.trust,
        next_year,
        name="Spring",
        term="spring",
        opens_on=next_year.starts_on + dt.timedelta(days=150),
        deadline=next_year.starts_on + dt.timedelta(days=170),
        schools=[cast.north],
    )
    client = api(cast.head)

    def slugs(query: str) -> list[str]:
        return [row["slug"] for row in results(client.get(f"{API}/drops/?{query}"))]

    assert slugs("") == [spring.slug, drop.slug]  # newest first
    assert slugs(f"academic_year={cast.year.start_year}") == [drop.slug]
    assert slugs("term=spring") == [spring.slug]
    assert slugs("term=summer") == []
    bad = client.get(f"{API}/drops/?term=winter")
    assert bad.status_code == 400 and bad.json()["errors"][0]["value"] == "winter"
    detail = client.get(f"{API}/drops/{spring.slug}/").json()
    assert detail["academic_year"] == AcademicYear.objects.get(pk=next_year.pk).label
    assert client.get(f"{API}/drops/no-such-drop/").status_code == 404


def test_another_trust_s_drop_is_not_found(cast, api, drop):
    other = organisations.create_trust(None, "Other Trust", "other-trust")
    year = organisations.ensure_academic_year(None, other, cast.year.start_year)
    theirs = create_drop(
        None,
        other,
        year,
        name="Their autumn",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=42),
    )
    client = api(cast.admin)
    assert client.get(f"{API}/drops/{theirs.slug}/").status_code == 404
    assert client.get(f"{API}/drops/{theirs.slug}/completeness/").status_code == 404
    assert theirs.slug not in {row["slug"] for row in results(client.get(f"{API}/drops/"))}


def test_a_drop_of_other_schools_shows_no_school_to_the_caller(cast, api, drop):
    oak_only = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Oak baseline",
        term="autumn",
        kind="baseline",
        opens_on=cast.year.starts_on,
        deadline=cast.year.starts_on + dt.timedelta(days=42),
        schools=[cast.oak],
    )
    head = api(cast.head)
    assert head.get(f"{API}/drops/{oak_only.slug}/").json()["schools"] == []
    assert head.get(f"{API}/drops/{oak_only.slug}/completeness/").json()["schools"] == []
    assert head.get(f"{API}/drops/{oak_only.slug}/schools/{cast.oak.urn}/").status_code == 404
    admin = api(cast.admin).get(f"{API}/drops/{oak_only.slug}/").json()
    assert [s["school"]["urn"] for s in admin["schools"]] == [cast.oak.urn]


def test_drop_list_query_count_is_pinned(cast, api, drop, django_assert_max_num_queries):
    for n in range(4):
        create_drop(
            cast.analyst,
            cast.trust,
            cast.year,
            name=f"Extra {n}",
            term="spring",
            opens_on=cast.year.starts_on + dt.timedelta(days=150),
            deadline=cast.year.starts_on + dt.timedelta(days=170),
        )
    client = api(cast.director)
    client.get(f"{API}/subjects/")
    # token, scope (memberships, officers, trust schools), count, page, subjects, school parts
    with django_assert_max_num_queries(9):
        rows = results(client.get(f"{API}/drops/"))
    assert len(rows) == 5 and all(len(row["schools"]) == 4 for row in rows if row["slug"] != drop.slug)


def test_completeness_n_of_n_status_and_overdue(cast, api, judged):
    response = api(cast.admin).get(f"{API}/drops/{judged.slug}/completeness/")
    assert response.status_code == 200
    body = response.json()
    assert body["drop"] == judged.slug and body["deadline"] == judged.deadline.isoformat()
    rows = {row["school"]["urn"]: row for row in body["schools"]}
    north = rows[cast.north.urn]
    assert (north["recorded"], north["expected"], north["status"]) == (2, 6, "in_progress")
    assert north["percent"] == 33
    assert north["overdue"] is (dt.date.today() > judged.deadline)
    assert (rows[cast.river.urn]["recorded"], rows[cast.river.urn]["expected"]) == (1, 3)


def test_completeness_is_aggregates_only_for_governors_and_directors(cast, api, judged):
    governor = api(cast.governor).get(f"{API}/drops/{judged.slug}/completeness/").json()
    assert [row["school"]["urn"] for row in governor["schools"]] == [cast.north.urn]
    assert governor["schools"][0]["recorded"] == 2
    assert "pupil" not in str(governor)
    director = api(cast.director).get(f"{API}/drops/{judged.slug}/completeness/").json()
    assert {row["school"]["urn"] for row in director["schools"]} == {cast.north.urn, cast.river.urn}
    # a parent finds the drop, but no school's figures
    assert api(cast.parent).get(f"{API}/drops/{judged.slug}/completeness/").json()["schools"] == []


def test_completeness_matches_the_boards_figures(cast, judged):
    late = judged.deadline + dt.timedelta(days=1)
    transition(cast.head, DropSchool.objects.get(drop=judged, school=cast.north), DropStatus.SUBMITTED)
    board = {
        (r.part.school_id, r.expected, r.recorded, r.overdue)
        for r in completeness(cast.analyst, judged, today=late)
    }
    parts = DropSchool.objects.filter(drop=judged)
    api_rows = {
        (r.part.school_id, r.expected, r.recorded, r.overdue)
        for r in completeness_of(cast.analyst, judged, parts, late)
    }
    assert api_rows == board
    assert {row[3] for row in api_rows} == {True, False}  # river overdue, north submitted


def test_completeness_query_count_does_not_grow_with_schools(cast, api, drop, django_assert_max_num_queries):
    everyone = create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Everyone",
        term="spring",
        opens_on=cast.year.starts_on + dt.timedelta(days=150),
        deadline=cast.year.starts_on + dt.timedelta(days=170),
    )
    client = api(cast.admin)
    client.get(f"{API}/subjects/")
    # token, scope (memberships, officers, trust schools), drop, subjects, parts, expected, recorded
    with django_assert_max_num_queries(9):
        body = client.get(f"{API}/drops/{everyone.slug}/completeness/").json()
    assert len(body["schools"]) == 4


def test_a_school_s_part_status_and_completeness(cast, api, judged):
    url = f"{API}/drops/{judged.slug}/schools/{cast.north.urn}/"
    body = api(cast.teacher).get(url).json()
    assert body["drop"] == judged.slug and body["school"]["urn"] == cast.north.urn
    assert (body["status"], body["recorded"], body["expected"]) == ("in_progress", 2, 6)
    assert api(cast.governor).get(url).status_code == 200
    # river's teacher and head, a parent and a placing contact: not found, like a missing school
    for user in (cast.other_teacher, cast.river_head, cast.parent, cast.placing):
        assert api(user).get(url).status_code == 404, user
    assert api(cast.head).get(f"{API}/drops/{judged.slug}/schools/{cast.oak.urn}/").status_code == 404
    assert api(cast.head).get(f"{API}/drops/{judged.slug}/schools/999999/").status_code == 404


# --- judgements -------------------------------------------------------------------------------


def test_judgement_rows_carry_level_framework_point_version_and_who(cast, api, judged):
    rows = results(api(cast.head).get(f"{API}/judgements/?drop={judged.slug}&subject=reading"))
    assert len(rows) == 1
    row = rows[0]
    assert row["pupil"]["display_name"] == "Ava Archer" and row["pupil"]["upn"] == cast.ava.upn
    assert row["subject"] == "reading" and row["drop"] == judged.slug
    assert row["school"]["urn"] == cast.north.urn
    assert row["level"]["code"] == "Y3 EXS" and row["level"]["framework"]["code"] == "nc-bands"
    assert row["point"]["code"] == "NS12" and row["point"]["value"] > 0
    assert row["crosswalk_version"] == 1 and row["version"] == 2
    assert row["recorded_by"] == "Tara Assistant" and row["recorded_at"]
    assert "revisions" not in row


def test_judgements_are_scoped_to_the_pupils_the_caller_can_see(cast, api, judged):
    url = f"{API}/judgements/?drop={judged.slug}"
    assert pupils_judged(api(cast.admin).get(url)) == {"Ava Archer", "Ben Baker", "Cara Carter"}
    assert pupils_judged(api(cast.head).get(url)) == {"Ava Archer", "Ben Baker"}
    assert pupils_judged(api(cast.teacher).get(url)) == {"Ava Archer"}  # 3T only
    assert pupils_judged(api(cast.ta).get(url)) == {"Ava Archer"}
    assert pupils_judged(api(cast.other_teacher).get(url)) == {"Cara Carter"}
    assert pupils_judged(api(cast.eap).get(url)) == {"Ava Archer", "Ben Baker"}
    # aggregate-only roles see no named pupil: empty lists, not an error
    for user in (cast.governor, cast.director, cast.placing):
        response = api(user).get(url)
        assert response.status_code == 200 and response.json()["count"] == 0, user
    # a parent sees their own child only, read-only, once the school has released the drop (ADR 11)
    assert pupils_judged(api(cast.parent).get(url)) == set()
    transition(cast.head, DropSchool.objects.get(drop=judged, school=cast.north), DropStatus.SUBMITTED)
    assert pupils_judged(api(cast.parent).get(url)) == {"Ava Archer"}


def test_judgement_filters(cast, api, judged):
    client = api(cast.admin)

    def judged_pupils(query: str) -> set[str]:
        return pupils_judged(client.get(f"{API}/judgements/?{query}"))

    assert judged_pupils(f"school={cast.river.urn}") == {"Cara Carter"}
    assert judged_pupils(f"class={cast.class_3b.pk}") == {"Ben Baker"}
    assert judged_pupils("subject=maths") == {"Ben Baker"}
    assert judged_pupils(f"pupil={cast.ava.pk}") == {"Ava Archer"}
    assert judged_pupils(f"drop={judged.slug}&school={cast.north.urn}&subject=reading") == {"Ava Archer"}
    assert judged_pupils("drop=no-such-drop") == set()
    # a class the caller cannot open narrows to nothing rather than telling who is in it
    assert pupils_judged(api(cast.teacher).get(f"{API}/judgements/?class={cast.class_3b.pk}")) == set()
    bad = client.get(f"{API}/judgements/?pupil=ava")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "pupil" and bad.json()["errors"][0]["value"] == "ava"


def test_judgement_list_is_paged(cast, api, judged, subjects, level, monkeypatch):
    record_judgement(
        cast.teacher, cast.ava, subjects["writing"], judged, cast.north, level("Y3 WTS"), expected_version=0
    )
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    client = api(cast.admin)
    first = client.get(f"{API}/judgements/").json()
    assert first["count"] == 4 and first["previous"] is None and len(first["results"]) == 2
    second = client.get(f"{API}/judgements/?page=2").json()
    assert second["next"] is None and len(second["results"]) == 2
    assert len({row["id"] for row in first["results"] + second["results"]}) == 4
    assert client.get(f"{API}/judgements/?page=99").status_code == 404


def test_judgement_detail_with_its_revisions(cast, api, judged):
    reading = results(api(cast.head).get(f"{API}/judgements/?pupil={cast.ava.pk}&subject=reading"))[0]
    body = api(cast.teacher).get(f"{API}/judgements/{reading['id']}/").json()
    assert body["level"]["code"] == "Y3 EXS" and body["version"] == 2
    assert [
        (r["version"], r["level_before"], r["level_after"], r["changed_by"], r["reason"])
        for r in body["revisions"]
    ] == [(1, None, "Y3 WTS", "Tom Teacher", "grid"), (2, "Y3 WTS", "Y3 EXS", "Tara Assistant", "grid")]
    assert body["revisions"][1]["point_after"]["code"] == "NS12"
    # the parent: a draft is the school's until released; then the level, never staff or history
    assert api(cast.parent).get(f"{API}/judgements/{reading['id']}/").status_code == 404
    transition(cast.head, DropSchool.objects.get(drop=judged, school=cast.north), DropStatus.SUBMITTED)
    shared = api(cast.parent).get(f"{API}/judgements/{reading['id']}/").json()
    assert shared["level"]["code"] == "Y3 EXS"
    assert (shared["recorded_by"], shared["note"], shared["revisions"]) == (None, "", [])


def test_another_school_s_judgement_is_not_found(cast, api, judged):
    ava_reading = results(api(cast.head).get(f"{API}/judgements/?pupil={cast.ava.pk}&subject=reading"))[0][
        "id"
    ]
    ben_maths = results(api(cast.head).get(f"{API}/judgements/?pupil={cast.ben.pk}"))[0]["id"]
    for user in (cast.other_teacher, cast.river_head, cast.governor, cast.director, cast.placing):
        assert api(user).get(f"{API}/judgements/{ava_reading}/").status_code == 404, user
    assert api(cast.teacher).get(f"{API}/judgements/{ben_maths}/").status_code == 404  # not in 3T
    assert api(cast.parent).get(f"{API}/judgements/{ben_maths}/").status_code == 404  # not their child
    assert api(cast.head).get(f"{API}/judgements/987654/").status_code == 404


def test_judgement_list_does_no_query_per_row(
    cast, api, judged, subjects, level, django_assert_max_num_queries
):
    for subject in ("writing", "maths"):
        record_judgement(
            cast.teacher, cast.ava, subjects[subject], judged, cast.north, level("Y3 WTS"), expected_version=0
        )
    for user, count in ((cast.admin, 5), (cast.teacher, 3)):
        client = api(user)
        client.get(f"{API}/subjects/")
        # token, scope (memberships, officers, trust schools), count, page
        with django_assert_max_num_queries(7):
            assert client.get(f"{API}/judgements/?drop={judged.slug}").json()["count"] == count


def test_judgement_detail_query_count_is_pinned(cast, api, judged, django_assert_max_num_queries):
    client = api(cast.head)
    reading = results(client.get(f"{API}/judgements/?pupil={cast.ava.pk}&subject=reading"))[0]["id"]
    # token, scope (memberships, officers), judgement, revisions
    with django_assert_max_num_queries(6):
        assert client.get(f"{API}/judgements/{reading}/").status_code == 200


def test_a_school_reads_only_its_own_judgements_of_a_pupil_who_moved(cast, api, drop, subjects, level):
    from strides.pupils import services as pupils
    from strides.pupils.models import Enrolment

    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    moved_on = cast.year.starts_on + dt.timedelta(days=20)
    pupils.end_enrolment(
        cast.head, Enrolment.objects.get(pupil=cast.ava, school=cast.north), moved_on, "transfer"
    )
    pupils.enrol(cast.river_head, cast.ava, cast.river, moved_on + dt.timedelta(days=1))
    record_judgement(
        cast.river_head, cast.ava, subjects["maths"], drop, cast.river, level("Y3 EXS"), expected_version=0
    )
    url = f"{API}/judgements/?pupil={cast.ava.pk}"
    assert {row["subject"] for row in results(api(cast.head).get(url))} == {"reading"}
    assert {row["subject"] for row in results(api(cast.river_head).get(url))} == {"maths"}
    assert {row["subject"] for row in results(api(cast.admin).get(url))} == {"reading", "maths"}


def test_frameworks_chosen_for_a_pupil_show_on_their_judgements(cast, api, drop, subjects, level):
    assign_framework(
        cast.head, cast.north, subjects["reading"], level("PK4", "pre-key-stage").framework, drop.opens_on
    )
    record_judgement(
        cast.senco,
        cast.ben,
        subjects["reading"],
        drop,
        cast.north,
        level("PK4", "pre-key-stage"),
        expected_version=0,
    )
    row = results(api(cast.senco).get(f"{API}/judgements/?pupil={cast.ben.pk}"))[0]
    assert row["level"]["framework"]["code"] == "pre-key-stage" and row["level"]["code"] == "PK4"
