"""What a user manager learns of a parent's links beyond their reach: a count and a yes/no."""

from strides.access.parent_links import children_shown, linked_outside
from strides.accounts import services as accounts


def test_a_head_sees_their_own_pupils_child_by_name_and_others_only_counted(cast):
    accounts.link_parent(None, cast.parent, cast.cara, cast.trust, "mother")  # cara is at river
    shown, others = children_shown(cast.head, cast.parent)  # north's head
    assert [link.pupil for link in shown] == [cast.ava] and others == 1
    shown, others = children_shown(cast.admin, cast.parent)  # trust-wide: both by name
    assert {link.pupil for link in shown} == {cast.ava, cast.cara} and others == 0
    shown, others = children_shown(cast.governor, cast.parent)  # aggregates only: counted, unnamed
    assert shown == [] and others == 2


def test_a_parent_linked_beyond_the_schools_is_linked_outside(cast):
    assert not linked_outside(cast.parent, [cast.north.pk])
    accounts.link_parent(None, cast.parent, cast.cara, cast.trust, "mother")
    assert linked_outside(cast.parent, [cast.north.pk])
    assert not linked_outside(cast.parent, [cast.north.pk, cast.river.pk])
