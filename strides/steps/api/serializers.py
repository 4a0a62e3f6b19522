"""The small-steps API's shapes: frameworks and their structure, achievement records, engagement
observations (words and evidence, never a score), a pupil's measures and threshold conversations.
Writes are plain serializers: the views look every object up through the gate and call
``strides.steps.services``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from strides.access.small_steps import shows_details
from strides.api.serializers import ErrorSerializer
from strides.organisations.api.serializers import SchoolBriefSerializer, urn_field
from strides.pupils.api.serializers import PupilBriefSerializer
from strides.steps.models import (
    ASPECTS,
    AchievementLevel,
    AchievementRecord,
    Conversation,
    EngagementObservation,
    Statement,
    Step,
    StepArea,
    StepFramework,
)
from strides.steps.services.recording import MAX_EVIDENCE_LINKS


def person(user: Any) -> str | None:
    """How a member of staff who recorded something is named (None: the system)."""
    return str(user) if user is not None else None


MAX_ID = 2**63 - 1


def id_field(help_text: str) -> serializers.IntegerField:
    """An object's id in a write (looked up through the gate by the view)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text)


RATING_HELP = "1 Not yet, 2 Beginning, 3 Sometimes, 4 Mostly, 5 Fully (null: not rated)."
STAFF_ONLY = "Null for parents and carers: they are not told which member of staff it was."


# --- frameworks -------------------------------------------------------------------------------


class AchievementLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = AchievementLevel
        fields = ["code", "label", "order", "secured", "not_applicable", "credit"]
        read_only_fields = fields
        extra_kwargs = {
            "secured": {"help_text": "Counts towards % of a step."},
            "not_applicable": {"help_text": "Leaves the statement out of the pupil's step."},
            "credit": {"help_text": "What the level counts for where the framework gives partial credit."},
        }


class StatementSerializer(serializers.ModelSerializer):
    leads_to = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="Codes of the statements this one leads to."
    )

    class Meta:
        model = Statement
        fields = ["id", "code", "text", "order", "wording_version", "weight", "key", "leads_to", "removed_on"]
        read_only_fields = fields
        extra_kwargs = {
            "key": {"help_text": "A key statement (or key milestone)."},
            "removed_on": {"help_text": "The day it stopped counting in its step (null: in use)."},
            "wording_version": {
                "help_text": "The wording in force now; records keep the one they were made against."
            },
        }


class StepSerializer(serializers.ModelSerializer):
    statements = serializers.SerializerMethodField(help_text="The step's statements, in order.")

    class Meta:
        model = Step
        fields = ["id", "number", "name", "statements"]
        read_only_fields = fields

    @extend_schema_field(StatementSerializer(many=True))
    def get_statements(self, step: Step) -> list[dict[str, Any]]:
        return StatementSerializer(getattr(step, "listed_statements", []), many=True).data


class StepAreaSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField(
        help_text="Ordered steps (linear) or levels (matrix); none in a milestone map or the "
        "engagement model."
    )
    statements = serializers.SerializerMethodField(
        help_text="Statements outside any step: a milestone map's milestones."
    )

    class Meta:
        model = StepArea
        fields = ["id", "code", "name", "order", "description", "steps", "statements"]
        read_only_fields = fields

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, area: StepArea) -> list[dict[str, Any]]:
        return StepSerializer(getattr(area, "listed_steps", []), many=True).data

    @extend_schema_field(StatementSerializer(many=True))
    def get_statements(self, area: StepArea) -> list[dict[str, Any]]:
        return StatementSerializer(getattr(area, "loose_statements", []), many=True).data


