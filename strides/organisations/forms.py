"""Forms of the schools management screens. Writes go through ``strides.organisations.services``;
these forms only check what a person typed and say clearly what is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from strides.classes.services import rollover_date_check
from strides.forms import DateInput, StridesForm
from strides.organisations.models import (
    HalfTerm,
    OfficerKind,
    Phase,
    SchoolType,
    estab_validator,
    la_validator,
    urn_validator,
)
from strides.organisations.services import TermProblem


class SchoolForm(StridesForm):
    name = forms.CharField(label="Name", max_length=200)
    urn = forms.CharField(
        label="URN",
        max_length=6,
        validators=[urn_validator],
        help_text="The six-digit unique reference number from Get Information about Schools.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}),
    )
    la_code = forms.CharField(
        label="LA code",
        max_length=3,
        validators=[la_validator],
        help_text="Three digits, e.g. 801.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}),
    )
    establishment_number = forms.CharField(
        label="Establishment number",
        max_length=4,
        validators=[estab_validator],
        help_text="Four digits, e.g. 2001 (the DfE number is the LA code followed by this).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    school_type = forms.ChoiceField(label="Type", choices=[("", "Choose a type"), *SchoolType.choices])
    phase = forms.ChoiceField(label="Phase", choices=[("", "Choose a phase"), *Phase.choices])
    region = forms.ModelChoiceField(label="Region", queryset=None, required=False, empty_label="No region")
    joined_trust_on = forms.DateField(label="Joined the trust on", required=False, widget=DateInput())

    def __init__(self, *args: Any, regions: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class OfficerForm(StridesForm):
    user = forms.ModelChoiceField(label="Officer", queryset=None, empty_label="Choose a person")
    kind = forms.ChoiceField(label="As", choices=OfficerKind.choices)

    def __init__(self, *args: Any, officers: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = officers
        self.fields["user"].label_from_instance = lambda user: f"{user} ({user.username})"


class AcademicYearForm(StridesForm):
    start_year = forms.IntegerField(
        label="Starting in September of",
        min_value=2000,
        max_value=2100,
        help_text="For 2026/27 enter 2026. The year gets the usual half-term dates; change them after.",
        widget=forms.NumberInput(attrs={"size": 6}),
    )


class TermDatesForm(StridesForm):
    """The six half-terms of one academic year: a start and an end date for each. Whether the
    dates make sense together is the service's to say (``set_term_dates_many``)."""

    def __init__(self, *args: Any, current: dict[str, tuple[dt.date, dt.date]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for half, label in HalfTerm.choices:
            start, end = current.get(half, (None, None))
            self.fields[f"{half}_start"] = forms.DateField(
                label=f"{label} starts", initial=start, widget=DateInput()
            )
            self.fields[f"{half}_end"] = forms.DateField(
                label=f"{label} ends", initial=end, widget=DateInput()
            )

    def half_terms(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        return [(half, label, self[f"{half}_start"], self[f"{half}_end"]) for half, label in HalfTerm.choices]

    def add_problems(self, problems: list[TermProblem]) -> None:
        """The service's refusal, each problem beside the date it is about."""
        for problem in problems:
            name = f"{problem.half_term}_{problem.which}"
            self.add_error(name if name in self.fields else None, problem.message)

    def changed_half_terms(
        self, current: dict[str, tuple[dt.date, dt.date]]
    ) -> list[tuple[str, dt.date, dt.date]]:
        changes = []
        for half, _ in HalfTerm.choices:
            dates = (self.cleaned_data[f"{half}_start"], self.cleaned_data[f"{half}_end"])
            if current.get(half) != dates:
                changes.append((half, *dates))
        return changes


class RolloverForm(StridesForm):
    """Confirms a rollover. Run early (well before the year ends) it needs an extra tick."""

    from_year = forms.ModelChoiceField(label="Academic year", queryset=None, widget=forms.HiddenInput)
    confirm_early = forms.BooleanField(
        label="I know this year has not ended yet, and want to roll over now", required=False
    )

    def __init__(self, *args: Any, years: QuerySet, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_year"].queryset = years
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        year = cleaned.get("from_year")
        warning = rollover_date_check(year, self.today) if year else None
        if warning and not cleaned.get("confirm_early"):
            self.add_error("confirm_early", f"{warning} Tick the box to roll over early.")
        return cleaned
