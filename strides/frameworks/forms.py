"""Forms of the framework pages: a bespoke framework (typed in or from a spreadsheet), a
school's framework choice, and a new crosswalk version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat

from strides.access.actor import Actor
from strides.access.gate import schools_with, scope_for
from strides.accounts.roles import Capability
from strides.forms import DateInput, StridesForm
from strides.frameworks.models import Crosswalk, Framework, ScalePoint, Subject, SubjectPhase
from strides.frameworks.queries import subjects_for
from strides.frameworks.services import normalise_code
from strides.frameworks.sheets import CODE_MAX, LABEL_MAX, MAX_DESCRIPTOR
from strides.organisations.models import School, Trust
from strides.pupils.census_codes import NC_YEAR_LABELS

TRUST_WIDE = "trust"
SHEET_EXTENSIONS = (".csv", ".xlsx", ".xls", ".ods")
SHEET_MAX_BYTES = 2 * 1024 * 1024
LEVEL_ROWS = 8  # blank level rows on a new form; "More rows" adds LEVEL_ROWS_STEP
LEVEL_ROWS_STEP = 5
MAX_LEVEL_ROWS = 300


def manages_trust_wide(user: Actor) -> bool:
    """Trust admins and analysts hold MANAGE_FRAMEWORKS for the whole trust; heads for a school."""
    return None in scope_for(user).capabilities.get(str(Capability.MANAGE_FRAMEWORKS), frozenset())


def point_choices(points: list[ScalePoint]) -> list[tuple[str, str]]:
    return [(p.code, f"{p.code} – {p.label}") for p in points]


class ShowsChoiceNames(StridesForm):
    """The error summary names a chosen school, subject, framework or pupil, not its database id."""

    def _shown_value(self, name: str) -> str:
        field = self.fields[name]
        if isinstance(field, forms.ModelChoiceField) and self.is_bound and hasattr(self.data, "getlist"):
            raw = [v for v in self.data.getlist(self.add_prefix(name)) if str(v).isdigit()]
            if raw:
                chosen = field.queryset.filter(pk__in=raw)
                return ", ".join(field.label_from_instance(obj) for obj in chosen)[:80]
        return super()._shown_value(name)


class FrameworkForm(ShowsChoiceNames):
    """The framework itself: who owns it, its name, code and subjects."""

    name = forms.CharField(
        label="Name", max_length=120, help_text="As teachers will see it, e.g. Small steps."
    )
    code = forms.SlugField(
        label="Code",
        max_length=40,
        help_text="Short and unique in the trust: lower-case letters, digits and dashes, e.g. small-steps.",
    )
    owner = forms.ChoiceField(label="Who may use it")
    subjects = forms.ModelMultipleChoiceField(
        label="Subjects",
        queryset=Subject.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if it may be used for any subject.",
    )
    description = forms.CharField(
        label="Description", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Actor, trust: Trust, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trust = trust
        schools = list(schools_with(user, Capability.MANAGE_FRAMEWORKS).filter(trust=trust).order_by("name"))
        self.schools = {str(s.pk): s for s in schools}
        choices = []
        if manages_trust_wide(user):
            choices.append((TRUST_WIDE, f"Every school in {trust.name}"))
        choices += [(str(s.pk), f"{s.name} only") for s in schools]
        self.fields["owner"].choices = choices
        if len(choices) == 1:
            self.fields["owner"].initial = choices[0][0]
        # the trust's active subjects and the own subjects of schools the user manages
        usable = [
            s.pk for s in subjects_for(trust, every_school=True) if s.school_id in (None, *self.schools_ids)
        ]
        self.fields["subjects"].queryset = Subject.objects.filter(pk__in=usable).order_by("order", "name")

    @property
    def schools_ids(self) -> list[int]:
        return [s.pk for s in self.schools.values()]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].lower()
        if Framework.objects.filter(trust=None, code=code).exists():
            raise forms.ValidationError(f"“{code}” is the code of a framework Strides ships; choose another.")
        if Framework.objects.filter(trust=self.trust, code=code).exists():
            raise forms.ValidationError(f"The trust already has a framework with the code “{code}”.")
        return code

    def owner_school(self) -> School | None:
        owner = self.cleaned_data["owner"]
        return None if owner == TRUST_WIDE else self.schools[owner]


class LevelForm(forms.Form):
    """One level of a new framework: a row of the levels table."""

    code = forms.CharField(label="Code", max_length=CODE_MAX, required=False)
    label = forms.CharField(label="Label", max_length=LABEL_MAX, required=False)
    descriptor = forms.CharField(label="Descriptor", max_length=MAX_DESCRIPTOR, required=False)
    point = forms.ChoiceField(label="Common point", required=False)

    def __init__(self, *args: Any, points: list[ScalePoint], number: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.number = number
        self.fields["point"].choices = [("", "Choose a point"), *point_choices(points)]
        self.fields["point"].error_messages["invalid_choice"] = (
            f"Level {number}: “%(value)s” is not a point of the common scale."
        )
        for name in ("code", "label", "descriptor"):
            self.fields[name].error_messages["max_length"] = (
                f"Level {number}: a {name} has at most %(limit_value)d characters (%(show_value)d here)."
            )

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in ("code", "label", "descriptor", "point"))


class BaseLevelFormSet(forms.BaseFormSet):
    """Blank rows are skipped; every filled row needs a code, a label and a point, and no two
    rows may share a code (case and spacing forgiven, as when teachers type them)."""

    def __init__(self, *args: Any, points: list[ScalePoint], **kwargs: Any) -> None:
        self.points = {p.code: p for p in points}
        kwargs.setdefault("form_kwargs", {})["points"] = points
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "number": (index or 0) + 1}

    def clean(self) -> None:
        seen: dict[str, int] = {}
        filled = 0
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None)
            if data is None or (form.is_blank and not form.errors):
                continue
            filled += 1
            code = (data.get("code") or "").strip()
            if "code" in data:
                if not code:
                    form.add_error("code", f"Level {number} needs a code.")
                elif (key := normalise_code(code)) in seen:
                    form.add_error("code", f"Level {number}: “{code}” is also the code of level {seen[key]}.")
                elif not key:
                    form.add_error("code", f"Level {number}: “{code}” needs at least one letter or digit.")
                else:
                    seen[key] = number
            if "label" in data and not data["label"].strip():
                form.add_error("label", f"Level {number} ({code or 'no code'}) needs a label.")
            if "point" in data and not data["point"]:
                form.add_error("point", f"Level {number} ({code or 'no code'}) needs a common point.")
        if not filled:
            raise forms.ValidationError("Enter at least one level: its code, label and common point.")

    def levels(self) -> list[tuple[str, str, str, ScalePoint]]:
        """The filled rows, in order, as ``create_framework`` takes them."""
        return [
            (
                form.cleaned_data["code"].strip(),
                form.cleaned_data["label"].strip(),
                form.cleaned_data["descriptor"].strip(),
                self.points[form.cleaned_data["point"]],
            )
            for form in self.forms
            if not form.is_blank
        ]


LevelFormSet = forms.formset_factory(
    LevelForm,
    formset=BaseLevelFormSet,
    extra=LEVEL_ROWS,
    max_num=MAX_LEVEL_ROWS,
    absolute_max=MAX_LEVEL_ROWS,
    validate_max=True,
)


class SheetForm(FrameworkForm):
    """A framework whose levels come from a spreadsheet."""

    file = forms.FileField(
        label="Spreadsheet of levels",
        help_text="CSV or Excel (.csv, .xlsx): one row per level, in order, with the columns Code, "
        "Label, Descriptor and Common point.",
    )

    field_order = ["name", "code", "owner", "subjects", "description", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(SHEET_EXTENSIONS)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is None:  # confirming a preview: the levels were read already
            return upload
        limit = min(SHEET_MAX_BYTES, getattr(settings, "STRIDES_MAX_IMPORT_BYTES", SHEET_MAX_BYTES))
        if not upload.name.lower().endswith(SHEET_EXTENSIONS):
            raise forms.ValidationError("Choose a .csv, .xlsx, .xls or .ods spreadsheet.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; a framework's levels fit in "
                f"{filesizeformat(limit)}. Check that only the levels are in it."
            )
        return upload


class AssignmentForm(ShowsChoiceNames):
    """Which framework a school, a year group or one pupil uses for a subject, from a date."""

    subject = forms.ModelChoiceField(
        label="Subject", queryset=Subject.objects.none(), empty_label="Choose a subject"
    )
    framework = forms.ModelChoiceField(
        label="Framework", queryset=Framework.objects.none(), empty_label="Choose a framework"
    )
    applies_to = forms.ChoiceField(
        label="Year group",
        required=False,
        help_text="The whole school, or one year group. A pupil's own choice comes before either.",
    )
    pupil = forms.ModelChoiceField(
        label="Pupil",
        queryset=None,
        required=False,
        empty_label="No single pupil",
        help_text="Only this pupil: for a pupil assessed differently from their year group.",
    )
    valid_from = forms.DateField(label="From", widget=DateInput(), help_text="The first day it applies.")

    def __init__(
        self,
        *args: Any,
        frameworks: QuerySet[Framework],
        pupils: QuerySet,
        years: list[int],
        subjects: list[Subject],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(pk__in=[s.pk for s in subjects]).order_by(
            "order", "name"
        )
        self.fields["framework"].queryset = frameworks
        self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: f"{p.surname}, {p.forename}"
        self.fields["applies_to"].choices = [("", "The whole school")] + [
            (str(y), NC_YEAR_LABELS.get(y, str(y))) for y in years
        ]
        self.fields["valid_from"].initial = dt.date.today()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("pupil") is not None and data.get("applies_to"):
            self.add_error(
                "pupil",
                f"Choose a year group or a pupil, not both: {data['pupil']} and "
                f"{NC_YEAR_LABELS.get(int(data['applies_to']), data['applies_to'])}.",
            )
        framework, subject = data.get("framework"), data.get("subject")
        if framework is not None and subject is not None:
            subject_ids = {s.pk for s in framework.subjects.all()}
            if subject_ids and subject.pk not in subject_ids:
                self.add_error("framework", f"{framework.name} is not used for {subject.name}.")
        return data

    def nc_year(self) -> int | None:
        value = self.cleaned_data.get("applies_to")
        return int(value) if value else None


class CrosswalkForm(StridesForm):
    """A new crosswalk version: when it takes effect and why. The changed mappings are the level
    selects of the page, read by the view."""

    effective_from = forms.DateField(
        label="In force from",
        widget=DateInput(),
        help_text="Drops assessed on or after this date use the new mappings once applied.",
    )
    note = forms.CharField(
        label="Why it changes",
        max_length=Crosswalk._meta.get_field("note").max_length or 200,
        help_text="Shown beside the version, e.g. “PK6 moved up after moderation, March 2026”.",
    )


class SubjectForm(StridesForm):
    """A new subject: the trust's own (trust-wide managers) or one school's addition."""

    code = forms.CharField(
        label="Code",
        max_length=30,
        help_text="Short and unique in the trust, used in spreadsheets and the API: lower-case letters, "
        "digits and hyphens, e.g. food-tech.",
    )
    name = forms.CharField(
        label="Name", max_length=60, help_text="As teachers will see it, e.g. Food technology."
    )
    owner = forms.ChoiceField(label="Who teaches it")
    phase = forms.ChoiceField(
        label="Phase",
        choices=SubjectPhase.choices,
        required=False,
        help_text="Which schools owe it in a drop that collects it. Special and all-through schools "
        "take every phase; a school's own subject is always its own.",
    )
    order = forms.IntegerField(
        label="Position", min_value=0, max_value=999, initial=100, help_text="Lower numbers come first."
    )

    def __init__(
        self, *args: Any, trust: Trust, schools: list[School], trust_wide: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {str(s.pk): s for s in schools}
        choices = [(TRUST_WIDE, f"Every school in {trust.name} (of its phase)")] if trust_wide else []
        choices += [(str(s.pk), f"{s.name} only") for s in schools]
        self.fields["owner"].choices = choices
        if len(choices) == 1:
            self.fields["owner"].initial = choices[0][0]
        if not trust_wide:
            del self.fields["phase"]

    def owner_school(self) -> School | None:
        owner = self.cleaned_data["owner"]
        return None if owner == TRUST_WIDE else self.schools[owner]


class SubjectChangeForm(StridesForm):
    """A subject's name, position and phase; of a shipped subject only the phase (for the trust)."""

    name = forms.CharField(label="Name", max_length=60)
    order = forms.IntegerField(
        label="Position", min_value=0, max_value=999, help_text="Lower numbers come first."
    )
    phase = forms.ChoiceField(
        label="Phase",
        choices=SubjectPhase.choices,
        help_text="Which schools owe it in a drop that collects it. Special and all-through schools "
        "take every phase.",
    )

    def __init__(self, *args: Any, subject: Subject, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": subject.name, "order": subject.order, "phase": subject.phase})
        super().__init__(*args, **kwargs)
        if subject.trust_id is None:  # shipped: its name and order stay
            del self.fields["name"], self.fields["order"]
        if subject.school_id is not None:  # a school's own: always that school's
            del self.fields["phase"]