class StepFrameworkSerializer(serializers.ModelSerializer):
    scored = serializers.BooleanField(
        read_only=True, help_text="False for the engagement model: observed in words, never scored."
    )
    trust = serializers.SlugRelatedField(
        read_only=True, slug_field="slug", allow_null=True, help_text="Null: shipped with Strides."
    )
    school = serializers.SlugRelatedField(
        read_only=True, slug_field="urn", allow_null=True, help_text="URN of the school whose own it is."
    )
    archived = serializers.SerializerMethodField()

    class Meta:
        model = StepFramework
        fields = [
            "id",
            "code",
            "name",
            "description",
            "shape",
            "scored",
            "trust",
            "school",
            "shared",
            "partial_credit",
            "step_complete_percent",
            "archived",
        ]
        read_only_fields = fields

    def get_archived(self, framework: StepFramework) -> bool:
        return framework.archived_at is not None


class StepFrameworkDetailSerializer(StepFrameworkSerializer):
    achievement_levels = AchievementLevelSerializer(
        many=True, read_only=True, help_text="The levels a record takes (none for the engagement model)."
    )
    areas = StepAreaSerializer(many=True, read_only=True, source="listed_areas")

    class Meta(StepFrameworkSerializer.Meta):
        fields = [*StepFrameworkSerializer.Meta.fields, "achievement_levels", "areas"]
        read_only_fields = fields


# --- records ----------------------------------------------------------------------------------


class StepAreaBriefSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code", read_only=True)

    class Meta:
        model = StepArea
        fields = ["id", "code", "name", "framework"]
        read_only_fields = fields


class StatementBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Statement
        fields = ["id", "code", "text"]
        read_only_fields = fields


class AchievementLevelBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = AchievementLevel
        fields = ["code", "label", "secured", "not_applicable"]
        read_only_fields = fields


class StaffNamesMixin(serializers.Serializer):
    """``recorded_by`` is shown only on the rows the caller reads as staff (``shows_details``)."""

    recorded_by = serializers.SerializerMethodField(help_text=STAFF_ONLY)

    def get_recorded_by(self, row: Any) -> str | None:
        return person(row.recorded_by) if shows_details(row) else None


class AchievementRecordSerializer(StaffNamesMixin, serializers.ModelSerializer):
    pupil = PupilBriefSerializer(read_only=True)
    school = SchoolBriefSerializer(read_only=True, help_text="The school that made the record.")
    statement = StatementBriefSerializer(read_only=True)
    area = StepAreaBriefSerializer(source="statement.area", read_only=True)
    level = AchievementLevelBriefSerializer(read_only=True)
    version = serializers.IntegerField(
        read_only=True,
        help_text="The record's version for this pupil and statement: send it as `expected_version` "
        "with the next record.",
    )
    wording_version = serializers.IntegerField(
        read_only=True, help_text="The statement's wording the record was made against."
    )
    independence = serializers.IntegerField(read_only=True, allow_null=True, help_text=RATING_HELP)
    fluency = serializers.IntegerField(read_only=True, allow_null=True, help_text=RATING_HELP)
    maintenance = serializers.IntegerField(read_only=True, allow_null=True, help_text=RATING_HELP)
    generalisation = serializers.IntegerField(read_only=True, allow_null=True, help_text=RATING_HELP)
    evidence_links = serializers.ListField(child=serializers.URLField(), read_only=True)

    class Meta:
        model = AchievementRecord
        fields = [
            "id",
            "pupil",
            "school",
            "area",
            "statement",
            "level",
            "assessed_on",
            "version",
            "wording_version",
            "note",
            "evidence_links",
            *ASPECTS,
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


def rating_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, help_text=RATING_HELP
    )


class RecordFields(serializers.Serializer):
    """One record to make, without the school (``POST /achievement-records/`` has it beside)."""

    pupil = id_field("Id of the pupil.")
    statement = id_field("Id of the statement.")
    level = serializers.CharField(
        max_length=10, help_text="Code of one of the framework's achievement levels (0, E, D, S, NA...)."
    )
    expected_version = serializers.IntegerField(
        min_value=0,
        help_text="The version of the pupil's record on this statement you last saw (0: none yet). "
        "A save when someone has recorded since answers 409 with the current version.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence_links = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        max_length=MAX_EVIDENCE_LINKS,
        help_text=f"Web addresses (https://...) of the evidence, at most {MAX_EVIDENCE_LINKS}.",
    )
    independence = rating_field()
    fluency = rating_field()
    maintenance = rating_field()
    generalisation = rating_field()

    def aspects(self, data: dict[str, Any]) -> dict[str, int]:
        return {aspect: data[aspect] for aspect in ASPECTS if data.get(aspect) is not None}


