from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from varde.people.demo import DemoLogin, DemoRefused, demo_load

HINT = (
    "Legg hemmeligheten inn i en autentiseringsapp, "
    "eller hent gjeldende kode med: manage.py demo_totp <e-post>"
)


class Command(BaseCommand):
    help = (
        "Load fictional demo data (Fjellvik and Nabovik) and print the demo logins. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--beside-real-data",
            action="store_true",
            help="load the demo on an installation that has real pupils too",
        )

    def handle(self, *args: Any, beside_real_data: bool = False, **options: Any) -> None:
        self.stdout.write(
            "FIKTIVE DATA: Fjellvik kommune og Nabovik kommune finnes ikke, "
            "og alle personer og elever er oppdiktet."
        )
        try:
            logins = demo_load(stdout=self.stdout, beside_real_data=beside_real_data)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        for line in login_table(logins):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(HINT)


def login_table(logins: list[DemoLogin]) -> list[str]:
    header = ("E-post", "Passord", "Rolle(r)", "TOTP-hemmelighet")
    rows = [
        (login.email, login.password, login.roles, login.totp_secret or "(ikke påkrevd)")
        for login in logins
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    return [line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]
