"""Forms of the assessment calendar and the drop boards. Writes go through
``strides.assessment.services`` and ``strides.assessment.calendar``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from strides.forms import DateInput, StridesForm, SummaryItem
from strides.frameworks.models import Subject, SubjectPhase, Term
from strides.frameworks.queries import subjects_for
from strides.pupils.census_codes import NC_YEAR_LABELS

CORE_SUBJECTS = ("reading", "writing", "maths")
NC_YEAR_CHOICES = [(str(value), label) for value, label in NC_YEAR_LABELS.items()]


def subject_label(subject: Subject) -> str:
    """ "History (secondary)", "Food technology (Hill School only)": who owes it, beside its name."""
    if subject.school_id is not None:
        return f"{subject.name} ({subject.school.name} only)"
    return (
        subject.name
        if subject.phase == SubjectPhase.ALL
        else f"{subject.name} ({subject.get_phase_display().lower()})"
    )


class DropForm(StridesForm):
    academic_year = forms.ModelChoiceField(label="Academic year", queryset=None, empty_label=None)
    name = forms.CharField(
        label="Name", max_length=100, help_text="As schools will see it, e.g. Autumn 2025/26."
    )
    term = forms.ChoiceField(label="Term", choices=Term.choices)
    opens_on = forms.DateField(label="Opens on", widget=DateInput())
    deadline = forms.DateField(label="Deadline", widget=DateInput(), help_text="The last day to submit.")
    assessed_on = forms.DateField(
        label="Assessed on",
        widget=DateInput(),
        required=False,
        help_text="The date the judgements describe. Leave empty to use the deadline.",
    )
    subjects = forms.ModelMultipleChoiceField(
        label="Subjects",
        queryset=Subject.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The trust's active subjects. A school owes a subject when its phase fits the school "
        "(special and all-through schools take every phase), or when it is the school's own.",
    )
    schools = forms.ModelMultipleChoiceField(
        label="Schools", queryset=None, widget=forms.CheckboxSelectMultiple
    )
    nc_years = forms.MultipleChoiceField(
        label="Year groups",
        choices=NC_YEAR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every year group is ticked to begin with: untick those the drop leaves out.",
    )

    def __init__(self, *args: Any, years: QuerySet, schools: QuerySet, trust: Any, **kwargs: Any) -> None:
        offered = subjects_for(trust, every_school=True) if trust is not None else []
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "subjects", [s for s in offered if s.shipped and s.code in CORE_SUBJECTS]
        )
        kwargs["initial"].setdefault("schools", list(schools))
        kwargs["initial"].setdefault("nc_years", [value for value, _ in NC_YEAR_CHOICES])
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = years
        self.fields["schools"].queryset = schools
        self.fields["subjects"].queryset = Subject.objects.filter(pk__in=[s.pk for s in offered]).order_by(
            "order", "name"
        )
        labels = {s.pk: subject_label(s) for s in offered}  # with the trust's phase of shipped ones
        self.fields["subjects"].label_from_instance = lambda subject: labels.get(subject.pk, subject.name)
        self.fields["opens_on"].error_messages["required"] = "Enter the date the drop opens."
        self.fields["deadline"].error_messages["required"] = "Enter the last day to submit."
        self.fields["subjects"].error_messages["required"] = "Choose at least one subject."
        self.fields["schools"].error_messages["required"] = "Choose at least one school."
        self.fields["nc_years"].error_messages["required"] = "Choose at least one year group."

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def error_summary(self) -> list[SummaryItem]:
        """A group of boxes has no single id: the summary links to its first box."""
        items = []
        for item in super().error_summary():
            if item.anchor == "#":
                name = next(n for n, f in self.fields.items() if str(f.label) == item.label)
                item = SummaryItem(f"#{self[name].auto_id}_0", item.label, item.value, item.message)
            items.append(item)
        return items

    def clean_nc_years(self) -> list[int]:
        chosen = sorted(int(value) for value in self.cleaned_data["nc_years"])
        # every year ticked is stored as "all", so a drop also covers pupils in unusual years
        return [] if len(chosen) == len(NC_YEAR_CHOICES) else chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year, opens_on, deadline = data.get("academic_year"), data.get("opens_on"), data.get("deadline")
        if opens_on and deadline and deadline < opens_on:
            self.add_error(
                "deadline",
                f"The deadline {deadline:%d/%m/%Y} is before the drop opens ({opens_on:%d/%m/%Y}).",
            )
        if year and opens_on and not year.starts_on <= opens_on <= year.ends_on:
            self.add_error(
                "opens_on",
                f"{opens_on:%d/%m/%Y} is not in {year.label} "
                f"({year.starts_on:%d/%m/%Y} to {year.ends_on:%d/%m/%Y}).",
            )
        assessed_on = data.get("assessed_on")
        if assessed_on and year and not year.starts_on <= assessed_on <= year.ends_on:
            self.add_error("assessed_on", f"{assessed_on:%d/%m/%Y} is not in {year.label}.")
        return data


class DefaultDropsForm(StridesForm):
    academic_year = forms.ModelChoiceField(label="Academic year", queryset=None, empty_label=None)

    def __init__(self, *args: Any, years: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = years
        self.fields["academic_year"].error_messages["invalid_choice"] = (
            "That academic year is not one of the trust's."
        )


class ReopenForm(StridesForm):
    reason = forms.CharField(
        label="Why is the drop being reopened?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The school sees this on its drop page, e.g. Year 4 maths needs moderating again.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = (
            "Say why the drop is being reopened: the school sees the reason."
        )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the drop is being reopened: the school sees the reason.")
        return reason


class YearFilterForm(StridesForm):
    mark_optional = False
    year = forms.ModelChoiceField(
        label="Academic year", queryset=None, required=False, empty_label="All years"
    )

    def __init__(self, *args: Any, years: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = years