class AchievementRecordCreateSerializer(RecordFields):
    school = urn_field("URN of the school making the record (where you record small steps).")
    assessed_on = serializers.DateField(required=False, help_text="The day it describes (default: today).")


class AchievementRecordBulkSerializer(serializers.Serializer):
    school = urn_field("URN of the school making the records.")
    assessed_on = serializers.DateField(required=False, help_text="The day they describe (default: today).")
    records = RecordFields(many=True, allow_empty=False, max_length=500)


class RecordAttemptSerializer(serializers.Serializer):
    pupil = serializers.IntegerField(read_only=True)
    statement = serializers.CharField(read_only=True, help_text="The statement's code.")
    level = serializers.CharField(read_only=True)
    expected_version = serializers.IntegerField(read_only=True)


class RecordConflictSerializer(ErrorSerializer):
    """409: someone recorded this pupil's statement after the version you sent."""

    current_version = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The version saved now: send it as `expected_version` to save over it (null: two "
        "saves raced; reload).",
    )
    current = AchievementRecordSerializer(
        read_only=True, allow_null=True, help_text="The record saved now, when you may read it."
    )
    attempted = RecordAttemptSerializer(read_only=True, help_text="What you tried to save.")
    index = serializers.IntegerField(
        read_only=True, required=False, help_text="Bulk only: the position of the stale record in `records`."
    )


# --- engagement observations ---------------------------------------------------------------------


class EngagementObservationSerializer(StaffNamesMixin, serializers.ModelSerializer):
    """An observation in one area of the engagement model, in words and evidence. There is no
    score: the engagement model is never scored."""

    pupil = PupilBriefSerializer(read_only=True)
    school = SchoolBriefSerializer(read_only=True)
    area = StepAreaBriefSerializer(read_only=True)
    evidence_links = serializers.ListField(child=serializers.URLField(), read_only=True)

    class Meta:
        model = EngagementObservation
        fields = [
            "id",
            "pupil",
            "school",
            "area",
            "observed_on",
            "narrative",
            "evidence_links",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class EngagementObservationCreateSerializer(serializers.Serializer):
    pupil = id_field("Id of the pupil.")
    school = urn_field("URN of the school making the observation.")
    area = id_field("Id of an area of an engagement-model framework.")
    narrative = serializers.CharField(max_length=5000, help_text="What you saw, in words.")
    observed_on = serializers.DateField(required=False, help_text="Default: today.")
    evidence_links = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        max_length=MAX_EVIDENCE_LINKS,
        help_text=f"Web addresses (https://...) of the evidence, at most {MAX_EVIDENCE_LINKS}.",
    )


# --- progress ------------------------------------------------------------------------------------


class StepFrameworkBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepFramework
        fields = ["id", "code", "name", "shape"]
        read_only_fields = fields


class LateralGainsSerializer(serializers.Serializer):
    total = serializers.IntegerField(read_only=True, help_text="Rating points gained on the four aspects.")
    independence = serializers.IntegerField(read_only=True)
    fluency = serializers.IntegerField(read_only=True)
    maintenance = serializers.IntegerField(read_only=True)
    generalisation = serializers.IntegerField(read_only=True)


class MilestonesSerializer(serializers.Serializer):
    secured = serializers.IntegerField(read_only=True, help_text="Milestones secured on `to`.")
    key_secured = serializers.IntegerField(read_only=True, help_text="Key milestones secured on `to`.")
    milestones = serializers.IntegerField(
        read_only=True, help_text="Milestones in use that apply to the pupil."
    )
    key_milestones = serializers.IntegerField(read_only=True)
    gained = serializers.IntegerField(read_only=True, help_text="Secured on `to` less secured on `from`.")


