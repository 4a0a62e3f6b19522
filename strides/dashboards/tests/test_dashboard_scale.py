"""The trust dashboard's statements do not grow with the number of schools: the ``history`` trust
(4 schools in the current drop) against the same trust with 10 more schools with pupils and
judgements in a later drop (14 schools). Completeness, the one reader that used to ask per school,
counts every school at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strides.assessment.services import bulk_judgements as bulk
from strides.assessment.services import create_drop
from strides.dashboards.frames import forget_observations
from strides.dashboards.tests.conftest import SUBJECTS
from strides.frameworks.models import Level, Subject
from strides.organisations import services as organisations
from strides.organisations.models import Phase, School, SchoolType
from strides.pupils import services as pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

TRUST = "/dashboards/trust/"
MORE_SCHOOLS = 10
PUPILS_EACH = 3
# A full build of the trust page once the frame is in memory (the memo is off in tests, so every
# request builds its figures): session and user, scope, the data version, schools, drops,
# subjects, the trust, the benchmark source and four for completeness.
TRUST_PAGE_STATEMENTS = 19


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_observations()
    yield
    forget_observations()


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """The pages open on this autumn's drop, as they would once its deadline has passed (a drop
    still being collected is not a page's default: test_views_trust)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


def add_schools(h, count: int) -> list[School]:
    """``count`` primary schools of the trust, each with ``PUPILS_EACH`` Year 3 pupils."""
    schools = []
    for n in range(count):
        school = organisations.create_school(
            None,
            h.trust,
            name=f"Scale Primary {n:02d}",
            urn=f"2000{n:02d}",
            la_code="805",
            establishment_number=f"2{n:03d}",
            school_type=SchoolType.PRIMARY,
            phase=Phase.PRIMARY,
            joined_trust_on=dt.date(2018, 9, 1),
        )
        records = [
            pupils.PupilRecord(
                upn=make_upn(805, 2000 + n, 21, serial),
                legal_forename=f"Scale{serial}",
                legal_surname=f"School{n:02d}",
                date_of_birth=dt.date(h.today.year - 9, 1, 1),
                sex="F" if serial % 2 else "M",
                characteristics={"nc_year": 3},
                enrolment_start=h.year.starts_on,
            )
            for serial in range(1, PUPILS_EACH + 1)
        ]
        pupils.upsert_pupils(None, school, records, effective=h.year.starts_on)
        schools.append(school)
    return schools


def judge_everyone_in_a_new_drop(h, schools: list[School]) -> None:
    """A spring drop over every school of the trust, with judgements of the new schools' pupils
    and of north's: the trust page's default drop (the latest with rows) has 14 schools' parts."""
    subjects = [Subject.objects.get(code=code) for code in SUBJECTS]
    spring = create_drop(
        h.analyst,
        h.trust,
        h.year,
        name="Spring",
        term="spring",
        opens_on=h.year.starts_on + dt.timedelta(days=150),
        deadline=h.year.starts_on + dt.timedelta(days=200),
        subjects=subjects,
    )
    level = Level.objects.get(framework__trust=None, framework__code="nc-bands", code="Y3 EXS")
    judged = [p for school in schools for p in school.enrolments.values_list("pupil", flat=True)]
    # north's pupils on the year bands (ben is assessed on pre-key stage standards: a year-band
    # level is refused for him)
    judged += [p.pk for p in h.north_now if p.pk != h.ben.pk]
    rows = [bulk.JudgementRow(pupil, subject, level) for pupil in judged for subject in subjects]
    result = bulk.record_judgements(None, spring, rows, reason="scale test", dry_run=False)
    assert result.committed, result.errors


def trust_page_statements(client) -> tuple[int, object]:
    client.get(TRUST)  # the frame for the current data version, into memory
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TRUST)
    assert response.status_code == 200
    return len(queries.captured_queries), response


@pytest.mark.parametrize("who", ["analyst", "director"])
def test_trust_page_statements_do_not_grow_with_the_number_of_schools(
    history, client_for, django_assert_max_num_queries, who
):
    client = client_for(getattr(history, who))
    with_four, response = trust_page_statements(client)
    assert len(response.context["tables"]["completeness"].rows) == 4

    judge_everyone_in_a_new_drop(history, add_schools(history, MORE_SCHOOLS))
    with_fourteen, response = trust_page_statements(client)

    completeness = response.context["tables"]["completeness"].rows
    assert len(completeness) == 4 + MORE_SCHOOLS
    scale_rows = [row for row in completeness if row["school"].startswith("Scale Primary")]
    assert {(row["recorded"], row["expected"]) for row in scale_rows} == {(PUPILS_EACH * 3, PUPILS_EACH * 3)}
    attainment = response.context["tables"]["attainment"].rows
    assert len({row["school"] for row in attainment}) == 1 + MORE_SCHOOLS  # north and the new ones
    assert with_fourteen == with_four
    with django_assert_max_num_queries(TRUST_PAGE_STATEMENTS):
        assert client.get(TRUST + "?group=sex").status_code == 200
