"""Forms of the sign-in, two-factor, API token and user-management screens (the pieces every form
shares are in ``strides/forms.py``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from strides.accounts.models import User
from strides.accounts.roles import Role
from strides.forms import StridesForm

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