class AreaProgressSerializer(serializers.Serializer):
    """One area's measures (docs/small-steps.md, "Measures"). Step figures are null for a
    milestone map (reached in any order: never a position on a line); ``milestones`` is null for
    the other shapes."""

    framework = StepFrameworkBriefSerializer(read_only=True)
    area = StepAreaBriefSerializer(read_only=True)
    current_step = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The first step not yet completed (on `to`)."
    )
    current_step_percent = serializers.FloatField(
        read_only=True, allow_null=True, help_text="% of the current step secured."
    )
    steps_secured = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Sum of each step's % / 100 (1.5: one step and a half)."
    )
    steps_completed = serializers.IntegerField(read_only=True, allow_null=True)
    statements_secured = serializers.IntegerField(read_only=True)
    progress_percent = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Progress between `from` and `to`, in % of a step."
    )
    statements_gained = serializers.IntegerField(
        read_only=True, help_text="Statements secured between `from` and `to` (net)."
    )
    lateral_gains = LateralGainsSerializer(read_only=True)
    milestones = MilestonesSerializer(read_only=True, allow_null=True)


class StepProgressSerializer(serializers.Serializer):
    pupil = PupilBriefSerializer(read_only=True)
    from_ = serializers.DateField(read_only=True)
    to = serializers.DateField(read_only=True)
    areas = AreaProgressSerializer(many=True, read_only=True, help_text="Each area the pupil has records in.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ProgressWindowSerializer(serializers.Serializer):
    """``from`` and ``to`` of ``GET /step-progress/{id}/`` (``from`` is a Python keyword)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }


# --- conversations -------------------------------------------------------------------------------


class StepConversationSerializer(serializers.ModelSerializer):
    """A threshold conversation. For parents and carers (``context["details"]`` false) who met,
    the outcome and the names of staff are null: they read what was agreed."""

    pupil = PupilBriefSerializer(read_only=True)
    school = SchoolBriefSerializer(read_only=True)
    area = StepAreaBriefSerializer(read_only=True)
    academic_year = serializers.CharField(source="academic_year.label", read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    attendees = serializers.SerializerMethodField(help_text="Who met. " + STAFF_ONLY)
    outcome = serializers.SerializerMethodField(help_text="How it turned out. Null for parents and carers.")
    recorded_by = serializers.SerializerMethodField(help_text=STAFF_ONLY)
    closed_by = serializers.SerializerMethodField(help_text=STAFF_ONLY)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "pupil",
            "school",
            "area",
            "academic_year",
            "term",
            "crossing",
            "progress_percent",
            "lateral_gains",
            "below_percent",
            "above_percent",
            "raised_at",
            "held_on",
            "attendees",
            "agreed_action",
            "agreed_label",
            "agreed_detail",
            "follow_up_on",
            "recorded_by",
            "closed_at",
            "closed_by",
            "outcome",
            "is_open",
        ]
        read_only_fields = fields

    def get_attendees(self, conversation: Conversation) -> str | None:
        return conversation.attendees if shows_details(conversation) else None

    def get_outcome(self, conversation: Conversation) -> str | None:
        return conversation.outcome if shows_details(conversation) else None

    def get_recorded_by(self, conversation: Conversation) -> str | None:
        return person(conversation.recorded_by) if shows_details(conversation) else None

    def get_closed_by(self, conversation: Conversation) -> str | None:
        return person(conversation.closed_by) if shows_details(conversation) else None


class StepConversationHoldSerializer(serializers.Serializer):
    held_on = serializers.DateField(help_text="When the conversation was held.")
    attendees = serializers.CharField(
        max_length=300, help_text="Who met (the class teacher and SENCO, at least)."
    )
    agreed_action = serializers.CharField(
        max_length=40,
        help_text="The code of one of the school's actions (by default: club, therapy, individual, "
        "change_target, no_action; and other, always).",
    )
    agreed_detail = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='Required when `agreed_action` is "other".'
    )
    follow_up_on = serializers.DateField(required=False, allow_null=True, default=None)


class StepConversationCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000, help_text="How it turned out.")
