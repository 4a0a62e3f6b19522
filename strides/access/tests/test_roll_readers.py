"""The roll's readers that look past one user's scope on purpose (strides/access/roll_readers.py):
they answer about the pupil (which schools keep the record) or refuse a UPN, never more."""

from __future__ import annotations

import pytest

from strides.access.roll_readers import main_school_id, schools_responsible_for, upns_out_of_reach
from strides.pupils import services as pupils

pytestmark = pytest.mark.django_db


def test_a_pupil_another_school_holds_is_out_of_reach(cast):
    refused = upns_out_of_reach(cast.head, [cast.cara.upn, cast.ava.upn, "Z000000000000"])
    # cara is river's: refused, with no date (the head never saw her); ava is north's own; an
    # unknown UPN is a new pupil, not a refusal
    assert refused == {cast.cara.upn: None}


def test_the_server_and_trust_wide_roles_reach_every_upn(cast):
    upns = [cast.cara.upn, cast.ava.upn, cast.fay.upn]
    assert upns_out_of_reach(None, upns) == {}
    assert upns_out_of_reach(cast.admin, upns) == {}


def test_whoever_asks_the_record_keepers_are_the_pupils_schools(cast):
    # the answer is the pupil's: read from every enrolment, returned as school ids only
    pupils.enrol(None, cast.ava, cast.oak, cast.year.starts_on, registration="S")
    assert schools_responsible_for(cast.ava) == {cast.north.pk, cast.oak.pk}
    assert main_school_id(cast.ava) == cast.north.pk
    assert main_school_id(cast.cara) == cast.river.pk


def test_the_roll_readers_answer_in_a_few_queries(cast, django_assert_max_num_queries):
    upns = [cast.cara.upn, cast.ava.upn, cast.ben.upn, cast.fay.upn]
    with django_assert_max_num_queries(8):
        upns_out_of_reach(cast.head, upns)
    with django_assert_max_num_queries(1):
        schools_responsible_for(cast.ava)


def test_a_schools_counts_are_made_from_who_is_on_roll_that_day(cast):
    from strides.access.roll_readers import enrolments_on_roll, periods_in_force
    from strides.testing.cast import add_mover

    add_mover(cast)
    at_north = set(enrolments_on_roll([cast.north.pk], cast.today).values_list("pupil_id", flat=True))
    assert cast.mia.pk not in at_north and {cast.ava.pk, cast.ben.pk} <= at_north
    before_she_left = enrolments_on_roll([cast.north.pk], cast.mia_left).values_list("pupil_id", flat=True)
    assert cast.mia.pk in set(before_she_left)
    # one period in force per pupil on a day: the one her new school recorded, today
    [today] = periods_in_force(cast.today).filter(pupil=cast.mia)
    assert today.sen_provision == "E"
    [then] = periods_in_force(cast.mia_left).filter(pupil=cast.mia)
    assert then.sen_provision != "E" and then.fsm
