"""Filter forms of the schools list and a school's pupil list (:mod:`strides.organisations.views`).
They are GET forms: a filtered list has its own address, so it can be bookmarked, shared with a
colleague who has the same access, and reloaded."""

from __future__ import annotations

from typing import Any

from django import forms

from strides.organisations.models import Region, SchoolType
from strides.pupils.census_codes import NC_YEAR_LABELS, SenProvision


class SchoolFilterForm(forms.Form):
    name = forms.CharField(label="School name", required=False, max_length=100)
    region = forms.ModelChoiceField(
        label="Region", queryset=Region.objects.none(), required=False, empty_label="All regions"
    )
    school_type = forms.ChoiceField(
        label="Type", choices=[("", "All types"), *SchoolType.choices], required=False
    )

    def __init__(self, *args: Any, regions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["name"].widget.input_type = "search"

    def filter(self, schools):
        if not self.is_valid():
            return schools
        data = self.cleaned_data
        if data["name"]:
            schools = schools.filter(name__icontains=data["name"].strip())
        if data["region"] is not None:
            schools = schools.filter(region=data["region"])
        if data["school_type"]:
            schools = schools.filter(school_type=data["school_type"])
        return schools


SEN_CHOICES = [
    ("", "Any"),
    ("any", "SEN support or EHCP"),
    (SenProvision.SUPPORT.value, "SEN support"),
    (SenProvision.EHCP.value, "EHCP"),
    (SenProvision.NONE.value, "No SEN"),
]
FSM_CHOICES = [
    ("", "Any"),
    ("fsm", "FSM now"),
    ("pp", "Pupil premium (disadvantaged)"),
    ("not_pp", "Not disadvantaged"),
]


class PupilFilterForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False, max_length=100)
    year = forms.TypedChoiceField(label="NC year", coerce=int, required=False, empty_value=None)
    sen = forms.ChoiceField(label="SEN", choices=SEN_CHOICES, required=False)
    fsm = forms.ChoiceField(label="FSM / pupil premium", choices=FSM_CHOICES, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "All years")] + [
            (y, NC_YEAR_LABELS.get(y, str(y))) for y in years
        ]
        self.fields["q"].widget.input_type = "search"

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) not in (None, "") for name in self.fields)

    def period_filters(self) -> dict[str, Any] | None:
        """Filters on the pupil's characteristics as at today, or None for no filter."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data["year"] is not None:
            filters["nc_year"] = data["year"]
        if data["sen"] == "any":
            filters["sen_provision__in"] = [SenProvision.SUPPORT, SenProvision.EHCP]
        elif data["sen"]:
            filters["sen_provision"] = data["sen"]
        return filters

    def disadvantage(self) -> str:
        return self.cleaned_data.get("fsm", "") if self.is_valid() else ""
