"""Shapes of the classes API. Read serializers only read; write serializers only validate: the
views hand validated data to ``strides.classes.services`` (atomic, audited)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from strides.classes.models import GroupStaff, StaffRole, TeachingGroup
from strides.organisations.api.serializers import SchoolBriefSerializer, urn_field
from strides.pupils.api.serializers import PupilBriefSerializer

# --- reading --------------------------------------------------------------------------------


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = GroupStaff
        fields = ["username", "name", "role"]
        read_only_fields = fields


class ClassSerializer(serializers.ModelSerializer):
    school = SchoolBriefSerializer(read_only=True)
    academic_year = serializers.CharField(source="academic_year.label", read_only=True)
    academic_year_start = serializers.IntegerField(source="academic_year.start_year", read_only=True)
    pupil_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TeachingGroup
        fields = [
            "id",
            "name",
            "school",
            "academic_year",
            "academic_year_start",
            "nc_year",
            "subject",
            "pupil_count",
        ]
        read_only_fields = fields


class ClassDetailSerializer(ClassSerializer):
    pupils = serializers.SerializerMethodField(help_text="The class's pupils that you may see.")
    staff = StaffSerializer(source="staff_links", many=True, read_only=True)

    class Meta(ClassSerializer.Meta):
        fields = [*ClassSerializer.Meta.fields, "pupils", "staff"]
        read_only_fields = fields

    @extend_schema_field(PupilBriefSerializer(many=True))
    def get_pupils(self, group: TeachingGroup) -> list[dict[str, Any]]:
        return PupilBriefSerializer(getattr(group, "visible_pupils", []), many=True).data


# --- writing --------------------------------------------------------------------------------


class ClassCreateSerializer(serializers.Serializer):
    school = urn_field("URN of the school.")
    academic_year = serializers.IntegerField(
        help_text="The year the academic year starts in: 2025 for 2025/26."
    )
    name = serializers.CharField(max_length=60)
    nc_year = serializers.IntegerField(
        min_value=-2, max_value=14, required=False, allow_null=True, help_text="Empty for mixed-year groups."
    )
    subject = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="", help_text="Empty for a form class."
    )


class ClassUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    nc_year = serializers.IntegerField(min_value=-2, max_value=14, required=False, allow_null=True)
    subject = serializers.CharField(max_length=60, required=False, allow_blank=True)

    def validate_name(self, name: str) -> str:
        if not name.strip():
            raise serializers.ValidationError("A class needs a name.")
        return name.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class ClassPupilsSerializer(serializers.Serializer):
    pupils = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=True,
        help_text="Ids of every pupil the class should have.",
    )


class StaffEntrySerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=StaffRole.choices, default=StaffRole.TEACHER)


class ClassStaffSerializer(serializers.Serializer):
    staff = StaffEntrySerializer(many=True, help_text="Every member of staff the class should have.")
