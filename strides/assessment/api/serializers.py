"""Shapes of the assessment API. Read serializers only read; write serializers only validate.

Nothing here saves a model: the views hand validated data to ``strides.assessment.services``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from strides.access.actor import Actor
from strides.api.serializers import ErrorSerializer
from strides.assessment.models import DataDrop, DropKind, DropSchool, DropStatus, Judgement, JudgementRevision
from strides.frameworks.models import (
    CommonScale,
    Crosswalk,
    CrosswalkEntry,
    ExpectedPoint,
    Framework,
    Level,
    ScalePoint,
    Subject,
    Term,
)
from strides.organisations.api.serializers import SchoolBriefSerializer
from strides.pupils.api.serializers import PupilBriefSerializer


def person(user: Actor | None) -> str | None:
    """How a person who recorded something is named: their display name (None: the system)."""
    return str(user) if user is not None else None


# --- reference data -------------------------------------------------------------------------


class SubjectSerializer(serializers.ModelSerializer):
    phase = serializers.SerializerMethodField(help_text="`all`, `primary` or `secondary`: who owes it.")
    archived = serializers.SerializerMethodField(help_text="Archived by the trust: offered to no new drop.")
    school = serializers.SerializerMethodField(help_text="URN of the school whose own subject it is.")
    shipped = serializers.SerializerMethodField(help_text="Shipped with Strides (else the trust's own).")

    class Meta:
        model = Subject
        fields = ["id", "code", "name", "order", "phase", "archived", "school", "shipped"]
        read_only_fields = fields

    def get_phase(self, subject: Subject) -> str:
        return getattr(subject, "trust_phase", None) or subject.phase

    def get_archived(self, subject: Subject) -> bool:
        if subject.trust_id is None:
            return getattr(subject, "trust_archived_at", None) is not None
        return subject.archived_at is not None

    def get_school(self, subject: Subject) -> str | None:
        return subject.school.urn if subject.school_id else None

    def get_shipped(self, subject: Subject) -> bool:
        return subject.trust_id is None


class LevelSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Other spellings accepted for this level (case and spacing forgiven).",
    )

    class Meta:
        model = Level
        fields = ["id", "code", "label", "descriptor", "order", "aliases"]
        read_only_fields = fields
        extra_kwargs = {
            "order": {"help_text": "Position in the framework: higher is further on."},
        }


class FrameworkSerializer(serializers.ModelSerializer):
    subjects = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    owner = serializers.SerializerMethodField(
        help_text="`shipped` (comes with Strides), `trust` (the trust's own) or `school`."
    )
    school = SchoolBriefSerializer(read_only=True, allow_null=True)
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "code", "name", "description", "owner", "school", "subjects", "note_areas", "levels"]
        read_only_fields = fields
        extra_kwargs = {
            "note_areas": {"help_text": "Areas noted on each judgement (the engagement model's five areas)."}
        }

    def get_owner(self, framework: Framework) -> str:
        if framework.trust_id is None:
            return "shipped"
        return "school" if framework.school_id else "trust"


class ScalePointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScalePoint
        fields = ["id", "value", "code", "label", "descriptor"]
        read_only_fields = fields


class ExpectedPointSerializer(serializers.ModelSerializer):
    point = serializers.CharField(
        source="point.code", read_only=True, help_text="Code of the expected point."
    )
    value = serializers.IntegerField(
        source="point.value", read_only=True, help_text="Its value on the scale."
    )

    class Meta:
        model = ExpectedPoint
        fields = ["nc_year", "term", "point", "value"]
        read_only_fields = fields
        extra_kwargs = {
            "nc_year": {"help_text": "NC year (R=0, then 1-14)."},
            "term": {"help_text": "The point expected by the end of this term."},
        }


class CommonScaleSerializer(serializers.ModelSerializer):
    trust = serializers.CharField(source="trust.slug", read_only=True)
    points = ScalePointSerializer(many=True, read_only=True)
    expected_points = ExpectedPointSerializer(many=True, read_only=True)

    class Meta:
        model = CommonScale
        fields = ["id", "trust", "name", "short_name", "points", "expected_points"]
        read_only_fields = fields


class CrosswalkEntrySerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="level.framework.code", read_only=True)
    level = serializers.CharField(source="level.code", read_only=True)
    level_id = serializers.IntegerField(read_only=True)
    point = serializers.CharField(source="point.code", read_only=True)
    value = serializers.IntegerField(source="point.value", read_only=True)

    class Meta:
        model = CrosswalkEntry
        fields = ["framework", "level", "level_id", "point", "value"]
        read_only_fields = fields


class CrosswalkSerializer(serializers.ModelSerializer):
    scale = serializers.CharField(source="scale.name", read_only=True)
    created_by = serializers.SerializerMethodField()
    entries = CrosswalkEntrySerializer(source="visible_entries", many=True, read_only=True)

    class Meta:
        model = Crosswalk
        fields = ["id", "scale", "version", "effective_from", "note", "created_by", "created_at", "entries"]
        read_only_fields = fields

    def get_created_by(self, crosswalk: Crosswalk) -> str | None:
        return person(crosswalk.created_by)


# --- drops ----------------------------------------------------------------------------------


class DropPartSerializer(serializers.ModelSerializer):
    """One school's part in a drop and where it stands."""

    school = SchoolBriefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=DropStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    changed_by = serializers.SerializerMethodField()
    teachers_may_edit = serializers.BooleanField(read_only=True)

    class Meta:
        model = DropSchool
        fields = [
            "school",
            "status",
            "status_label",
            "changed_at",
            "changed_by",
            "reopen_reason",
            "teachers_may_edit",
        ]
        read_only_fields = fields

    def get_changed_by(self, part: DropSchool) -> str | None:
        return person(part.changed_by)


