"""Recording is done as staff (gate.as_staff): a head who is also a parent sees their own child
wherever the child is, but may record for the child at their school only while the child is that
school's business, like any other pupil (found in a privacy review of issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.accounts import services as accounts
from strides.assessment.services import record_judgement
from strides.assessment.services.drop_rules import pupils_in_reach
from strides.pupils.models import Enrolment


@pytest.fixture
def head_is_caras_parent(cast):
    """Cara (now at river) went to north years ago; north's head is her parent."""
    long_ago = cast.year.starts_on - dt.timedelta(days=5 * 365)
    Enrolment.objects.create(
        pupil=cast.cara, school=cast.north, start_date=long_ago, end_date=long_ago + dt.timedelta(days=700)
    )
    accounts.link_parent(None, cast.head, cast.cara, cast.trust, "mother")
    return cast.head


def test_a_head_who_is_a_parent_cannot_record_for_their_child_at_their_school(
    cast, drop, subjects, level, head_is_caras_parent
):
    with pytest.raises(PermissionError):
        record_judgement(
            head_is_caras_parent,
            cast.cara,
            subjects["reading"],
            drop,
            cast.north,
            level("Y3 EXS"),
            expected_version=0,
        )
    assert not pupils_in_reach(head_is_caras_parent, drop).filter(pk=cast.cara.pk).exists()


def test_the_same_head_still_records_for_their_own_school_s_pupils(
    cast, drop, subjects, level, head_is_caras_parent
):
    saved = record_judgement(
        head_is_caras_parent,
        cast.ava,
        subjects["reading"],
        drop,
        cast.north,
        level("Y3 EXS"),
        expected_version=0,
    )
    assert saved.level.code == "Y3 EXS"
    assert pupils_in_reach(head_is_caras_parent, drop).filter(pk=cast.ava.pk).exists()


def test_nor_withdraw_what_their_school_recorded_for_the_child_long_ago(
    cast, drop, subjects, level, head_is_caras_parent
):
    from strides.assessment.services.withdrawals import withdraw_judgement

    # recorded by the trust (the head could not): a judgement held at north for cara
    judgement = record_judgement(
        cast.analyst, cast.cara, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    with pytest.raises(PermissionError):
        withdraw_judgement(
            head_is_caras_parent, judgement, reason="entered for the wrong pupil", expected_version=1
        )
