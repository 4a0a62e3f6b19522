"""``strides create-trust``: the first step of a new installation — the trust and its first admin.

Everything after that (schools, users, roles, classes, term dates) is done in Strides itself.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from strides.accounts import services as accounts
from strides.accounts.models import User
from strides.accounts.roles import Role
from strides.organisations import services as organisations


class Command(BaseCommand):
    help = "Create the trust and its first trust admin (asks for the password, or reads it from stdin)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help='The trust\'s name, e.g. "Example Academy Trust".')
        parser.add_argument("--slug", help="Short name used in the database (default: from the name).")
        parser.add_argument("--admin", required=True, help="Username of the first trust admin.")
        parser.add_argument("--email", default="", help="The admin's email address.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the admin's password from standard input."
        )

    def handle(self, *args, **options) -> None:
        name = options["name"].strip()
        slug = options["slug"] or slugify(name)
        if not slug:
            raise CommandError(f"Cannot make a short name from {name!r}: give --slug.")
        username = options["admin"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"The username {username!r} is taken.")
        password = self._password(options["password_stdin"])
        probe = User(
            username=username,
            email=options["email"],
            first_name=options["first_name"],
            last_name=options["last_name"],
        )
        try:
            validate_password(password, probe)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
        try:
            with transaction.atomic():
                trust = organisations.create_trust(None, name, slug, reason="create-trust")
                admin = accounts.create_user(
                    None,
                    username,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    password=password,
                )
                accounts.grant_role(None, admin, Role.TRUST_ADMIN, trust)
        except (ValueError, ValidationError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            raise CommandError(" ".join(messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {trust.name} with trust admin {admin.username}.")
            + "\nSign in, set up two-factor, then add schools and users under Manage."
        )

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("No password on standard input.")
            return password
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for a password: use --password-stdin.")
        first = getpass.getpass("Password for the trust admin: ")
        if first != getpass.getpass("Again: "):
            raise CommandError("The passwords did not match.")
        return first
