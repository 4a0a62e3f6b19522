"""The small demo trust as written to the database through the services."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from strides.access.gate import visible_pupils, visible_schools
from strides.accounts.models import Membership, User
from strides.accounts.roles import Role
from strides.audit.models import AuditEntry
from strides.classes.models import GroupMembership, TeachingGroup
from strides.demo.builder import DEMO_PASSWORD, build, demo_logins
from strides.demo.generator import DEMO_USERNAMES, SPECIAL_NEEDS, generate
from strides.demo.reset import clear_strides_data
from strides.organisations.models import School, SchoolOfficer, Trust
from strides.pupils.models import CharacteristicsPeriod, Enrolment, FormerUpn, Pupil
from strides.pupils.upn import is_valid

MAINSTREAM = ("primary", "secondary", "all_through")


def current_periods(school_types):
    on_roll = Enrolment.objects.filter(school__school_type__in=school_types, end_date__isnull=True)
    return CharacteristicsPeriod.objects.filter(
        valid_to__isnull=True, pupil_id__in=on_roll.values("pupil_id")
    ).select_related("pupil")


def share(periods, test) -> float:
    return sum(1 for p in periods if test(p)) / len(periods)


def database_facts() -> list[tuple]:
    """Everything the seed decides, in the order the pupils were written."""
    facts = []
    for pupil in Pupil.objects.order_by("pk").prefetch_related("characteristics", "enrolments__school"):
        facts.append(
            (
                pupil.upn,
                pupil.legal_forename,
                pupil.middle_names,
                pupil.legal_surname,
                pupil.date_of_birth,
                pupil.sex,
                tuple(
                    (period.valid_from, period.valid_to, tuple(period.values().items()))
                    for period in pupil.characteristics.all()
                ),
                tuple(sorted((e.school.urn, e.start_date, e.registration) for e in pupil.enrolments.all())),
            )
        )
    return facts


# --- identifiers and rates ----------------------------------------------------------------------


def test_every_upn_is_valid(demo):
    upns = list(Pupil.objects.values_list("upn", flat=True))
    assert 550 <= len(upns) <= 650
    assert all(is_valid(upn) for upn in upns)
    formers = list(FormerUpn.objects.values_list("upn", flat=True))
    assert all(is_valid(upn) for upn in formers)


def test_characteristics_are_at_realistic_national_rates(demo):
    mainstream = list(current_periods(MAINSTREAM))
    assert len(mainstream) > 400
    fsm = share(mainstream, lambda p: p.fsm)
    ever6 = share(mainstream, lambda p: p.fsm_ever6)
    assert 0.15 <= fsm <= 0.36
    assert fsm < ever6 <= fsm + 0.12, "Ever 6 is a little higher than FSM now"
    assert 0.08 <= share(mainstream, lambda p: p.sen_provision == "K") <= 0.20
    assert 0.02 <= share(mainstream, lambda p: p.sen_provision == "E") <= 0.09
    primary = [p for p in mainstream if p.nc_year <= 6]
    assert 0.08 <= share(primary, lambda p: p.eal) <= 0.32
    assert 0.45 <= share(mainstream, lambda p: p.ethnicity == "WBRI") <= 0.88
    assert len({p.ethnicity for p in mainstream}) >= 8, "a mix reflecting England's diversity"
    everyone = list(current_periods(("primary", "secondary", "special", "ap")))
    for flag in ("looked_after", "previously_looked_after", "child_in_need"):
        count = sum(1 for p in everyone if getattr(p, flag))
        assert 0 < count < len(everyone) * 0.08, flag


def test_common_needs_dominate_in_mainstream(demo):
    sen = [p for p in current_periods(MAINSTREAM) if p.sen_provision != "N"]
    common = share(sen, lambda p: p.primary_need in ("SEMH", "SLCN", "ASD", "MLD", "SPLD", "NSA"))
    assert common >= 0.7
    assert all(p.primary_need for p in sen), "every pupil with SEN has a primary need"
    assert not any(p.primary_need and p.primary_need == p.secondary_need for p in sen)


def test_every_special_school_pupil_has_an_ehcp_with_fitting_needs(demo):
    special = list(current_periods(("special",)))
    assert len(special) > 50
    assert all(p.sen_provision == "E" for p in special)
    assert all(p.primary_need in SPECIAL_NEEDS for p in special)
    # some are taught out of their chronological year group
    year_start = dt.date(demo.plan.start_year, 9, 1)

    def chronological(pupil: Pupil) -> int:
        born = pupil.date_of_birth
        birth_year_start = born.year if born.month >= 9 else born.year - 1
        return year_start.year - birth_year_start - 5

    assert any(p.nc_year < chronological(p.pupil) for p in special)


def test_characteristics_have_a_history(demo):
    this_september = dt.date(demo.plan.start_year, 9, 1)
    closed = CharacteristicsPeriod.objects.filter(valid_to=this_september)
    assert closed.count() > 300, "last year's records closed when this year's began"
    # SEN support that began this September
    began = CharacteristicsPeriod.objects.filter(
        valid_from=this_september, sen_provision="K", pupil__characteristics__valid_to=this_september
    ).filter(pupil__characteristics__sen_provision="N")
    assert began.exists()
    # FSM that began during last year: a period starting in January with FSM, after one without
    january = CharacteristicsPeriod.objects.filter(
        valid_from__year=demo.plan.start_year, valid_from__month=1, fsm=True
    )
    assert january.exists()
    change = january.first()
    history = list(change.pupil.characteristics.order_by("valid_from"))
    before = history[history.index(change) - 1]
    assert (before.fsm, change.fsm) == (False, True)
    assert before.valid_to == change.valid_from


def test_each_earlier_year_has_the_nc_year_of_then(demo):
    """One period per academic year back to the pupil's enrolment, the NC year one less each
    year back, never below N1; the first begins with the enrolment."""
    this_year = demo.plan.start_year
    checked = 0
    for pupil in Pupil.objects.prefetch_related("characteristics", "enrolments"):
        periods = sorted(pupil.characteristics.all(), key=lambda p: p.valid_from)
        current = periods[-1].nc_year
        first_start = min(e.start_date for e in pupil.enrolments.all())
        assert periods[0].valid_from == first_start
        assert all(p.nc_year >= -2 for p in periods)
        for period in periods:
            september = period.valid_from.year if period.valid_from.month >= 9 else period.valid_from.year - 1
            assert period.nc_year == current - (this_year - september), (pupil.upn, period.valid_from)
            end = period.valid_to or dt.date(this_year + 1, 8, 31)
            # no period runs across a 1 September
            assert end <= dt.date(september + 1, 9, 1), (pupil.upn, period.valid_from, end)
        checked += len(periods) > 2
    assert checked > 100, "pupils who joined two or more years ago have a period for each year"


# --- AP and placements --------------------------------------------------------------------------


def test_ap_placements_have_a_placing_school(demo):
    placements = Enrolment.objects.filter(school__school_type="ap")
    assert placements.count() >= 15
    assert not placements.filter(placing_school__isnull=True).exists()
    assert set(placements.values_list("registration", flat=True)) == {"S"}
    assert placements.filter(placing_school__trust__isnull=True).exists(), "placed from outside"
    assert placements.filter(placing_school__trust=demo.trust).exists(), "placed from a trust school"
    # a trust pupil placed at the AP stays on roll at home, as the main registration
    home = Enrolment.objects.filter(
        pupil_id__in=placements.filter(placing_school__trust=demo.trust, end_date__isnull=True).values(
            "pupil_id"
        ),
        school__school_type="secondary",
        end_date__isnull=True,
    )
    assert home.exists() and set(home.values_list("registration", flat=True)) == {"M"}
    outside = School.objects.filter(trust__isnull=True)
    assert outside.exists()


def test_placing_contact_sees_only_open_placements_of_their_school(demo):
    placing = User.objects.get(username="placing")
    school = Membership.objects.get(user=placing).school
    assert school.trust_id is None
    today = dt.date.today()
    expected = set(
        Enrolment.objects.filter(
            placing_school=school, start_date__lte=today, end_date__isnull=True
        ).values_list("pupil_id", flat=True)
    )
    assert expected
    assert set(visible_pupils(placing).values_list("pk", flat=True)) == expected


def test_parent_sees_their_child_only_and_the_child_is_in_the_teachers_class(demo):
    parent = User.objects.get(username="parent")
    seen = list(visible_pupils(parent))
    assert len(seen) == 1
    teacher = User.objects.get(username="teacher")
    ta = User.objects.get(username="ta")
    group = TeachingGroup.objects.get(staff_links__user=teacher)
    assert group.school.school_type == "primary"
    assert group.staff_links.filter(user=ta).exists()
    assert GroupMembership.objects.filter(group=group, pupil=seen[0]).exists()
    class_pupils = set(group.memberships.values_list("pupil_id", flat=True))
    assert set(visible_pupils(teacher).values_list("pk", flat=True)) == class_pupils
    assert set(visible_pupils(ta).values_list("pk", flat=True)) == class_pupils


def test_officers_see_their_assigned_schools(demo):
    eap = User.objects.get(username="eap")
    assigned = set(SchoolOfficer.objects.filter(user=eap).values_list("school_id", flat=True))
    assert len(assigned) == 2
    assert set(visible_schools(eap).values_list("pk", flat=True)) == assigned
    expected = set(Enrolment.objects.filter(school_id__in=assigned).values_list("pupil_id", flat=True))
    assert set(visible_pupils(eap).values_list("pk", flat=True)) == expected
    rd = User.objects.get(username="rd")
    region_schools = SchoolOfficer.objects.filter(user=rd).values_list("school__region", flat=True)
    assert len(set(region_schools)) == 1


def test_aggregate_roles_see_no_named_pupil(demo):
    for username in ("governor", "director"):
        user = User.objects.get(username=username)
        assert not visible_pupils(user).exists()
        assert visible_schools(user).exists()


# --- people and classes -------------------------------------------------------------------------


def test_every_role_has_a_demo_login_that_works(demo):
    request = RequestFactory().post("/accounts/login/")
    roles_with_login = set()
    for username in DEMO_USERNAMES:
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        roles_with_login |= set(user.memberships.values_list("role", flat=True))
    assert roles_with_login == set(Role.values)
    # the invented colleagues cannot sign in at all
    others = User.objects.exclude(username__in=DEMO_USERNAMES)
    assert others.exists() and not any(u.has_usable_password() for u in others)


def test_classes_for_this_year_hold_every_pupil_on_roll(demo):
    groups = TeachingGroup.objects.filter(school__trust=demo.trust)
    assert {g.academic_year.start_year for g in groups} == {demo.plan.start_year}
    on_roll = set(
        Enrolment.objects.filter(school__trust=demo.trust, end_date__isnull=True).values_list(
            "pupil_id", flat=True
        )
    )
    in_a_class = set(GroupMembership.objects.filter(group__in=groups).values_list("pupil_id", flat=True))
    assert on_roll == in_a_class
    assert not groups.filter(staff_links__isnull=True).exists(), "every class has a teacher"


def test_the_demo_is_audited_like_real_data(demo):
    created = AuditEntry.objects.filter(object_type="pupils.Pupil", action="create", reason="demo data")
    assert created.count() == Pupil.objects.count()


# --- the command, --if-empty and --flush --------------------------------------------------------


def test_the_command_refuses_a_database_with_a_trust(demo):
    with pytest.raises(CommandError, match="already has a trust"):
        call_command("demo_data", stdout=io.StringIO(), stderr=io.StringIO())
    assert Trust.objects.count() == 1


def test_if_empty_leaves_the_trust_alone_and_prints_the_logins(demo):
    before = Pupil.objects.count()
    out = io.StringIO()
    call_command("demo_data", "--if-empty", stdout=out, stderr=io.StringIO())
    assert Pupil.objects.count() == before
    assert "already loaded" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    assert [login.username for login in demo_logins()] == list(DEMO_USERNAMES)


def test_flush_replaces_the_trust_and_keeps_the_audit_log_append_only(demo):
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_data", "--flush", "--seed", "2", stdout=out, stderr=err)
    assert Trust.objects.count() == 1
    assert "[4/4]" in err.getvalue(), "progress is printed per school"
    for username in DEMO_USERNAMES:
        assert f"  {username} " in out.getvalue()
    assert not AuditEntry.objects.exclude(reason="demo data").filter(object_type="pupils.Pupil").exists()
    # the triggers were recreated: the log still refuses deletes
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()


def test_flush_and_rebuild_with_the_same_seed_gives_the_same_data(demo):
    before = database_facts()
    clear_strides_data()
    assert not Pupil.objects.exists() and not User.objects.exists() and not AuditEntry.objects.exists()
    build(generate(1, "small", demo.plan.start_year))
    assert database_facts() == before
    clear_strides_data()
    build(generate(2, "small", demo.plan.start_year))
    assert [f[0] for f in database_facts()] != [f[0] for f in before]
