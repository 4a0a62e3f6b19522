"""Forms of the pupil pages. They check what a person can fix on the form (a date, a code, a
missing need); the services in ``strides.pupils.services`` keep the rules of the data and the
views show their :class:`~strides.pupils.services.PupilDataError` messages on the same form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from strides.organisations.models import School
from strides.pupils.census_codes import (
    LANGUAGES,
    NC_YEAR_LABELS,
    Ethnicity,
    LeavingReason,
    RegistrationType,
    SenNeed,
    SenProvision,
    Sex,
)
from strides.pupils.display import GENERAL_FIELDS, LABELS, SEN_FIELDS
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.upn import check

OLDEST_PUPIL_YEARS = 30  # SEN provision can run to 25; older than this is a typing mistake


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _uk(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _today() -> dt.date:
    return dt.date.today()


def _language_choices() -> list[tuple[str, str]]:
    by_name = sorted(LANGUAGES.items(), key=lambda item: item[1].casefold())
    return [("", "Not recorded"), *((code, f"{name} ({code})") for code, name in by_name)]


class LanguageField(forms.ChoiceField):
    """The census first language as a list of names, so nobody has to know that Punjabi is PNJ.
    A pupil already recorded with a code outside the list (imported from a CTF, say) keeps it as a
    choice of its own, and a code typed by a script in any case or spacing is accepted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_language_choices(), **kwargs)

    def keep_code(self, code: str) -> None:
        if code and code not in LANGUAGES:
            self.choices = [*self.choices, (code, f"{code} (census code)")]

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()

    def validate(self, value: str) -> None:
        if value and not re.fullmatch(r"[A-Z]{3,4}", value):
            raise ValidationError("A census language code is three or four letters, for example ENG.")
        super().validate(value)


class PupilDetailsForm(forms.Form):
    upn = forms.CharField(
        label="UPN",
        max_length=20,
        help_text="13 characters: a check letter then 12 digits (a temporary UPN ends in a letter). "
        "A changed UPN is kept as a former UPN.",
    )
    legal_forename = forms.CharField(label="Legal forename", max_length=100)
    middle_names = forms.CharField(label="Middle names", max_length=200, required=False)
    legal_surname = forms.CharField(label="Legal surname", max_length=100)
    preferred_forename = forms.CharField(
        label="Preferred forename",
        max_length=100,
        required=False,
        help_text="Leave empty to use the legal name.",
    )
    preferred_surname = forms.CharField(
        label="Preferred surname",
        max_length=100,
        required=False,
        help_text="Leave empty to use the legal name.",
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=_date_input())
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices)

    FIELDS = (
        "upn",
        "legal_forename",
        "middle_names",
        "legal_surname",
        "preferred_forename",
        "preferred_surname",
        "date_of_birth",
        "sex",
    )

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(pupil, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_upn(self) -> str:
        raw = self.cleaned_data["upn"]
        result = check(raw)
        if not result.valid:
            raise ValidationError(result.message)
        return result.upn

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        today = _today()
        if born > today:
            raise ValidationError(f"{_uk(born)} is in the future.")
        if born.year < today.year - OLDEST_PUPIL_YEARS:
            raise ValidationError(f"{_uk(born)} would make the pupil over {OLDEST_PUPIL_YEARS}.")
        return born

    def changes(self) -> dict[str, Any]:
        """Only what the user changed, so the audit entry says exactly that."""
        return {
            name: self.cleaned_data[name]
            for name in self.FIELDS
            if self.cleaned_data[name] != getattr(self.pupil, name)
        }


class CharacteristicsForm(forms.Form):
    """A change of characteristics from a date. Which fields appear depends on what the user may
    edit at the pupil's school: SEN fields need EDIT_SEN, the others EDIT_PUPILS."""

    effective = forms.DateField(
        label="Date the change takes effect",
        widget=_date_input(),
        help_text="Analyses before this date keep the old values. Use the date the current record "
        "began to correct it instead.",
    )
    nc_year = forms.TypedChoiceField(
        label=LABELS["nc_year"],
        coerce=int,
        choices=list(NC_YEAR_LABELS.items()),
        help_text="The year group the pupil is taught in, which may differ from their age.",
    )
    ethnicity = forms.ChoiceField(label=LABELS["ethnicity"], choices=Ethnicity.choices)
    first_language = LanguageField(
        label=LABELS["first_language"],
        required=False,
        help_text="The census language list. Type the first letters of the language to jump to it.",
    )
    sen_provision = forms.ChoiceField(label=LABELS["sen_provision"], choices=SenProvision.choices)
    primary_need = forms.ChoiceField(
        label=LABELS["primary_need"],
        choices=[("", "None"), *SenNeed.choices],
        required=False,
        help_text="Needed for SEN support and EHCPs.",
    )
    secondary_need = forms.ChoiceField(
        label=LABELS["secondary_need"], choices=[("", "None"), *SenNeed.choices], required=False
    )
    eal = forms.BooleanField(label=LABELS["eal"], required=False)
    fsm = forms.BooleanField(label=LABELS["fsm"], required=False)
    fsm_ever6 = forms.BooleanField(label=LABELS["fsm_ever6"], required=False)
    looked_after = forms.BooleanField(label=LABELS["looked_after"], required=False)
    previously_looked_after = forms.BooleanField(label=LABELS["previously_looked_after"], required=False)
    child_in_need = forms.BooleanField(label=LABELS["child_in_need"], required=False)

    CHECKBOXES = ("eal", "fsm", "fsm_ever6", "looked_after", "previously_looked_after", "child_in_need")

    def __init__(
        self,
        *args: Any,
        current: CharacteristicsPeriod | None,
        general: bool,
        sen: bool,
        **kwargs: Any,
    ) -> None:
        initial = {"effective": _today()}
        if current is not None:
            initial.update(current.values())
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.current = current
        if current is not None and "first_language" in self.fields:
            self.fields["first_language"].keep_code(current.first_language)
        keep = {"effective", *(GENERAL_FIELDS if general else ()), *(SEN_FIELDS if sen else ())}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @property
    def choice_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if n != "effective" and n not in self.CHECKBOXES]

    @property
    def checkbox_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.CHECKBOXES if n in self.fields]

    def clean_effective(self) -> dt.date:
        day = self.cleaned_data["effective"]
        if day > _today():
            raise ValidationError(
                f"{_uk(day)} is in the future. Record a change on or after the day it applies."
            )
        if self.current is not None and day < self.current.valid_from:
            raise ValidationError(
                f"{_uk(day)} is before the current record began ({_uk(self.current.valid_from)}). "
                "A change cannot take effect before it."
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "sen_provision" not in self.fields or "sen_provision" not in data:
            return data
        provision = data["sen_provision"]
        primary, secondary = data.get("primary_need", ""), data.get("secondary_need", "")
        if provision == SenProvision.NONE:
            if primary or secondary:
                self.add_error(
                    "primary_need" if primary else "secondary_need",
                    "A pupil with no special educational need has no need type: choose "
                    "SEN support or an EHCP, or set the needs to None.",
                )
        elif not primary:
            self.add_error("primary_need", "Choose the primary need for SEN support or an EHCP.")
        if secondary and not primary:
            self.add_error("secondary_need", "A secondary need needs a primary need first.")
        elif secondary and secondary == primary:
            self.add_error("secondary_need", "The secondary need is the same as the primary need.")
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "effective"}


