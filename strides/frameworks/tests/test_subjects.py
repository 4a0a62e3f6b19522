"""Subjects: the shipped catalogue, a trust's own and its schools' additions, codes unique in a
trust's namespace, archive (per trust for a shipped subject) and restore, the phase rule, and the
Subjects pages for each role."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.models import Role
from strides.audit.models import AuditEntry
from strides.frameworks import shipped
from strides.frameworks.models import Subject, SubjectPhase, TrustSubject
from strides.frameworks.queries import applies_to, subjects_for
from strides.frameworks.services import (
    FrameworkError,
    add_subject,
    archive_subject,
    change_subject,
)
from strides.organisations import services as organisations
from strides.organisations.models import Phase, SchoolType

pytestmark = pytest.mark.django_db

LIST = reverse("frameworks:subjects")


def codes(subjects):
    return [s.code for s in subjects]


def detail(subject):
    return reverse("frameworks:subject", kwargs={"subject_id": subject.pk})


def archive_url(subject):
    return reverse("frameworks:subject_archive", kwargs={"subject_id": subject.pk})


@pytest.fixture
def other_trust(db):
    """A second trust with its own admin and school."""
    trust = organisations.create_trust(None, "Other Trust", "other-trust")
    school = organisations.create_school(
        None,
        trust,
        name="Elsewhere Primary",
        urn="200001",
        la_code="801",
        establishment_number="2002",
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
    )
    admin = accounts.create_user(None, "other_admin", password="Strides-test-password-2026", validate=False)
    accounts.grant_role(None, admin, Role.TRUST_ADMIN, trust)
    return trust, school, admin


# --- the catalogue -------------------------------------------------------------------------------


def test_the_shipped_catalogue_keeps_the_first_codes_and_adds_a_secondary_curriculum(cast):
    shipped_codes = set(Subject.objects.filter(trust=None).values_list("code", flat=True))
    assert {"reading", "writing", "maths", "science"} <= shipped_codes
    assert {
        "english-language",
        "english-literature",
        "combined-science",
        "history",
        "french",
    } <= shipped_codes
    assert len(shipped_codes) == len(shipped.SUBJECTS)
    assert Subject.objects.get(code="reading", trust=None).phase == SubjectPhase.ALL
    assert Subject.objects.get(code="history", trust=None).phase == SubjectPhase.SECONDARY


def test_the_phase_rule(cast):
    history = Subject.objects.get(code="history", trust=None)
    maths = Subject.objects.get(code="maths", trust=None)
    assert applies_to(history, cast.river) and not applies_to(history, cast.north)
    assert applies_to(history, cast.oak)  # special: every phase
    assert applies_to(maths, cast.north) and applies_to(maths, cast.river)
    own = add_subject(None, cast.trust, "forest-school", "Forest school", school=cast.north)
    assert applies_to(own, cast.north) and not applies_to(own, cast.oak)


# --- codes -------------------------------------------------------------------------------------


def test_a_trust_subject_may_not_reuse_a_shipped_or_trust_code(cast, other_trust):
    add_subject(cast.admin, cast.trust, "Food Tech", "Food technology", phase="secondary")
    assert Subject.objects.get(trust=cast.trust, code="food-tech").phase == SubjectPhase.SECONDARY
    with pytest.raises(FrameworkError, match="'history' is already used by a subject Strides ships"):
        add_subject(cast.admin, cast.trust, "history", "Our history")
    with pytest.raises(FrameworkError, match="already used by the trust's Food technology"):
        add_subject(cast.head, cast.trust, "food-tech", "Food", school=cast.north)
    add_subject(cast.head, cast.trust, "latin", "Latin", school=cast.north)
    with pytest.raises(FrameworkError, match="already used by Northfield Primary's Latin"):
        add_subject(cast.admin, cast.trust, "latin", "Latin for all")
    with pytest.raises(FrameworkError, match="not usable"):
        add_subject(cast.admin, cast.trust, "fr@nch!", "French again")
    # another trust's namespace is its own
    trust, _, admin = other_trust
    assert add_subject(admin, trust, "food-tech", "Food technology").trust == trust


def test_the_database_holds_codes_unique_within_a_trust(cast):
    Subject.objects.create(code="latin", name="Latin", trust=cast.trust)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(code="latin", name="Latin", trust=cast.trust, school=cast.north)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(code="maths", name="Maths again")  # a second shipped maths
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(code="orphan", name="No trust", school=cast.north)


# --- archive and restore ------------------------------------------------------------------------


def test_archiving_a_trust_subject_hides_it_and_restoring_brings_it_back(cast):
    latin = add_subject(cast.admin, cast.trust, "latin", "Latin")
    archive_subject(cast.admin, cast.trust, latin)
    latin.refresh_from_db()
    assert latin.archived_at is not None and latin.archived_by == cast.admin
    assert "latin" not in codes(subjects_for(cast.trust))
    assert "latin" in codes(subjects_for(cast.trust, include_archived=True))
    with pytest.raises(FrameworkError, match="already archived"):
        archive_subject(cast.admin, cast.trust, latin)
    archive_subject(cast.admin, cast.trust, latin, restore=True)
    assert "latin" in codes(subjects_for(cast.trust))
    reasons = list(AuditEntry.objects.filter(object_id=str(latin.pk)).values_list("reason", flat=True))
    assert {"subject added", "subject archived", "subject restored"} <= set(reasons)


def test_archiving_a_shipped_subject_is_for_one_trust_only(cast, other_trust):
    trust, _, _ = other_trust
    writing = Subject.objects.get(code="writing", trust=None)
    archive_subject(cast.admin, cast.trust, writing)
    assert "writing" not in codes(subjects_for(cast.trust))
    assert "writing" in codes(subjects_for(trust))  # the other trust still has it
    assert Subject.objects.get(pk=writing.pk).archived_at is None  # the shipped row is untouched
    assert TrustSubject.objects.get(trust=cast.trust, subject=writing).archived_by == cast.admin
    archive_subject(cast.admin, cast.trust, writing, restore=True)
    assert "writing" in codes(subjects_for(cast.trust))


def test_a_trust_gives_a_shipped_subject_its_own_phase_but_not_its_name(cast):
    reading = Subject.objects.get(code="reading", trust=None)
    change_subject(cast.admin, cast.trust, reading, phase="primary")
    assert "reading" not in codes(subjects_for(cast.trust, cast.river))
    assert "reading" in codes(subjects_for(cast.trust, cast.north))
    with pytest.raises(FrameworkError, match="shipped with Strides"):
        change_subject(cast.admin, cast.trust, reading, name="Reading for pleasure")


def test_another_trusts_subject_cannot_be_changed(cast, other_trust):
    trust, _, admin = other_trust
    theirs = add_subject(admin, trust, "latin", "Latin")
    with pytest.raises(FrameworkError, match="not a subject of Test Trust"):
        archive_subject(cast.admin, cast.trust, theirs)


def test_subjects_for_a_school_keeps_its_phase_and_its_own(cast):
    add_subject(None, cast.trust, "forest-school", "Forest school", school=cast.north)
    add_subject(None, cast.trust, "robotics", "Robotics", school=cast.river)
    north = codes(subjects_for(cast.trust, cast.north))
    river = codes(subjects_for(cast.trust, cast.river))
    assert "forest-school" in north and "robotics" not in north and "history" not in north
    assert "robotics" in river and "forest-school" not in river and "history" in river
    assert {"forest-school", "robotics"} <= set(codes(subjects_for(cast.trust, every_school=True)))
    assert not {"forest-school", "robotics"} & set(codes(subjects_for(cast.trust)))


# --- pages ---------------------------------------------------------------------------------------


def test_a_trust_admin_adds_archives_and_restores_subjects(cast, client_for):
    client = client_for(cast.admin)
    page = client.get(LIST).content.decode()
    assert "English literature" in page and "Add a subject" in page
    response = client.post(
        LIST,
        {"code": "food-tech", "name": "Food technology", "owner": "trust", "phase": "secondary", "order": 40},
    )
    assert response.status_code == 302
    food = Subject.objects.get(trust=cast.trust, code="food-tech")
    assert food.phase == SubjectPhase.SECONDARY and food.school is None
    assert client.post(archive_url(food)).status_code == 302
    food.refresh_from_db()
    assert food.archived_at is not None
    assert "Archived" in client.get(LIST).content.decode()
    client.post(archive_url(food), {"action": "restore"})
    food.refresh_from_db()
    assert food.archived_at is None
    response = client.post(detail(food), {"name": "Food and nutrition", "order": 41, "phase": "all"})
    food.refresh_from_db()
    assert response.status_code == 302 and food.name == "Food and nutrition" and food.phase == "all"


def test_a_clash_is_a_clear_error_and_writes_nothing(cast, client_for):
    before = Subject.objects.count()
    response = client_for(cast.admin).post(
        LIST, {"code": "history", "name": "History", "owner": "trust", "phase": "all", "order": 1}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The code &#x27;history&#x27; is already used by a subject Strides ships" in page
    assert Subject.objects.count() == before


def test_a_head_adds_their_schools_subject_and_reads_the_trust_list(cast, client_for):
    client = client_for(cast.head)
    page = client.get(LIST).content.decode()
    assert "kept by the trust" in page and "English language" in page
    assert "Every school in Test Trust" not in page  # a head adds for their school only
    assert 'name="phase"' not in page
    response = client.post(
        LIST, {"code": "forest-school", "name": "Forest school", "owner": str(cast.north.pk), "order": 50}
    )
    assert response.status_code == 302
    forest = Subject.objects.get(code="forest-school")
    assert forest.school == cast.north and forest.trust == cast.trust
    # a head may not archive or change the trust's subjects
    history = Subject.objects.get(code="history", trust=None)
    assert client.post(archive_url(history)).status_code == 403
    assert client.post(detail(history), {"phase": "all"}).status_code == 403
    assert client.get(detail(history)).status_code == 200  # read-only
    # the subject's page links to the framework choices at their school
    page = client.get(detail(forest)).content.decode()
    assert (
        reverse("frameworks:assignments", kwargs={"urn": cast.north.urn}) + "?subject=forest-school" in page
    )


def test_a_head_cannot_choose_another_school(cast, client_for):
    response = client_for(cast.head).post(
        LIST, {"code": "robotics", "name": "Robotics", "owner": str(cast.river.pk), "order": 50}
    )
    assert response.status_code == 200 and not Subject.objects.filter(code="robotics").exists()


def test_another_schools_addition_is_not_found_for_a_head(cast, client_for):
    robotics = add_subject(None, cast.trust, "robotics", "Robotics", school=cast.river)
    client = client_for(cast.head)
    assert client.get(detail(robotics)).status_code == 404
    assert client.post(archive_url(robotics)).status_code == 404
    assert "Robotics" not in client.get(LIST).content.decode()


def test_another_trusts_admin_sees_none_of_ours(cast, client_for, other_trust):
    latin = add_subject(None, cast.trust, "latin", "Latin")
    _, _, admin = other_trust
    client = client_for(admin)
    assert "Latin" not in client.get(LIST).content.decode()
    assert client.get(detail(latin)).status_code == 404
    assert client.post(archive_url(latin)).status_code == 404
    latin.refresh_from_db()
    assert latin.archived_at is None


@pytest.mark.parametrize("username", ["teacher", "senior", "governor", "parent"])
def test_others_are_refused(cast, client_for, username):
    latin = add_subject(None, cast.trust, "latin", "Latin")
    client = client_for(cast.users[username])
    assert client.get(LIST).status_code in (403, 404)
    assert client.post(archive_url(latin)).status_code in (403, 404)
    latin.refresh_from_db()
    assert latin.archived_at is None


def test_the_assignments_page_offers_the_schools_subjects(cast, client_for):
    add_subject(None, cast.trust, "forest-school", "Forest school", school=cast.north)
    page = client_for(cast.head).get(reverse("frameworks:assignments", kwargs={"urn": cast.north.urn}))
    html = page.content.decode()
    assert "Forest school" in html and "English literature" not in html  # a primary


def test_the_subjects_page_takes_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    for n in range(5):
        add_subject(None, cast.trust, f"own-{n}", f"Own {n}", school=cast.north)
    client = client_for(cast.admin)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200
