"""Forms of the small-step framework pages: a new framework, its settings, a spreadsheet of
statements, a statement's new words, and the subject an area stands for."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from strides.access.actor import Actor
from strides.access.gate import schools_with
from strides.accounts.roles import Capability
from strides.forms import StridesForm
from strides.frameworks.forms import SHEET_EXTENSIONS, SHEET_MAX_BYTES, manages_trust_wide
from strides.frameworks.models import Subject
from strides.organisations.models import School, Trust
from strides.steps.models import Shape, StepFramework
from strides.steps.sheets import MAX_TEXT

TRUST_WIDE = "trust"


class SettingsForm(StridesForm):
    """How % of a step is worked out."""

    partial_credit = forms.BooleanField(
        label="Give partial credit",
        required=False,
        help_text="Emerging and developing count for part of a statement (a quarter and a half) "
        "instead of nothing.",
    )
    step_complete_percent = forms.IntegerField(
        label="A step is completed at (%)",
        min_value=1,
        max_value=100,
        initial=100,
        help_text="The % of a step's statements secured at which the step counts as completed, "
        "from 1 to 100.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["step_complete_percent"]
        # no "%" in these: Django fills in their parameters with the % operator
        for code in ("invalid", "min_value", "max_value"):
            field.error_messages[code] = "Enter a whole number from 1 to 100."


class StepFrameworkForm(SettingsForm):
    """A new framework: its name, code, shape, who may use it, and its settings."""

    name = forms.CharField(label="Name", max_length=120, help_text="As teachers will see it.")
    code = forms.SlugField(
        label="Code",
        max_length=40,
        help_text="Short and unique in the trust: lower-case letters, digits and dashes, e.g. "
        "oak-small-steps.",
    )
    shape = forms.ChoiceField(
        label="Shape",
        choices=[("", "Choose a shape"), *Shape.choices],
        help_text="Linear: areas of ordered steps of statements. Milestone map: strands of "
        "milestones reached in any order. Matrix: domains of levels of elements. Engagement "
        "model: its five areas, observed in words and never scored.",
    )
    owner = forms.ChoiceField(label="Who may use it")
    description = forms.CharField(
        label="Description", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = ["name", "code", "shape", "owner", "description", "partial_credit", "step_complete_percent"]

    def __init__(self, *args: Any, user: Actor, trust: Trust, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trust = trust
        schools = list(schools_with(user, Capability.MANAGE_FRAMEWORKS).filter(trust=trust).order_by("name"))
        self.schools = {str(s.pk): s for s in schools}
        choices = [("", "Choose who may use it")] if len(schools) > 1 or manages_trust_wide(user) else []
        if manages_trust_wide(user):
            choices.append((TRUST_WIDE, f"The trust: {trust.name} (shared with its schools when you choose)"))
        choices += [(str(s.pk), f"{s.name} only") for s in schools]
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = choices
        owner.error_messages["required"] = "Choose who may use it."
        self.fields["code"].error_messages["invalid"] = (
            "Use lower-case letters, digits and dashes only, e.g. oak-small-steps."
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].lower()
        if StepFramework.objects.filter(trust=None, code=code).exists():
            raise forms.ValidationError(f"{code!r} is the code of a framework Strides ships; choose another.")
        if StepFramework.objects.filter(trust=self.trust, code=code).exists():
            raise forms.ValidationError(
                f"The trust already has a small-step framework with the code {code!r}."
            )
        return code

    def owner_school(self) -> School | None:
        owner = self.cleaned_data["owner"]
        return None if owner == TRUST_WIDE else self.schools[owner]


class StatementsSheetForm(StridesForm):
    """A spreadsheet of statements to add to a framework."""

    file = forms.FileField(
        label="Spreadsheet of statements",
        help_text="CSV or Excel (.csv, .xlsx, .ods): one row per statement with the columns Area, "
        "Step, Code and Statement (and, if you need them, Area name, Step name, Weight, Key, Leads to).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(SHEET_EXTENSIONS)
        self.fields["file"].error_messages["required"] = "Choose the spreadsheet to import."

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = min(SHEET_MAX_BYTES, getattr(settings, "STRIDES_MAX_IMPORT_BYTES", SHEET_MAX_BYTES))
        if not upload.name.lower().endswith(SHEET_EXTENSIONS):
            raise forms.ValidationError("Choose a .csv, .xlsx, .xls or .ods spreadsheet.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; a framework's statements fit in "
                f"{filesizeformat(limit)}. Check that only the statements are in it."
            )
        return upload


class RewordForm(StridesForm):
    """New words for a statement; the old ones are kept."""

    text = forms.CharField(
        label="New wording",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Records made before keep the words they were made against.",
    )


class AreaSubjectForm(StridesForm):
    """The subject an area of a linear framework stands for in data drops."""

    subject = forms.ModelChoiceField(
        label="Subject",
        queryset=Subject.objects.none(),
        required=False,
        empty_label="No subject",
        help_text="Pupils' steps in this area give their judgement in this subject when a data drop "
        "collects it.",
    )

    def __init__(self, *args: Any, subjects: list[Subject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Subject.objects.filter(pk__in=[s.pk for s in subjects]).order_by("order", "name")