class DropSerializer(serializers.ModelSerializer):
    academic_year = serializers.CharField(source="academic_year.label", read_only=True)
    academic_year_start = serializers.IntegerField(source="academic_year.start_year", read_only=True)
    kind = serializers.ChoiceField(choices=DropKind.choices, read_only=True)
    term = serializers.ChoiceField(choices=Term.choices, read_only=True)
    subjects = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    nc_years = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="NC years included; empty for all."
    )
    schools = DropPartSerializer(
        source="visible_parts",
        many=True,
        read_only=True,
        help_text="The schools you can open, and their status.",
    )

    class Meta:
        model = DataDrop
        fields = [
            "slug",
            "name",
            "kind",
            "academic_year",
            "academic_year_start",
            "term",
            "opens_on",
            "deadline",
            "assessed_on",
            "subjects",
            "nc_years",
            "schools",
        ]
        read_only_fields = fields


class CompletenessRowSerializer(serializers.Serializer):
    school = SchoolBriefSerializer(source="part.school", read_only=True)
    status = serializers.ChoiceField(source="part.status", choices=DropStatus.choices, read_only=True)
    status_label = serializers.CharField(source="part.get_status_display", read_only=True)
    recorded = serializers.IntegerField(read_only=True, help_text="Judgements recorded (n).")
    expected = serializers.IntegerField(
        read_only=True, help_text="Judgements expected (N): pupils on roll on the drop's date x subjects."
    )
    percent = serializers.IntegerField(read_only=True)
    overdue = serializers.BooleanField(
        read_only=True, help_text="Past the deadline and not submitted or locked."
    )


class CompletenessSerializer(serializers.Serializer):
    drop = serializers.CharField(read_only=True)
    deadline = serializers.DateField(read_only=True)
    schools = CompletenessRowSerializer(many=True, read_only=True)


class DropSchoolSerializer(DropPartSerializer):
    """A school's part with its completeness."""

    drop = serializers.CharField(source="drop.slug", read_only=True)
    recorded = serializers.IntegerField(source="progress.recorded", read_only=True)
    expected = serializers.IntegerField(source="progress.expected", read_only=True)
    percent = serializers.IntegerField(source="progress.percent", read_only=True)
    overdue = serializers.BooleanField(source="progress.overdue", read_only=True)

    class Meta(DropPartSerializer.Meta):
        fields = ["drop", *DropPartSerializer.Meta.fields, "recorded", "expected", "percent", "overdue"]
        read_only_fields = fields


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why the drop is reopened: the school sees it.", trim_whitespace=True
    )


# --- judgements -----------------------------------------------------------------------------


class FrameworkBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["id", "code", "name"]
        read_only_fields = fields


class JudgementLevelSerializer(serializers.ModelSerializer):
    framework = FrameworkBriefSerializer(read_only=True)

    class Meta:
        model = Level
        fields = ["code", "label", "framework"]
        read_only_fields = fields


class PointBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScalePoint
        fields = ["code", "value"]
        read_only_fields = fields


