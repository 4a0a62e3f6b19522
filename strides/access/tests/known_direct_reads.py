"""Today's direct reads of pupil data outside the gate and the services (ADR 12): module -> how
many ``Model.objects`` / ``_default_manager`` / ``.history`` reads of a pupil-data model it makes.

This list may only shrink. A read moved to the gate lowers its module's count (the fail-closed test,
``test_fail_closed.py``, says which entry to lower, or to delete at 0); a new direct read anywhere
fails the suite. Never add a read: go through ``strides/access/`` instead. Code moved from one
module to another (a split, a rename) takes its entry with it, with :data:`KNOWN_TOTAL` unchanged:
the total may only go down too. Sorted by path.
"""

# The sum of the counts below: lowered with them, never raised.
KNOWN_TOTAL = 4


KNOWN_DIRECT_READS: dict[str, int] = {
    "strides/frameworks/assignments_views.py": 3,
    "strides/frameworks/queries.py": 1,
}