class EndEnrolmentForm(forms.Form):
    end_date = forms.DateField(
        label="Last day on roll", widget=_date_input(), help_text="The pupil's last day at the school."
    )
    leaving_reason = forms.ChoiceField(
        label="Reason for leaving", choices=[("", "Choose a reason"), *LeavingReason.choices]
    )

    def __init__(self, *args: Any, enrolment: Enrolment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"end_date": _today()})
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment

    def clean_end_date(self) -> dt.date:
        day = self.cleaned_data["end_date"]
        if day < self.enrolment.start_date:
            raise ValidationError(
                f"{_uk(day)} is before the pupil joined ({_uk(self.enrolment.start_date)})."
            )
        return day


class AddEnrolmentForm(forms.Form):
    school = forms.ModelChoiceField(
        label="School", queryset=School.objects.none(), empty_label="Choose a school"
    )
    start_date = forms.DateField(label="First day on roll", widget=_date_input())
    registration = forms.ChoiceField(
        label="Registration",
        choices=RegistrationType.choices,
        help_text="Pupils placed in alternative provision are usually dual registered (subsidiary).",
    )
    placing_school_urn = forms.CharField(
        label="Placing school URN",
        max_length=6,
        required=False,
        help_text="Only for an alternative provision placement: the six-digit URN of the school "
        "that placed the pupil.",
    )

    def __init__(self, *args: Any, schools, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": _today(), "registration": RegistrationType.SINGLE})
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean_placing_school_urn(self) -> School | None:
        urn = self.cleaned_data["placing_school_urn"].strip()
        if not urn:
            return None
        if not re.fullmatch(r"\d{6}", urn):
            raise ValidationError("A URN is six digits.")
        school = School.objects.filter(urn=urn).first()
        if school is None:
            raise ValidationError("No school with this URN is known to Strides. A trust admin can add it.")
        return school

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        school, placing = data.get("school"), data.get("placing_school_urn")
        if school is not None and placing is not None and school.pk == placing.pk:
            self.add_error("placing_school_urn", "A school cannot place a pupil with itself.")
        return data
