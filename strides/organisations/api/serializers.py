"""Shapes of the schools API: read serializers only (schools change through the management pages)."""

from __future__ import annotations

from rest_framework import serializers

from strides.organisations.models import School


def urn_field(help_text: str, required: bool = True) -> serializers.CharField:
    """A school named by its URN in a write (looked up in the caller's scope by the view)."""
    return serializers.CharField(max_length=6, required=required, help_text=help_text)


class RegionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class SchoolSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="school_type", read_only=True)
    type_label = serializers.CharField(source="get_school_type_display", read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    laestab = serializers.CharField(read_only=True)
    region = RegionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = School
        fields = [
            "id",
            "urn",
            "name",
            "la_code",
            "establishment_number",
            "laestab",
            "type",
            "type_label",
            "phase",
            "phase_label",
            "region",
            "joined_trust_on",
        ]
        read_only_fields = fields


class SchoolBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "urn", "name"]
        read_only_fields = fields
