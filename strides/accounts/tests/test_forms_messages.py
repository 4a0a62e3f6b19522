"""Management forms name the field in every message, and show dates as dd/mm/yyyy."""

from __future__ import annotations

from django import forms

from strides.forms import DateInput, StridesForm


class TermForm(StridesForm):
    starts = forms.DateField(label="First day", widget=DateInput())
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A")])


def test_required_and_bad_dates_are_named():
    form = TermForm({"starts": "", "kind": ""})
    assert form.errors["starts"] == ["Enter the first day."]
    assert form.errors["kind"] == ["Choose the kind."]
    form = TermForm({"starts": "31/02/2026", "kind": "a"})
    assert form.errors["starts"] == ["Enter the first day as a date, for example 31/01/2026."]


def test_the_error_summary_shows_a_picked_date_as_dd_mm_yyyy():
    form = TermForm({"starts": "2026-01-31", "kind": "zzz"})
    form.is_valid()
    form.add_error("starts", "Too early.")
    items = {item.label: item for item in form.error_summary()}
    assert items["First day"].value == "31/01/2026"
    typed = TermForm({"starts": "soon", "kind": "a"})
    typed.is_valid()
    assert {item.label: item for item in typed.error_summary()}["First day"].value == "soon"
