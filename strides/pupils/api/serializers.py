"""Shapes of the pupils and enrolments API. Read serializers only read; write serializers only
validate: the views hand validated data to ``strides.pupils.services`` (atomic, audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from strides.access.gate import visible_pupils
from strides.access.readers import visible_former_upns
from strides.access.roll_readers import upns_out_of_reach
from strides.organisations.api.serializers import SchoolBriefSerializer, urn_field
from strides.pupils.census_codes import Ethnicity, LeavingReason, RegistrationType, SenNeed, SenProvision, Sex
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.queries import UPN_NOT_HERE
from strides.pupils.upn import check

# --- reading --------------------------------------------------------------------------------


class CharacteristicsSerializer(serializers.ModelSerializer):
    nc_year_label = serializers.CharField(read_only=True)
    disadvantaged = serializers.BooleanField(
        read_only=True, help_text="Ever 6 FSM, FSM now, looked after or previously looked after."
    )

    class Meta:
        model = CharacteristicsPeriod
        fields = [
            "id",
            "valid_from",
            "valid_to",
            "nc_year",
            "nc_year_label",
            "ethnicity",
            "first_language",
            "eal",
            "sen_provision",
            "primary_need",
            "secondary_need",
            "fsm",
            "fsm_ever6",
            "disadvantaged",
            "looked_after",
            "previously_looked_after",
            "child_in_need",
            "recorded_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"valid_to": {"help_text": "Exclusive: the first day it no longer applied."}}


class PupilBriefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Pupil
        fields = ["id", "upn", "display_name"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    pupil = PupilBriefSerializer(read_only=True)
    school = SchoolBriefSerializer(read_only=True)
    placing_school = SchoolBriefSerializer(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField(help_text="On roll today.")

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "pupil",
            "school",
            "start_date",
            "end_date",
            "leaving_reason",
            "registration",
            "placing_school",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, enrolment: Enrolment) -> bool:
        return enrolment.is_current()


class PupilEnrolmentSerializer(EnrolmentSerializer):
    """An enrolment inside a pupil: the pupil is the one around it."""

    class Meta(EnrolmentSerializer.Meta):
        fields = [f for f in EnrolmentSerializer.Meta.fields if f != "pupil"]
        read_only_fields = fields


LEFT_ON_HELP = (
    "For a pupil who has left your schools: their last day there. You see their record as it "
    "stood that day, not what was recorded after. Null for pupils still on your roll."
)


class LeftOnMixin(serializers.Serializer):
    left_on = serializers.SerializerMethodField(help_text=LEFT_ON_HELP)

    @extend_schema_field(OpenApiTypes.DATE)
    def get_left_on(self, pupil: Pupil) -> dt.date | None:
        return getattr(pupil, "left_on", None)


class PupilSerializer(LeftOnMixin, serializers.ModelSerializer):
    """A pupil in a list: who they are, their NC year and SEN provision today, and where they are
    on roll today. Needs the view's prefetches (``current_periods``, ``current_enrolments``)."""

    display_name = serializers.CharField(read_only=True)
    nc_year = serializers.SerializerMethodField(
        help_text="Actual NC year today (for a pupil who has left your schools: on their last day)."
    )
    sen_provision = serializers.SerializerMethodField(
        help_text="SEN provision today: N, K or E (for a pupil who has left your schools: on their last day)."
    )
    schools = serializers.SerializerMethodField(
        help_text="URNs of the schools you can see where the pupil is on roll today."
    )

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "legal_forename",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "display_name",
            "date_of_birth",
            "sex",
            "nc_year",
            "sen_provision",
            "schools",
            "left_on",
        ]
        read_only_fields = fields

    @staticmethod
    def _period(pupil: Pupil) -> CharacteristicsPeriod | None:
        periods = getattr(pupil, "current_periods", None)
        return periods[0] if periods else None

    def get_nc_year(self, pupil: Pupil) -> int | None:
        period = self._period(pupil)
        return period.nc_year if period else None

    def get_sen_provision(self, pupil: Pupil) -> str | None:
        period = self._period(pupil)
        return period.sen_provision if period else None

    def get_schools(self, pupil: Pupil) -> list[str]:
        return sorted({e.school.urn for e in getattr(pupil, "current_enrolments", [])})


class PupilDetailSerializer(LeftOnMixin, serializers.ModelSerializer):
    """One pupil. Needs the view's prefetches (``current_periods``, ``visible_enrolments``)."""

    display_name = serializers.CharField(read_only=True)
    former_upns = serializers.SlugRelatedField(many=True, read_only=True, slug_field="upn")
    characteristics = serializers.SerializerMethodField(
        help_text="The characteristics in force today (null before the first record); for a pupil "
        "who has left your schools, those in force on their last day there."
    )
    enrolments = PupilEnrolmentSerializer(
        source="visible_enrolments",
        many=True,
        read_only=True,
        help_text="Enrolments at the schools through which you see the pupil (all, for trust-wide roles).",
    )

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "former_upns",
            "legal_forename",
            "middle_names",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "display_name",
            "date_of_birth",
            "sex",
            "characteristics",
            "enrolments",
            "left_on",
        ]
        read_only_fields = fields

    @extend_schema_field(CharacteristicsSerializer(allow_null=True))
    def get_characteristics(self, pupil: Pupil) -> dict[str, Any] | None:
        periods = getattr(pupil, "current_periods", None)
        return CharacteristicsSerializer(periods[0]).data if periods else None


# --- writing --------------------------------------------------------------------------------


