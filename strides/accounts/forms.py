"""Forms of the sign-in, two-factor, API token and user-management screens, and the pieces every
Strides management form shares: an error summary that names the field and the value, and a way
to turn a service's refusal into form errors instead of a 500."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet

from strides.accounts.models import User
from strides.accounts.roles import Role


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
    ``<id>_error``); ``accounts/forms/field.html`` renders elements with those ids. Pages include
    ``accounts/forms/error_summary.html`` and ``accounts/forms/fields.html``.
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


# --- sign-in and two-factor -----------------------------------------------------------------

TOTP_CODE = re.compile(r"^\d{6}$")
BACKUP_CODE = re.compile(r"^[a-z2-7]{8}$")


def _normalise_code(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").lower()


class TotpCodeForm(StridesForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="Six digits. The code changes every 30 seconds.",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"}
        ),
    )

    def clean_code(self) -> str:
        code = _normalise_code(self.cleaned_data["code"])
        if not TOTP_CODE.match(code):
            raise ValidationError("A code is six digits, like 123456.")
        return code


class VerifyCodeForm(StridesForm):
    code = forms.CharField(
        label="Code",
        help_text="The six digits from your authenticator app, or one of your eight-character backup codes.",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = _normalise_code(self.cleaned_data["code"])
        if not (TOTP_CODE.match(code) or BACKUP_CODE.match(code)):
            raise ValidationError("Enter the six digits from your app, or a backup code like abcd2345.")
        return code

    @property
    def is_backup_code(self) -> bool:
        return bool(BACKUP_CODE.match(self.cleaned_data.get("code", "")))


class ApiTokenForm(StridesForm):
    name = forms.CharField(
        label="Token name",
        help_text="What the token is for, so you recognise it later, e.g. 'Power BI report'.",
        max_length=100,
    )


# --- users and roles ------------------------------------------------------------------------


class UserFilterForm(StridesForm):
    mark_optional = False
    q = forms.CharField(label="Name or username", required=False, max_length=100)
    school = forms.ModelChoiceField(label="School", queryset=None, required=False, empty_label="Any school")
    role = forms.ChoiceField(label="Role", required=False)

    def __init__(self, *args: Any, schools: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["role"].choices = [("", "Any role"), *Role.choices]


class RoleFieldsMixin:
    """Role and school, limited to what the acting user may grant."""

    def setup_role_fields(self, roles: list[tuple[str, str]], schools: QuerySet, *, required: bool) -> None:
        self.fields["role"].choices = [("", "No role yet" if not required else "Choose a role"), *roles]
        self.fields["role"].required = required
        self.fields["school"].queryset = schools
        if not any(value in self.trust_roles for value, _ in roles):
            # a head grants school roles only: there is no "trust-wide" to choose
            self.fields["school"].empty_label = "Choose a school"

    def clean_role_and_school(self, cleaned: dict[str, Any], trust_roles: set[str]) -> None:
        role, school = cleaned.get("role"), cleaned.get("school")
        if not role:
            return
        label = Role(role).label
        if role in trust_roles and school is not None:
            self.add_error("school", f"{label} is a trust-wide role: leave the school empty.")
        if role not in trust_roles and role != Role.PARENT and school is None:
            self.add_error("school", f"{label} is a role at one school: choose the school.")


class UserCreateForm(RoleFieldsMixin, StridesForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. People sign in with it.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="Email address", required=False)
    password = forms.CharField(
        label="Initial password",
        required=False,
        strip=False,
        help_text="At least 12 characters. Leave empty to create the account without a password "
        "(it cannot sign in until one is set).",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(label="Role")
    school = forms.ModelChoiceField(
        label="School", queryset=None, required=False, empty_label="No school (trust-wide role)"
    )
    child_upn = forms.CharField(
        label="Child's UPN",
        required=False,
        max_length=13,
        help_text="For a parent or carer: the UPN of their child.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        schools: QuerySet,
        role_required: bool,
        trust_roles: set[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.trust_roles = trust_roles
        self.setup_role_fields(roles, schools, required=role_required)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not re.fullmatch(r"[\w.@+-]+", username):
            raise ValidationError("Use only letters, digits and @ . + - _ in a username.")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"The username {username!r} is taken. Choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_role_and_school(cleaned, self.trust_roles)
        if cleaned.get("role") == Role.PARENT:
            if not cleaned.get("child_upn"):
                self.add_error("child_upn", "Enter the UPN of the parent's child.")
            if cleaned.get("school") is not None:
                self.add_error("school", "A parent or carer is linked to a child, not a school.")
        elif cleaned.get("child_upn"):
            self.add_error("child_upn", "Only a parent or carer is linked to a child.")
        if password := cleaned.get("password"):
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class GrantRoleForm(RoleFieldsMixin, StridesForm):
    role = forms.ChoiceField(label="Role")
    school = forms.ModelChoiceField(
        label="School", queryset=None, required=False, empty_label="No school (trust-wide role)"
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        schools: QuerySet,
        trust_roles: set[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.trust_roles = trust_roles
        self.setup_role_fields(roles, schools, required=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_role_and_school(cleaned, self.trust_roles)
        return cleaned


class LinkParentForm(StridesForm):
    upn = forms.CharField(
        label="Child's UPN",
        max_length=13,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    relationship = forms.CharField(
        label="Relationship", required=False, max_length=40, help_text="For example mother, father, carer."
    )
