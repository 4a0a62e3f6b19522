"""``strides api-token USERNAME [--name NAME]``: make a personal API token and print it.

Only the token goes to standard output, so a script can capture it
(``TOKEN=$(strides api-token ada)``); everything else goes to standard error. The token is
shown this once: Strides keeps only its hash.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from strides.accounts.models import User
from strides.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (only the token, on standard output)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument(
            "--name",
            default="Command-line token",
            help="A name to recognise the token by (default: 'Command-line token').",
        )

    def handle(self, *args, **options) -> None:
        username = options["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if not user.is_active:
            raise CommandError(
                f"The account {user.username!r} is deactivated; a token for it would not work."
            )
        name = options["name"].strip()
        if len(name) > 100:
            raise CommandError(f"A token name has at most 100 characters; {name[:20]!r}… has {len(name)}.")
        try:
            token, secret = create_api_token(None, user, name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(secret)
        self.stderr.write(
            f"Token {token.prefix}… ({token.name!r}) created for {user.username}. "
            "Keep it safe: it is not shown again."
        )
