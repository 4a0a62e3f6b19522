"""The pieces every Strides form shares, whichever app it belongs to: an error summary that names
the field and the value entered, plain labelled fields with messages that say what to do, a
keyboard-operable date picker, and a way to turn a service's refusal into form errors instead of
a 500. Templates: ``forms/error_summary.html``, ``forms/fields.html``, ``forms/field.html``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


@dataclass(frozen=True)
class SummaryItem:
    """One line of an error summary: which field (its anchor), what was entered, what is wrong."""

    anchor: str
    label: str
    value: str
    message: str


class StridesForm(forms.Form):
    """Base of every management form: plain, labelled fields and an error summary.

    Django already wires ``aria-invalid`` and ``aria-describedby`` (``<id>_helptext`` and
    ``<id>_error``); ``forms/field.html`` renders elements with those ids. Pages include
    ``forms/error_summary.html`` and ``forms/fields.html``.
    """

    mark_optional = True  # say "(optional)" on fields that may be left empty; not on search forms

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = str(field.label or "").lower()
            verb = "Choose" if isinstance(field.widget, forms.Select) else "Enter"
            field.error_messages["required"] = f"{verb} the {label}."
            # Django's generic "Enter a valid date." names no field and no format
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = f"Enter the {label} as a date, for example 31/01/2026."

    def error_summary(self) -> list[SummaryItem]:
        items = [SummaryItem("", "", "", str(message)) for message in self.errors.get(NON_FIELD_ERRORS, [])]
        for name, messages in self.errors.items():
            if name == NON_FIELD_ERRORS or name not in self.fields:
                continue
            bound = self[name]
            for message in messages:
                items.append(
                    SummaryItem(f"#{bound.id_for_label}", str(bound.label), self._shown_value(name), message)
                )
        return items

    def _shown_value(self, name: str) -> str:
        """What the user entered, as they would recognise it (never a password)."""
        field = self.fields[name]
        if isinstance(field.widget, forms.PasswordInput) or not self.is_bound:
            return ""
        raw = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else None
        if raw is None:
            raw = self.data.get(self.add_prefix(name))
        values = raw if isinstance(raw, list) else [raw]
        values = [str(v) for v in values if v not in (None, "")]
        if isinstance(field, forms.DateField):
            # a date picker sends 2026-01-31; messages say 31/01/2026: show it the same way
            values = [_uk_date(v) for v in values]
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            labels = {str(key): str(label) for key, label in field.choices}
            values = [labels.get(v, v) for v in values]
        return ", ".join(values)[:80]


def _uk_date(value: str) -> str:
    """An ISO date (as a date picker sends it) as dd/mm/yyyy; anything else as it was typed."""
    try:
        return dt.date.fromisoformat(value.strip()).strftime("%d/%m/%Y")
    except ValueError:
        return value


class DateInput(forms.DateInput):
    """A native date picker: keyboard-operable and announced by screen readers."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_error(form: forms.Form, error: Exception) -> None:
    """Show a service's refusal (ValidationError or a ValueError subclass) on the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                message = " ".join(item.messages)
                if name in form.fields:
                    form.add_error(name, message)
                elif name == NON_FIELD_ERRORS:
                    form.add_error(None, message)
                else:
                    form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")
    elif isinstance(error, ValidationError):
        for message in error.messages:
            form.add_error(None, message)
    else:
        form.add_error(None, str(error))
