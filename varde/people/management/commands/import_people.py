from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from varde.people.importer import (
    MAX_BYTES,
    ImportCounts,
    ImportReport,
    import_apply,
    import_decode,
    import_parse,
)
from varde.people.models import ImportMapping, Municipality


class Command(BaseCommand):
    help = (
        "Import pupils and staff from a CSV export of the school administration system. "
        "Without --apply it is a dry run that lists every bad row and what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="the municipality's slug, e.g. lunner")
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--apply", action="store_true", help="import; without it nothing is saved"
        )
        parser.add_argument(
            "--new-school-year",
            action="store_true",
            help="the file holds every pupil: those missing from it have left",
        )
        parser.add_argument(
            "--confirm-duplicates",
            action="store_true",
            help="the rows warned as possible duplicates are different pupils: import them",
        )

    def handle(
        self,
        *args: Any,
        municipality: str,
        file: Path,
        apply: bool,
        confirm_duplicates: bool,
        new_school_year: bool = False,
        **options: Any,
    ) -> None:
        place = Municipality.objects.filter(slug=municipality).first()
        if place is None:
            raise CommandError(f"Fant ingen kommune med kortnavn «{municipality}».")
        text = import_decode(data=self._read(file))
        # The column choices saved on the import page.
        saved = ImportMapping.objects.filter(municipality=place).first()
        mapping = saved.columns if saved else {}
        if apply:
            report = import_apply(
                municipality=place,
                text=text,
                actor=None,
                confirmed_duplicates=confirm_duplicates,
                mapping=mapping,
                new_school_year=new_school_year,
            )
        else:
            report = import_parse(
                municipality=place, text=text, mapping=mapping, new_school_year=new_school_year
            )
        self._print(report, apply=apply)
        if report.errors:
            raise CommandError(f"{len(report.errors)} feil i filen; ingenting er importert.")
        if apply and report.needs_confirmation:
            raise CommandError(
                f"{len(report.warnings)} rader kan være elever Varde allerede har; ingenting er "
                "importert. Er det forskjellige elever, kjør igjen med --confirm-duplicates."
            )

    def _read(self, file: Path) -> bytes:
        try:
            with file.open("rb") as handle:
                # One byte more than allowed is enough for the importer to refuse the file.
                return handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {file}: {exc.strerror}") from exc

    def _print(self, report: ImportReport, *, apply: bool) -> None:
        for error in report.errors:
            self.stderr.write(str(error))
        for warning in report.warnings:
            self.stderr.write(f"{warning} (advarsel)")
        verbs = ("lagt til", "endret") if report.applied else ("nye", "endres")
        self.stdout.write(self._counts("Elever", report.pupils, verbs))
        self.stdout.write(self._counts("Ansatte", report.staff, verbs))
        if report.new_school_year:
            self.stdout.write(
                f"Nytt skoleår: {report.promoted} går opp et trinn, {report.left} har sluttet, "
                f"{report.moved} bytter skole"
            )
        for number, old, new in report.cases_moving:
            self.stdout.write(f"Sak {number} følger eleven fra {old} til {new}")
        self.stdout.write(
            self._counts("Foresatte", report.guardians, verbs)
            + f", {report.guardians_removed} {'fjernet' if report.applied else 'fjernes'}"
        )
        if report.applied:
            self.stdout.write(self.style.SUCCESS("Importert."))
        elif not report.errors and not apply and not report.warnings:
            self.stdout.write(
                "Prøvekjøring: ingenting er lagret. Kjør med --apply for å importere."
            )

    @staticmethod
    def _counts(label: str, counts: ImportCounts, verbs: tuple[str, str]) -> str:
        return (
            f"{label}: {counts.created} {verbs[0]}, {counts.updated} {verbs[1]}, "
            f"{counts.unchanged} uendret"
        )
