from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from varde.people.models import Municipality, RoleAssignment, User
from varde.people.roles import Role
from varde.people.signals import first_admin_password_file


class Command(BaseCommand):
    help = "Create the first administrator if there is none, and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="admin@varde.local")
        parser.add_argument("--municipality", default=settings.VARDE_DEFAULT_MUNICIPALITY)

    @transaction.atomic
    def handle(self, *args: Any, email: str, municipality: str, **options: Any) -> None:
        password_file = first_admin_password_file()
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = User.objects.create_superuser(email, password, full_name="Administrator")
            _write_private(password_file, password)
        place = Municipality.objects.filter(slug=municipality).first()
        if place and not RoleAssignment.objects.filter(user=admin, municipality=place).exists():
            RoleAssignment.objects.create(user=admin, role=Role.MUNICIPAL_ADMIN, municipality=place)
        url = f"{settings.SITE_URL}/konto/login/"
        self.stdout.write("")
        self.stdout.write("First administrator")
        self.stdout.write(f"  log in at  {url}")
        self.stdout.write(f"  e-mail     {admin.email}")
        if password_file.exists() and admin.check_password(password_file.read_text()):
            self.stdout.write(f"  password   {password_file.read_text()}")
            self.stdout.write(
                "  You will be asked to set up two-factor login (TOTP) at first login."
            )
            self.stdout.write(f"  {password_file} is removed at that first login.")
        else:
            # A password that no longer logs in is no secret worth keeping either.
            password_file.unlink(missing_ok=True)
            self.stdout.write("  password   (used or changed by the administrator; not shown)")
        self.stdout.write("")


def _write_private(path: Path, text: str) -> None:
    """Write the file readable by its owner only, from the first byte."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A file left by an earlier database is replaced, not reused with its old mode.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