class JudgementSerializer(serializers.ModelSerializer):
    pupil = PupilBriefSerializer(read_only=True)
    subject = serializers.CharField(source="subject.code", read_only=True)
    drop = serializers.CharField(source="drop.slug", read_only=True)
    school = SchoolBriefSerializer(read_only=True)
    level = JudgementLevelSerializer(read_only=True)
    point = PointBriefSerializer(
        read_only=True, allow_null=True, help_text="The common point, from the crosswalk version below."
    )
    crosswalk_version = serializers.IntegerField(source="crosswalk.version", read_only=True, allow_null=True)
    version = serializers.IntegerField(
        read_only=True, help_text="Send this back as `version` when you change the judgement."
    )
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = Judgement
        fields = [
            "id",
            "pupil",
            "subject",
            "drop",
            "school",
            "level",
            "point",
            "crosswalk_version",
            "note",
            "version",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_recorded_by(self, judgement: Judgement) -> str | None:
        return person(judgement.recorded_by)

    def to_representation(self, instance: Judgement) -> dict[str, Any]:
        """Another school's judgement is prior attainment (ADR 11): its level, point and drop,
        never who recorded it, its note or its history. The flag comes from
        ``strides.access.judgements.visible_judgements``; a judgement without it shows none."""
        data = super().to_representation(instance)
        if not getattr(instance, "shows_history", False):
            data["recorded_by"] = None
            data["note"] = ""
            if "revisions" in data:
                data["revisions"] = []
        return data


class RevisionSerializer(serializers.ModelSerializer):
    level_before = serializers.CharField(source="level_before.code", read_only=True, allow_null=True)
    level_after = serializers.CharField(source="level_after.code", read_only=True, allow_null=True)
    point_after = PointBriefSerializer(read_only=True, allow_null=True)
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = JudgementRevision
        fields = [
            "version",
            "level_before",
            "level_after",
            "point_after",
            "note",
            "changed_by",
            "changed_at",
            "reason",
        ]
        read_only_fields = fields

    def get_changed_by(self, revision: JudgementRevision) -> str | None:
        return person(revision.changed_by)


class JudgementDetailSerializer(JudgementSerializer):
    revisions = RevisionSerializer(many=True, read_only=True, help_text="Every change, oldest first.")

    class Meta(JudgementSerializer.Meta):
        fields = [*JudgementSerializer.Meta.fields, "revisions"]
        read_only_fields = fields


class JudgementChangeSerializer(serializers.Serializer):
    """A new level for a judgement that exists (``PUT /judgements/{id}/``)."""

    level = serializers.CharField(
        max_length=60, help_text="A level code or alias: case, spaces, dots and dashes are forgiven."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Left out: the note is kept as it is."
    )
    version = serializers.IntegerField(
        min_value=0, help_text="The version you last saw (0: there was no judgement yet)."
    )
    school = serializers.CharField(
        required=False,
        max_length=6,
        help_text="URN of the school judging, when the pupil is on more than one roll in the drop.",
    )


class JudgementRecordSerializer(JudgementChangeSerializer):
    """A judgement for pupil x subject x drop, new or changed (``POST /judgements/``)."""

    pupil = serializers.IntegerField(help_text="Id of the pupil.")
    subject = serializers.SlugField(help_text="Subject code: `reading`, `writing`, `maths`...")
    drop = serializers.SlugField(help_text="The drop's slug.")


class AttemptSerializer(serializers.Serializer):
    level = serializers.CharField(read_only=True, allow_null=True)
    framework = serializers.CharField(read_only=True, allow_null=True)


class ConflictSerializer(ErrorSerializer):
    """409: someone saved this judgement after the version you sent."""

    current = JudgementSerializer(
        read_only=True,
        allow_null=True,
        help_text="What is saved now (null: nothing, you sent a stale version).",
    )
    attempted = AttemptSerializer(read_only=True, help_text="What you tried to save.")


class DropClosedSerializer(ErrorSerializer):
    status = serializers.ChoiceField(choices=DropStatus.choices, read_only=True, allow_null=True)


class JudgementWithdrawSerializer(serializers.Serializer):
    """Withdraw a judgement recorded by mistake (``POST /judgements/{id}/withdraw/``)."""

    version = serializers.IntegerField(min_value=1, help_text="The version you last saw.")
    reason = serializers.CharField(
        max_length=300, help_text="Why it is withdrawn (for example, entered for the wrong pupil): kept."
    )


class WithdrawnSerializer(serializers.Serializer):
    """A withdrawn judgement: no longer in any list or figure; its history is kept."""

    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text="Send this (or 0) back as `version` to record a level again."
    )
    withdrawn_at = serializers.DateTimeField(read_only=True)
    withdrawn_reason = serializers.CharField(read_only=True)
