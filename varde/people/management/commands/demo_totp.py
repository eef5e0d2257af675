from __future__ import annotations

import time
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.people.demo import DemoRefused, demo_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user (fictional municipalities only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        now = time.time()
        try:
            code = demo_totp_code(email=email, at=now)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        # The code alone on standard output, so scripts can read it.
        self.stdout.write(code)
        left = mfa_settings.TOTP_PERIOD - int(now) % mfa_settings.TOTP_PERIOD
        self.stderr.write(f"Koden skifter om {left} sekunder.")
