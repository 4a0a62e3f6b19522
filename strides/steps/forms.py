"""Forms of the small-step pages: record for a group, an engagement observation, a conversation
held and closed, a school's thresholds. (The framework pages' forms are in ``framework_forms``.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from strides.forms import DateInput, StridesForm
from strides.steps.models import ASPECTS, LateralRating

RATING_CHOICES = [("", "Not rated")] + [(str(v), label) for v, label in LateralRating.choices]


class GroupRecordForm(StridesForm):
    """One statement, one level, several pupils."""

    statement = forms.ModelChoiceField(queryset=None, label="Statement", empty_label="Choose a statement")
    level = forms.ChoiceField(label="Level", widget=forms.RadioSelect)
    everyone = forms.BooleanField(label="Every pupil listed", required=False)
    pupils = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Pupils",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Or tick “Every pupil listed” above.",
    )
    assessed_on = forms.DateField(label="Date", widget=DateInput())
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, pupils: Any, statements: list, levels: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from strides.steps.models import Statement

        # ``pupils`` is a queryset the page narrowed through the gate: a pupil or statement
        # not offered is "Select a valid choice", never saved
        self.fields["pupils"].queryset = pupils  # type: ignore[attr-defined]
        self.fields["pupils"].label_from_instance = lambda pupil: pupil.display_name  # type: ignore[attr-defined]
        self.fields["statement"].queryset = Statement.objects.filter(
            pk__in=[s.pk for s in statements]
        ).order_by("order")  # type: ignore[attr-defined]
        self.fields["statement"].label_from_instance = lambda s: f"{s.code} {s.text}"  # type: ignore[attr-defined]
        self.fields["level"].choices = [(level.code, f"{level.code} {level.label}") for level in levels]  # type: ignore[attr-defined]
        self.fields["assessed_on"].initial = timezone.localdate()
        self.fields["level"].error_messages["required"] = "Choose a level."
        self.fields["pupils"].error_messages["required"] = "Choose at least one pupil."
        for aspect in ASPECTS:
            self.fields[aspect] = forms.ChoiceField(
                label=aspect.capitalize(), choices=RATING_CHOICES, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("everyone"):
            data["pupils"] = list(self.fields["pupils"].queryset)  # type: ignore[attr-defined]
        elif not data.get("pupils") and "pupils" not in self.errors:
            self.add_error("pupils", "Choose at least one pupil, or every pupil listed.")
        return data


class ObservationForm(StridesForm):
    """An engagement-model observation: words and evidence, never a score."""

    area = forms.ModelChoiceField(queryset=None, label="Area", empty_label="Choose an area")
    observed_on = forms.DateField(label="Date", widget=DateInput())
    narrative = forms.CharField(
        label="Observation",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In words: what you saw the pupil do, how, and what was new.",
    )
    evidence = forms.CharField(
        label="Evidence links",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Web addresses of photos, videos or notes, one a line.",
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["observed_on"].initial = timezone.localdate()


class HoldForm(StridesForm):
    held_on = forms.DateField(label="Held on", widget=DateInput())
    attendees = forms.CharField(
        label="Who met", max_length=300, help_text="For example: class teacher, SENCO, parent."
    )
    agreed_action = forms.ChoiceField(label="What was agreed", choices=(), widget=forms.RadioSelect)
    agreed_detail = forms.CharField(
        label="Details", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_on = forms.DateField(label="Follow up on", required=False, widget=DateInput())

    def __init__(self, *args: Any, actions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agreed_action"]
        field.choices = actions  # type: ignore[attr-defined]  # the school's list
        field.error_messages["required"] = "Choose what was agreed."


class CloseForm(StridesForm):
    outcome = forms.CharField(label="Outcome", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ThresholdsForm(StridesForm):
    framework = forms.ModelChoiceField(
        queryset=None,
        label="For",
        required=False,
        empty_label="Every framework (the school's thresholds)",
        help_text="A framework's own thresholds override the school's for its pupils.",
    )
    below = forms.DecimalField(label="Below (% of a step in a term)", max_digits=5, decimal_places=2)
    above = forms.DecimalField(label="Above (% of a step in a term)", max_digits=5, decimal_places=2)

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]
