"""The gate's readers beyond pupils, enrolments and classes (strides/access/readers.py, ADR 12):
each shows a user the rows of the pupils, classes and schools the gate shows them, and no more."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.access.readers import (
    visible_audit_entries,
    visible_characteristics,
    visible_former_upns,
    visible_framework_assignments,
    visible_memberships,
    visible_parent_links,
    visible_sen_changes,
    visible_uploads,
)
from strides.assessment.models import DropImportBatch
from strides.imports.models import ImportBatch

pytestmark = pytest.mark.django_db


def pupils_of(rows) -> set[str]:
    return {row.pupil.legal_forename for row in rows.select_related("pupil")}


def test_characteristics_follow_the_pupils_the_user_sees(cast):
    assert pupils_of(visible_characteristics(cast.head)) == {"Ava", "Ben"}
    assert pupils_of(visible_characteristics(cast.teacher)) == {"Ava"}
    assert pupils_of(visible_characteristics(cast.placing)) == {"Dev"}
    assert pupils_of(visible_characteristics(cast.parent)) == {"Ava"}
    assert pupils_of(visible_characteristics(cast.admin)) == {"Ava", "Ben", "Cara", "Fay", "Dev", "Eli"}
    assert not visible_characteristics(cast.governor).exists()
    assert not visible_characteristics(cast.director).exists()


def test_former_upns_follow_the_pupils_the_user_sees(cast):
    from strides.pupils.models import FormerUpn

    FormerUpn.objects.create(pupil=cast.ava, upn="A801200100001")
    FormerUpn.objects.create(pupil=cast.cara, upn="A801200100003")
    assert pupils_of(visible_former_upns(cast.head)) == {"Ava"}
    assert pupils_of(visible_former_upns(cast.river_head)) == {"Cara"}
    assert not visible_former_upns(cast.governor).exists()


def test_memberships_of_own_classes_and_visible_pupils(cast):
    def listed(user) -> set[tuple[str, str]]:
        rows = visible_memberships(user).select_related("group", "pupil")
        return {(row.group.name, row.pupil.legal_forename) for row in rows}

    assert listed(cast.head) == {("3T", "Ava"), ("3B", "Ben")}
    assert listed(cast.teacher) == {("3T", "Ava")}
    assert listed(cast.other_teacher) == {("8R", "Cara")}
    assert listed(cast.admin) == {("3T", "Ava"), ("3B", "Ben"), ("8R", "Cara")}
    for user in (cast.governor, cast.director, cast.placing, cast.parent):
        assert listed(user) == set(), user


def test_a_past_year_class_lists_no_leaver_past_the_window(cast, settings):
    from strides.classes import services as classes
    from strides.organisations import services as organisations
    from strides.testing.cast import add_mover

    add_mover(cast)  # Mia left north 60 days ago, for river
    last_year = organisations.ensure_academic_year(None, cast.trust, cast.year.start_year - 1)
    group = classes.create_group(None, cast.north, last_year, "6M", nc_year=6)
    classes.set_pupils(None, group, [cast.mia])
    assert visible_memberships(cast.head).filter(group=group, pupil=cast.mia).exists()
    settings.STRIDES_LEAVER_VISIBILITY_DAYS = 59
    assert not visible_memberships(cast.head).filter(group=group).exists()
    # the class is still north's to open, and river never sees north's class
    assert visible_memberships(cast.admin).filter(group=group, pupil=cast.mia).exists()
    assert not visible_memberships(cast.river_head).filter(group=group).exists()


def test_parent_links_for_the_parent_and_who_manages_users_there(cast):
    assert pupils_of(visible_parent_links(cast.parent)) == {"Ava"}
    assert pupils_of(visible_parent_links(cast.head)) == {"Ava"}
    assert pupils_of(visible_parent_links(cast.admin)) == {"Ava"}
    for user in (cast.teacher, cast.senco, cast.river_head, cast.governor, cast.placing):
        assert not visible_parent_links(user).exists(), user


def test_staged_sen_changes_for_who_decides_sen_there(cast):
    from strides.pupils.services import staged_sen

    row = staged_sen.SenRow(row=2, upn=cast.ava.upn, name="Ava Archer", values={"sen_provision": "K"})
    staged_sen.stage_sen_changes(
        cast.analyst, cast.north, staged_sen.plan_sen_changes([row]), source="mis.csv", effective=cast.today
    )
    for user in (cast.senco, cast.head, cast.admin):
        assert pupils_of(visible_sen_changes(user)) == {"Ava"}, user
    for user in (cast.teacher, cast.senior, cast.river_head, cast.governor, cast.parent):
        assert not visible_sen_changes(user).exists(), user


def test_framework_choices_of_a_pupil_only_for_who_sees_the_pupil(cast):
    from strides.frameworks.models import ScalePoint
    from strides.frameworks.services import (
        add_subject,
        assign_framework,
        create_framework,
        ensure_common_scale,
    )

    point = ScalePoint.objects.get(scale=ensure_common_scale(cast.trust), code="NS1")
    framework = create_framework(
        None, cast.trust, "steps", "Steps", [("S1", "Step 1", "", point)], school=cast.north
    )
    subject = add_subject(None, cast.trust, "forest-school", "Forest school", school=cast.north)
    day = cast.year.starts_on
    whole = assign_framework(None, cast.north, subject, framework, day)
    avas = assign_framework(None, cast.north, subject, framework, day, pupil=cast.ava)
    assert set(visible_framework_assignments(cast.head)) == {whole, avas}
    assert set(visible_framework_assignments(cast.teacher)) == {whole, avas}
    assert set(visible_framework_assignments(cast.governor)) == {whole}  # no pupil's
    assert set(visible_framework_assignments(cast.river_head)) == set()


def test_uploads_only_for_their_uploader_while_they_may_import(cast):
    from strides.access.gate import forget_scope
    from strides.accounts.models import Membership
    from strides.accounts.services import revoke_role
    from strides.imports import batches

    batch = batches.create_batch(cast.head, cast.north, "pupils.csv", b"UPN,Legal surname\n")
    assert list(visible_uploads(cast.head, ImportBatch)) == [batch]
    for user in (cast.admin, cast.senior, cast.river_head, cast.teacher):
        assert not visible_uploads(user, ImportBatch).exists(), user
    assert not visible_uploads(cast.head, DropImportBatch).exists()
    revoke_role(None, Membership.objects.get(user=cast.head, school=cast.north))
    forget_scope(cast.head)
    assert not visible_uploads(cast.head, ImportBatch).exists()


def test_an_upload_model_without_a_rule_is_refused(cast):
    from strides.pupils.models import Pupil

    with pytest.raises(LookupError, match="no rule"):
        visible_uploads(cast.head, Pupil)


def test_audit_entries_for_who_may_search_the_log(cast):
    from strides.audit.models import AuditEntry

    entries = visible_audit_entries(cast.admin)
    assert entries.filter(school=cast.north).exists()
    assert not entries.filter(school=cast.hillside).exists()
    assert AuditEntry.objects.filter(school=cast.hillside).exists()  # the cast made Hillside's pupils
    for user in (cast.head, cast.teacher, cast.governor, cast.parent):
        assert not visible_audit_entries(user).exists(), user


def test_readers_take_a_day(cast):
    # a teacher reaches the pupils of their classes of the academic year the day falls in
    long_ago = dt.date(2000, 1, 1)
    assert visible_characteristics(cast.teacher).exists()
    assert not visible_characteristics(cast.teacher, on=long_ago).exists()
    assert not visible_memberships(cast.teacher, on=long_ago).exists()