class UpnField(serializers.CharField):
    """A UPN checked with the DfE check-letter rule; spaces and dashes are dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "Unique pupil number (13 characters, with its check letter).")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        raw = super().to_internal_value(data)
        result = check(raw)
        if not result.valid:
            raise serializers.ValidationError(result.message)
        return result.upn


class CharacteristicsFields(serializers.Serializer):
    """The characteristics a write may set; every one is optional (missing: left as it is)."""

    nc_year = serializers.IntegerField(
        min_value=-2, max_value=14, required=False, help_text="Actual NC year: N1=-2, N2=-1, R=0, 1-14."
    )
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False)
    first_language = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="Census language code, e.g. ENG."
    )
    eal = serializers.BooleanField(required=False)
    sen_provision = serializers.ChoiceField(choices=SenProvision.choices, required=False)
    primary_need = serializers.ChoiceField(choices=SenNeed.choices, required=False, allow_blank=True)
    secondary_need = serializers.ChoiceField(choices=SenNeed.choices, required=False, allow_blank=True)
    fsm = serializers.BooleanField(required=False)
    fsm_ever6 = serializers.BooleanField(required=False)
    looked_after = serializers.BooleanField(required=False)
    previously_looked_after = serializers.BooleanField(required=False)
    child_in_need = serializers.BooleanField(required=False)

    CHARACTERISTIC_NAMES = (
        "nc_year",
        "ethnicity",
        "first_language",
        "eal",
        "sen_provision",
        "primary_need",
        "secondary_need",
        "fsm",
        "fsm_ever6",
        "looked_after",
        "previously_looked_after",
        "child_in_need",
    )

    def characteristics(self) -> dict[str, Any]:
        return {k: v for k, v in self.validated_data.items() if k in self.CHARACTERISTIC_NAMES}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "first_language" in attrs:
            attrs["first_language"] = attrs["first_language"].strip().upper()
        if attrs.get("secondary_need") and attrs.get("secondary_need") == attrs.get("primary_need"):
            raise serializers.ValidationError(
                {"secondary_need": "The secondary need repeats the primary need."}
            )
        return attrs


class CharacteristicsChangeSerializer(CharacteristicsFields):
    effective = serializers.DateField(
        required=False, help_text="The first day the change applies (default: today)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not any(name in attrs for name in self.CHARACTERISTIC_NAMES):
            raise serializers.ValidationError(
                'Send at least one characteristic to change, e.g. {"fsm": true}.'
            )
        return attrs


class PupilCreateSerializer(CharacteristicsFields):
    school = urn_field("URN of the school whose roll the pupil joins.")
    upn = UpnField()
    legal_forename = serializers.CharField(max_length=100)
    legal_surname = serializers.CharField(max_length=100)
    middle_names = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    preferred_forename = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    preferred_surname = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    nc_year = serializers.IntegerField(
        min_value=-2, max_value=14, help_text="Actual NC year: N1=-2, N2=-1, R=0, 1-14."
    )
    start_date = serializers.DateField(
        required=False, help_text="First day on roll (default: today). Characteristics apply from it."
    )
    registration = serializers.ChoiceField(
        choices=RegistrationType.choices, required=False, default=RegistrationType.SINGLE
    )
    placing_school = urn_field(
        "For alternative provision: URN of the school that placed the pupil.", required=False
    )

    def validate_upn(self, upn: str) -> str:
        """A new pupil's UPN must be new. Whether it is known somewhere the caller cannot see is
        not told: the answer is the same neutral refusal as the import's."""
        user = self.context["user"]
        if upns_out_of_reach(user, [upn]):
            raise serializers.ValidationError(UPN_NOT_HERE)
        # not out of reach: a pupil who has the UPN is one the gate shows the caller
        if (
            visible_pupils(user).filter(upn=upn).exists()
            or visible_former_upns(user).filter(upn=upn).exists()
        ):
            raise serializers.ValidationError(
                f"A pupil with UPN {upn} is already recorded. To add them to a school's roll, "
                "import them (matched by UPN) or enrol them."
            )
        return upn

    def validate_date_of_birth(self, born: dt.date) -> dt.date:
        if born >= dt.date.today():
            raise serializers.ValidationError("The date of birth must be in the past.")
        return born


class PupilUpdateSerializer(serializers.Serializer):
    upn = UpnField(required=False)
    legal_forename = serializers.CharField(max_length=100, required=False)
    legal_surname = serializers.CharField(max_length=100, required=False)
    middle_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preferred_forename = serializers.CharField(max_length=100, required=False, allow_blank=True)
    preferred_surname = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)

    def validate_date_of_birth(self, born: dt.date) -> dt.date:
        if born >= dt.date.today():
            raise serializers.ValidationError("The date of birth must be in the past.")
        return born

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class AsAtSerializer(serializers.Serializer):
    as_at = serializers.DateField(required=False, help_text="A date (YYYY-MM-DD).")


class EnrolmentCreateSerializer(serializers.Serializer):
    pupil = serializers.IntegerField(help_text="Id of the pupil.")
    school = urn_field("URN of the school whose roll the pupil joins.")
    start_date = serializers.DateField(help_text="First day on roll.")
    registration = serializers.ChoiceField(
        choices=RegistrationType.choices, required=False, default=RegistrationType.SINGLE
    )
    placing_school = urn_field(
        "For alternative provision: URN of the school that placed the pupil.", required=False
    )


class EnrolmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="Last day on roll.")
    leaving_reason = serializers.ChoiceField(choices=LeavingReason.choices)
