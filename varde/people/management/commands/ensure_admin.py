from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from varde.people.models import Municipality, RoleAssignment, User
from varde.people.roles import Role


class Command(BaseCommand):
    help = "Create the first administrator if there is none, and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="admin@varde.local")
        parser.add_argument("--municipality", default=settings.VARDE_DEFAULT_MUNICIPALITY)

    @transaction.atomic
    def handle(self, *args: Any, email: str, municipality: str, **options: Any) -> None:
        password_file = settings.DATA_DIR / "first-admin-password"
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = User.objects.create_superuser(email, password, full_name="Administrator")
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
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
        else:
            self.stdout.write("  password   (changed by the administrator; not shown)")
        self.stdout.write("")
