"""Forms of the classes management screens. Writes go through ``strides.classes.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from strides.classes.models import StaffRole
from strides.forms import StridesForm
from strides.pupils.census_codes import NC_YEAR_LABELS

NC_YEAR_CHOICES = [(str(value), label) for value, label in NC_YEAR_LABELS.items()]


class GroupForm(StridesForm):
    name = forms.CharField(
        label="Name", max_length=60, help_text="As the school says it, e.g. 3T or 10 Maths set 2."
    )
    academic_year = forms.ModelChoiceField(label="Academic year", queryset=None, empty_label=None)
    nc_year = forms.TypedChoiceField(
        label="NC year",
        choices=[("", "Mixed years"), *NC_YEAR_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Leave as mixed years for a group of pupils from several year groups.",
    )
    subject = forms.CharField(
        label="Subject",
        max_length=60,
        required=False,
        help_text="Leave empty for a registration or form class.",
    )

    def __init__(self, *args: Any, years: QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if years is None:  # editing: a class stays in its year
            del self.fields["academic_year"]
        else:
            self.fields["academic_year"].queryset = years

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class PupilFilterForm(StridesForm):
    mark_optional = False
    nc_year = forms.TypedChoiceField(
        label="Show pupils in",
        choices=[("", "All years"), *NC_YEAR_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ClassPupilsForm(StridesForm):
    """The class list. ``shown`` are the pupils that were on the page: a filtered page changes
    only those, so ticking in Year 3 never drops the Year 4 pupils that were not shown."""

    pupils = forms.ModelMultipleChoiceField(label="Pupils", queryset=None, required=False)
    shown = forms.ModelMultipleChoiceField(label="Pupils shown", queryset=None, required=False)

    def __init__(self, *args: Any, candidates: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = candidates
        self.fields["shown"].queryset = candidates
        self.fields["pupils"].error_messages["invalid_choice"] = (
            "Pupil %(value)s is not on the school's roll, or not one you can see."
        )

    def new_members(self, current_ids: set[int]) -> set[int]:
        shown = {pupil.pk for pupil in self.cleaned_data["shown"]}
        ticked = {pupil.pk for pupil in self.cleaned_data["pupils"]}
        return (current_ids - shown) | ticked


class StaffForm(StridesForm):
    user = forms.ModelChoiceField(label="Member of staff", queryset=None, empty_label="Choose a person")
    role = forms.ChoiceField(label="As", choices=StaffRole.choices)

    def __init__(self, *args: Any, staff: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff
        self.fields["user"].label_from_instance = lambda user: f"{user} ({user.username})"
