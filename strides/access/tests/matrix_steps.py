"""The role matrix's small-steps objects (``test_matrix.World`` takes them from here): a shared
framework with Ava on it, her record and a threshold conversation about her, and Northfield
Primary's own framework; and who sees each through the gate (strides/access/small_steps.py)."""

from __future__ import annotations

from functools import cached_property
from typing import Any


class StepsWorld:
    cast: Any

    @cached_property
    def steps(self):
        """Small steps: the trust's shared linear framework, Ava on it (strides/steps/tests/conftest.py)."""
        from types import SimpleNamespace

        from strides.steps.models import Shape
        from strides.steps.services.frameworks import build_structure, create_framework, share_framework
        from strides.steps.services.recording import assign_framework
        from strides.steps.tests.conftest import linear_rows

        cast = self.cast
        framework = create_framework(
            None, code="matrix-steps", name="Matrix steps", shape=Shape.LINEAR, trust=cast.trust
        )
        build_structure(None, framework, linear_rows())
        share_framework(None, framework)
        assign_framework(None, cast.north, cast.ava, framework, cast.year.starts_on)
        area = framework.areas.get(code="communication")
        return SimpleNamespace(
            framework=framework, area=area, statement=area.statements.order_by("order").first()
        )

    @cached_property
    def ava_conversation(self):
        """A threshold conversation about Ava's communication this term, raised by the system."""
        from strides.steps.models import Conversation, Crossing

        return Conversation.objects.create(
            pupil=self.cast.ava, school=self.cast.north, area=self.steps.area, academic_year=self.cast.year,
            term="autumn", crossing=Crossing.BELOW, progress_percent=0, below_percent=2, above_percent=20,
        )  # fmt: skip

    @cached_property
    def north_step_framework(self):
        """Northfield Primary's own small-step framework, with one area and one statement."""
        from strides.steps.models import Shape
        from strides.steps.services.frameworks import StatementRow, build_structure, create_framework

        c = self.cast
        framework = create_framework(
            None,
            code="north-small-steps",
            name="North small steps",
            shape=Shape.LINEAR,
            trust=c.trust,
            school=c.north,
        )
        row = StatementRow(
            row=2, area="communication", step=1, step_name="Step 1", code="C1.1", text="Turns to a voice"
        )
        build_structure(None, framework, [row])
        return framework

    @cached_property
    def north_step_area(self):
        return self.north_step_framework.areas.get(code="communication")

    @cached_property
    def north_statement(self):
        return self.north_step_area.statements.get(code="C1.1")

    @cached_property
    def ava_record(self):
        """Ava's first record on the trust's shared framework, made by her teacher."""
        from strides.steps.services.recording import RecordInput, record_achievements

        c = self.cast
        [made] = record_achievements(
            c.teacher, c.north, [RecordInput(c.ava, self.steps.statement, "D", expected_version=0)]
        )
        return made


def reads_ava_record(w: Any, user) -> bool:
    from strides.access.small_steps import visible_achievement_records

    return visible_achievement_records(user).filter(pk=w.ava_record.pk).exists()


def uses_north_step_framework(w: Any, user) -> bool:
    from strides.access.small_steps import usable_step_frameworks

    return usable_step_frameworks(user).filter(pk=w.north_step_framework.pk).exists()


def sees_conversation(w: Any, user) -> bool:
    from strides.access.small_steps import visible_conversations

    return visible_conversations(user).filter(pk=w.ava_conversation.pk).exists()
