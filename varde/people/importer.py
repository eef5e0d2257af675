"""Import of pupils and staff from a CSV export of the school administration system.

import_parse checks a file and says what importing it would do; import_apply does
it, all or nothing, in one transaction. Both take decoded text; import_decode turns
an uploaded file's bytes into that text without ever failing, so a file that is not
UTF-8 is reported by import_parse like any other problem.

The file is the school administration system's truth for the rows it contains:
pupils and staff are created or brought up to date, roles are added but never
removed, and nobody missing from the file is touched.

An import creates and changes only the importing municipality's people. A staff row
may name an existing account only when that account belongs to the municipality
alone: it holds at least one role there, no role anywhere else (another
municipality's school or administration, or an SLT region, which is shared with
other municipalities), and it is not a superuser. Any other account is a row error,
so a file cannot rename, re-identify or give roles to someone another municipality
(or the installation) relies on. The rule reads only roles and the superuser flag,
so it holds the same way for an active and a deactivated account.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.cases.models import Case, Handover
from varde.cases.services import school_move_offer
from varde.lib.text import BIDI_CONTROLS, has_bidi_controls
from varde.people.access import pupil_subject
from varde.people.models import Guardian, Municipality, Pupil, RoleAssignment, School, User
from varde.people.roles import LEADERSHIP_ROLES, SCHOOL_ROLES, Role

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MIN_AGE = 4
MAX_AGE = 25
PUPIL = "elev"
STAFF = "ansatt"
GUARDIAN = "foresatt"
KINDS = (PUPIL, STAFF, GUARDIAN)
REASON = "Import fra skoleadministrativt system"

BASE_COLUMNS = ("type", "id", "fornavn", "etternavn", "skole")
PUPIL_COLUMNS = ("fodselsdato", "trinn")
STAFF_COLUMNS = ("epost", "roller")
GUARDIAN_COLUMNS = ("elev_id", "relasjon")
OPTIONAL_COLUMNS = (
    "kontaktlaerer_id",
    "telefon",
    "telefon2",
    "foreldreansvar",
    "bor_med_eleven",
    "sprak",
    "tolk",
    "sperre",
    "sperre_grunn",
)
COLUMNS = BASE_COLUMNS + PUPIL_COLUMNS + STAFF_COLUMNS + GUARDIAN_COLUMNS + OPTIONAL_COLUMNS

# Longer values are refused before any other check, so absurd input costs little.
MAX_LENGTH = {
    "type": 20,
    "id": 64,
    "fornavn": 100,
    "etternavn": 100,
    "fodselsdato": 20,
    "skole": 64,
    "trinn": 10,
    "kontaktlaerer_id": 64,
    "epost": 254,
    "roller": 500,
    "elev_id": 64,
    "relasjon": 40,
    "telefon": 40,
    "telefon2": 40,
    "foreldreansvar": 10,
    "bor_med_eleven": 10,
    "sprak": 60,
    "tolk": 10,
    "sperre": 40,
    "sperre_grunn": 500,
}
# The words a file may use for a guardian's relation and restriction, and for yes and no.
RELATIONS = {
    "mor": Guardian.Relation.MOTHER,
    "far": Guardian.Relation.FATHER,
    "foresatt": Guardian.Relation.GUARDIAN,
    "verge": Guardian.Relation.GUARDIAN,
    "annen": Guardian.Relation.GUARDIAN,
    "annen foresatt": Guardian.Relation.GUARDIAN,
    "fosterforelder": Guardian.Relation.FOSTER_PARENT,
    "fostermor": Guardian.Relation.FOSTER_PARENT,
    "fosterfar": Guardian.Relation.FOSTER_PARENT,
    "barnevern": Guardian.Relation.CHILD_WELFARE,
    "barneverntjenesten": Guardian.Relation.CHILD_WELFARE,
}
RESTRICTIONS = {
    "": "",
    "ikke kontakt": Guardian.Restriction.NO_CONTACT,
    "kontaktforbud": Guardian.Restriction.NO_CONTACT,
    "sperret adresse": Guardian.Restriction.CONFIDENTIAL_ADDRESS,
    "hemmelig adresse": Guardian.Restriction.CONFIDENTIAL_ADDRESS,
    "fortrolig adresse": Guardian.Restriction.CONFIDENTIAL_ADDRESS,
    "strengt fortrolig adresse": Guardian.Restriction.CONFIDENTIAL_ADDRESS,
}
YES = {"ja", "j", "x", "1", "true"}
NO = {"nei", "n", "0", "false"}
GUARDIAN_FIELDS = (
    "name",
    "relation",
    "phone",
    "phone_other",
    "email",
    "parental_responsibility",
    "lives_with_pupil",
    "language",
    "needs_interpreter",
    "restriction",
    "restriction_reason",
)
MAX_FULL_NAME = 200
PUPIL_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "school",
    "grade",
    "contact_teacher",
    "is_active",
)
_BATCH = 500

_HEADER_TRANSLATION = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_HEADER_ALIASES = {
    "e_post": "epost",
    "epostadresse": "epost",
    "kontaktlaerer": "kontaktlaerer_id",
    "kontaktlaererid": "kontaktlaerer_id",
    "elevid": "elev_id",
    "mobil": "telefon",
    "annen_telefon": "telefon2",
    "telefon_2": "telefon2",
    "bor_med_elev": "bor_med_eleven",
}
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DATE_NORWEGIAN = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_GRADE = re.compile(r"[0-9]{1,2}")
_ROLE_SEPARATOR = re.compile(r"[|,]")

Action = Literal["create", "update", "unchanged"]
T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"linje {self.line}: {self.message}"


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, action: Action) -> None:
        if action == "create":
            self.created += 1
        elif action == "update":
            self.updated += 1
        else:
            self.unchanged += 1

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class PupilRow:
    line: int
    external_id: str
    first_name: str
    last_name: str
    birth_date: dt.date
    school: School
    grade: int
    contact_teacher_id: str
    action: Action = "create"


@dataclass
class StaffRow:
    line: int
    external_id: str
    first_name: str
    last_name: str
    email: str
    school: School
    roles: tuple[str, ...]
    action: Action = "create"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class GuardianRow:
    line: int
    external_id: str
    pupil_id: str
    values: dict[str, Any]
    action: Action = "create"


@dataclass
class ImportReport:
    """What a file holds and what importing it does (or would do).

    rows holds the rows that passed every check; errors every problem found,
    ordered by line. The counts say what import_apply does with a clean file.
    """

    rows: list[PupilRow | StaffRow | GuardianRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows that may be a pupil Varde already has under another id: imported only when the
    # administrator confirms that they are different pupils.
    warnings: list[RowError] = field(default_factory=list)
    pupils: ImportCounts = field(default_factory=ImportCounts)
    staff: ImportCounts = field(default_factory=ImportCounts)
    guardians: ImportCounts = field(default_factory=ImportCounts)
    # Guardians of a pupil in the file who are no longer in it: removed from the register.
    guardians_removed: int = 0
    # A new school year: pupils moved up a grade, gone from the file (left), changed school,
    # and the open cases that move with them (case number, from school, to school).
    new_school_year: bool = False
    promoted: int = 0
    left: int = 0
    moved: int = 0
    cases_moving: list[tuple[int, str, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warnings) and not self.applied


@dataclass
class _Record:
    line: int
    fields: list[str]


@dataclass
class _Plan:
    """The report plus the unsaved objects import_apply writes."""

    report: ImportReport
    new_users: list[User] = field(default_factory=list)
    changed_users: dict[str, list[str]] = field(default_factory=dict)
    user_objects: dict[str, User] = field(default_factory=dict)
    new_roles: list[tuple[str, str, School]] = field(default_factory=list)
    new_pupils: list[tuple[Pupil, str]] = field(default_factory=list)
    changed_pupils: list[tuple[Pupil, str, tuple[str, ...]]] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)
    # Guardians: new ones by the external id of their pupil; changed ones with the fields.
    new_guardians: list[tuple[Guardian, str]] = field(default_factory=list)
    changed_guardians: list[tuple[Guardian, tuple[str, ...]]] = field(default_factory=list)
    removed_guardians: list[Guardian] = field(default_factory=list)
    # Who imported: named as who set a guardian's restriction.
    actor_label: str = ""
    left_pupils: list[Pupil] = field(default_factory=list)
    # Open cases of pupils who changed school: each offered to the new school's leadership.
    case_moves: list[tuple[Case, School, User]] = field(default_factory=list)


def import_decode(*, data: bytes) -> str:
    """Decode an uploaded file. Bytes that are not UTF-8 survive as lone surrogates,
    which import_parse reports as one clear message with the line they are on."""
    return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")


def import_parse(
    *,
    municipality: Municipality,
    text: str,
    mapping: dict[str, str] | None = None,
    new_school_year: bool = False,
) -> ImportReport:
    """Check a file and count what importing it would create, update or leave alone.
    `mapping` names Varde's column for a header cell the file names its own way. A file for a
    `new_school_year` holds every pupil: those missing from it have left."""
    return _plan(
        municipality=municipality, text=text, mapping=mapping, new_school_year=new_school_year
    ).report


def import_apply(
    *,
    municipality: Municipality,
    text: str,
    actor: User | None,
    confirmed_duplicates: bool = False,
    mapping: dict[str, str] | None = None,
    new_school_year: bool = False,
) -> ImportReport:
    """Import a clean file in one transaction; a file with any error imports nothing, and a
    file with possible duplicates only when the administrator has confirmed them."""
    with transaction.atomic():
        plan = _plan(
            municipality=municipality, text=text, mapping=mapping, new_school_year=new_school_year
        )
        if plan.report.errors or (plan.report.warnings and not confirmed_duplicates):
            return plan.report
        plan.actor_label = actor.full_name if actor else ""
        _write(plan=plan, municipality=municipality)
        _write_school_year(plan=plan, actor=actor)
        _audit(plan=plan, municipality=municipality, actor=actor, text=text)
    plan.report.applied = True
    return plan.report


# Reading the file.


def _plan(
    *,
    municipality: Municipality,
    text: str,
    mapping: dict[str, str] | None = None,
    new_school_year: bool = False,
) -> _Plan:
    plan = _Plan(report=ImportReport(new_school_year=new_school_year))
    errors = plan.report.errors
    text = text.removeprefix("\ufeff")
    records = _read_file(text, errors)
    if records is not None:
        rows, staff_ids = _read_rows(records, municipality, errors, mapping or {})
        _compare(rows, staff_ids, municipality, plan)
    errors.sort(key=lambda error: error.line)
    plan.report.warnings.sort(key=lambda warning: warning.line)
    return plan


def _read_file(text: str, errors: list[RowError]) -> list[_Record] | None:
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        errors.append(RowError(1, _("Filen er større enn 10 MB. Del den opp i flere filer.")))
        return None
    bad = _SURROGATE.search(text)
    if bad:
        line = len(_NEWLINE.findall(text, 0, bad.start())) + 1
        message = _(
            "Filen er ikke lagret som UTF-8 (første ugyldige tegn er på denne linjen). "
            "Lagre den som «CSV UTF-8» i regnearket og prøv igjen."
        )
        errors.append(RowError(line, message))
        return None
    records = _records(text, errors)
    if records is None:
        message = _("Filen har flere enn 20 000 rader. Del den opp i flere filer.")
        errors.append(RowError(1, message))
        return None
    if not records:
        errors.append(RowError(1, _("Filen er tom.")))
        return None
    return records


def _records(text: str, errors: list[RowError]) -> list[_Record] | None:
    """Non-blank CSV records with the line each starts on, or None past MAX_ROWS."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[_Record] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return records
        except csv.Error:
            errors.append(RowError(start, _("Linjen kunne ikke leses: et felt er altfor langt.")))
            if reader.line_num < start:
                return records
            continue
        if any(value.strip() for value in fields):
            records.append(_Record(start, fields))
            if len(records) > MAX_ROWS + 1:
                return None


@dataclass(frozen=True)
class PreviewColumn:
    header: str
    column: str  # the Varde column it is read as ("" for none)
    samples: tuple[str, ...]


PREVIEW_ROWS = 3


def import_preview(*, text: str, mapping: dict[str, str] | None = None) -> list[PreviewColumn]:
    """The file's columns as the import reads them, with the first rows' values, for the
    administrator to check and map before anything is imported."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[str]] = []
    try:
        for fields in reader:
            if any(value.strip() for value in fields):
                rows.append(fields)
            if len(rows) > PREVIEW_ROWS:
                break
    except csv.Error:
        pass
    if not rows:
        return []
    header, data = rows[0], rows[1:]
    found = []
    for index, cell in enumerate(header):
        name = _column_name(cell, mapping)
        samples = tuple(row[index][:60] if index < len(row) else "" for row in data)
        found.append(PreviewColumn(cell.strip()[:100], name if name in COLUMNS else "", samples))
    return found


def _delimiter(text: str) -> str:
    """The header names no value with a comma or semicolon, so it tells them apart."""
    header = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def mapping_key(cell: str) -> str:
    """How a header cell is remembered in a saved mapping."""
    return " ".join(cell.strip().lower().split())


def _column_name(cell: str, mapping: dict[str, str] | None = None) -> str:
    chosen = (mapping or {}).get(mapping_key(cell))
    if chosen is not None:
        return chosen
    name = cell.strip().lower().translate(_HEADER_TRANSLATION)
    name = re.sub(r"[\s-]+", "_", name)
    return _HEADER_ALIASES.get(name, name)


def _columns(
    header: _Record, errors: list[RowError], mapping: dict[str, str]
) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header.fields):
        name = _column_name(cell, mapping)
        if name not in COLUMNS:
            continue
        if name in columns:
            message = _("Kolonnen «%(name)s» står flere ganger i overskriften.") % {"name": name}
            errors.append(RowError(header.line, message))
            return None
        columns[name] = index
    return columns


def _missing_columns(
    columns: dict[str, int], kinds: set[str], line: int, errors: list[RowError]
) -> bool:
    wanted = [name for name in BASE_COLUMNS if name != "skole" or kinds & {PUPIL, STAFF}]
    if GUARDIAN in kinds:
        wanted += GUARDIAN_COLUMNS
    if PUPIL in kinds:
        wanted += PUPIL_COLUMNS
    if STAFF in kinds:
        wanted += STAFF_COLUMNS
    missing = [name for name in wanted if name not in columns]
    if missing:
        names = ", ".join(f"«{name}»" for name in missing)
        errors.append(RowError(line, _("Mangler påkrevd kolonne: %(names)s.") % {"names": names}))
    return bool(missing)


# Checking each row on its own.


def _quote(value: str) -> str:
    return f"«{value[:40]}…»" if len(value) > 40 else f"«{value}»"


def _read_rows(
    records: list[_Record],
    municipality: Municipality,
    errors: list[RowError],
    mapping: dict[str, str],
) -> tuple[list[PupilRow | StaffRow | GuardianRow], set[str]]:
    """The rows that pass their own checks, and the staff ids on every staff line."""
    header, data = records[0], records[1:]
    columns = _columns(header, errors, mapping)
    if columns is None:
        return [], set()
    kinds = {_cell(record, columns, "type").strip().lower() for record in data}
    if _missing_columns(columns, kinds, header.line, errors):
        return [], set()
    schools = {school.external_id: school for school in municipality.schools.all()}
    context = _RowContext(columns, len(header.fields), schools, timezone.localdate())
    rows: list[PupilRow | StaffRow | GuardianRow] = []
    for record in data:
        problems: list[str] = []
        row = context.row(record, problems)
        errors.extend(RowError(record.line, problem) for problem in problems)
        if row is not None and not problems:
            rows.append(row)
    return rows, {external_id for kind, external_id in context.seen if kind == STAFF}


def _cell(record: _Record, columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return record.fields[index] if index is not None and index < len(record.fields) else ""


@dataclass
class _RowContext:
    columns: dict[str, int]
    width: int
    schools: dict[str, School]
    today: dt.date
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def row(self, record: _Record, problems: list[str]) -> PupilRow | StaffRow | GuardianRow | None:
        values = self.values(record, problems)
        if values is None:
            return None
        kind = values["type"].lower()
        if kind not in KINDS:
            problems.append(
                _("Ukjent type %(value)s. Bruk «elev», «ansatt» eller «foresatt».")
                % {"value": _quote(values["type"])}
            )
            return None
        if kind == GUARDIAN:
            # One guardian is often guardian of two pupils: unique per pupil.
            key = f"{values['elev_id']}/{values['id']}" if values["id"] else ""
            self.check_duplicate(kind, key, record.line, problems)
            return self.guardian(record.line, values, problems)
        self.check_duplicate(kind, values["id"], record.line, problems)
        if kind == PUPIL:
            return self.pupil(record.line, values, problems)
        return self.staff(record.line, values, problems)

    def values(self, record: _Record, problems: list[str]) -> dict[str, str] | None:
        extra = record.fields[self.width :]
        if any(value.strip() for value in extra):
            problems.append(
                _(
                    "Linjen har %(count)s felt, men overskriften har %(width)s. Sett "
                    "anførselstegn rundt verdier som inneholder skilletegnet."
                )
                % {"count": len(record.fields), "width": self.width}
            )
            return None
        values = {name: _cell(record, self.columns, name).strip() for name in COLUMNS}
        for name, value in values.items():
            problem = _check_text(name, value)
            if problem:
                problems.append(problem)
        return None if problems else values

    def check_duplicate(self, kind: str, external_id: str, line: int, problems: list[str]) -> None:
        # A member of staff at two schools has one row per school; _compare_staff checks
        # that the rows are the same person.
        if not external_id or kind == STAFF:
            return
        first = self.seen.setdefault((kind, external_id), line)
        if first != line:
            label = {PUPIL: _("Elev-ID"), STAFF: _("Ansatt-ID"), GUARDIAN: _("Foresatt-ID")}[kind]
            problems.append(
                _("%(label)s %(id)s står to ganger i filen (linje %(first)s og %(line)s).")
                % {"label": label, "id": _quote(external_id), "first": first, "line": line}
            )

    def common(self, values: dict[str, str], problems: list[str]) -> School | None:
        for name in ("id", "fornavn", "etternavn", "skole"):
            if not values[name]:
                problems.append(_("Mangler verdi i kolonnen «%(name)s».") % {"name": name})
        school = self.schools.get(values["skole"])
        if values["skole"] and school is None:
            problems.append(_("Ukjent skole %(value)s.") % {"value": _quote(values["skole"])})
        return school

    def pupil(self, line: int, values: dict[str, str], problems: list[str]) -> PupilRow | None:
        school = self.common(values, problems)
        birth_date = _birth_date(values["fodselsdato"], self.today, problems)
        grade = _grade(values["trinn"], problems)
        if school is not None and grade is not None and grade not in school.grades:
            problems.append(
                _("Trinn %(grade)s finnes ikke ved %(school)s (%(first)s.–%(last)s. trinn).")
                % {
                    "grade": grade,
                    "school": school.name,
                    "first": school.grades.start,
                    "last": school.grades.stop - 1,
                }
            )
        if problems or school is None or birth_date is None or grade is None:
            return None
        return PupilRow(
            line=line,
            external_id=values["id"],
            first_name=values["fornavn"],
            last_name=values["etternavn"],
            birth_date=birth_date,
            school=school,
            grade=grade,
            contact_teacher_id=values["kontaktlaerer_id"],
        )

    def guardian(
        self, line: int, values: dict[str, str], problems: list[str]
    ) -> GuardianRow | None:
        for name in ("id", "fornavn", "etternavn", "elev_id", "relasjon"):
            if not values[name]:
                problems.append(_("Mangler verdi i kolonnen «%(name)s».") % {"name": name})
        fields = _guardian_values(values, problems)
        if values["epost"]:
            _email(values["epost"], problems)
        if problems:
            return None
        return GuardianRow(line, values["id"], values["elev_id"], fields)

    def staff(self, line: int, values: dict[str, str], problems: list[str]) -> StaffRow | None:
        school = self.common(values, problems)
        email = _email(values["epost"], problems)
        roles = _roles(values["roller"], problems)
        if len(values["fornavn"]) + len(values["etternavn"]) + 1 > MAX_FULL_NAME:
            problems.append(_("Navnet er for langt (maks %(max)s tegn).") % {"max": MAX_FULL_NAME})
        if problems or school is None or email is None:
            return None
        return StaffRow(
            line=line,
            external_id=values["id"],
            first_name=values["fornavn"],
            last_name=values["etternavn"],
            email=email,
            school=school,
            roles=roles,
        )


def _yes_no(name: str, value: str, default: bool, problems: list[str]) -> bool:
    word = value.strip().lower()
    if not word:
        return default
    if word in YES:
        return True
    if word in NO:
        return False
    problems.append(
        _("Kolonnen «%(name)s» må være «ja» eller «nei» (fikk %(value)s).")
        % {"name": name, "value": _quote(value)}
    )
    return default


def _guardian_values(values: dict[str, str], problems: list[str]) -> dict[str, Any]:
    relation = RELATIONS.get(values["relasjon"].strip().lower())
    if relation is None:
        problems.append(
            _("Ukjent relasjon %(value)s. Bruk mor, far, foresatt, fosterforelder eller barnevern.")
            % {"value": _quote(values["relasjon"])}
        )
    restriction = RESTRICTIONS.get(" ".join(values["sperre"].lower().replace("_", " ").split()))
    if restriction is None:
        problems.append(
            _(
                "Ukjent sperre %(value)s. Bruk «ikke kontakt» eller «sperret adresse», "
                "eller la feltet stå tomt."
            )
            % {"value": _quote(values["sperre"])}
        )
    if restriction and not values["sperre_grunn"]:
        problems.append(_("Skriv hvorfor i kolonnen «sperre_grunn» når en foresatt har sperre."))
    return {
        "name": f"{values['fornavn']} {values['etternavn']}",
        "relation": relation or "",
        "phone": values["telefon"],
        "phone_other": values["telefon2"],
        "email": values["epost"],
        "parental_responsibility": _yes_no(
            "foreldreansvar", values["foreldreansvar"], True, problems
        ),
        "lives_with_pupil": _yes_no("bor_med_eleven", values["bor_med_eleven"], True, problems),
        "language": values["sprak"],
        "needs_interpreter": _yes_no("tolk", values["tolk"], False, problems),
        "restriction": restriction or "",
        "restriction_reason": values["sperre_grunn"] if restriction else "",
    }


def _check_text(name: str, value: str) -> str | None:
    if "\x00" in value:
        return _("Kolonnen «%(name)s» inneholder NUL-tegn.") % {"name": name}
    if _CONTROL.search(value):
        return _(
            "Kolonnen «%(name)s» inneholder linjeskift eller kontrolltegn "
            "(mangler det et avsluttende anførselstegn?)."
        ) % {"name": name}
    if has_bidi_controls(value):
        # Every cell, not only the names: an id or e-mail address is shown in lists too, and
        # a reversed one can be made to look like another just as a name can.
        control = next(character for character in value if character in BIDI_CONTROLS)
        return _(
            "Kolonnen «%(name)s» inneholder et usynlig retningstegn (%(code)s) som kan få "
            "teksten til å vises baklengs eller i feil rekkefølge. Fjern tegnet og prøv igjen."
        ) % {"name": name, "code": f"U+{ord(control):04X}"}
    if len(value) > MAX_LENGTH[name]:
        return _("Verdien i kolonnen «%(name)s» er for lang (%(length)s tegn, maks %(max)s).") % {
            "name": name,
            "length": len(value),
            "max": MAX_LENGTH[name],
        }
    return None


def _parse_date(value: str) -> dt.date | None:
    if match := _DATE_NORWEGIAN.fullmatch(value):
        day, month, year = match.groups()
    elif match := _DATE_ISO.fullmatch(value):
        year, month, day = match.groups()
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _birth_date(value: str, today: dt.date, problems: list[str]) -> dt.date | None:
    if not value:
        problems.append(_("Mangler verdi i kolonnen «fodselsdato»."))
        return None
    born = _parse_date(value)
    if born is None:
        problems.append(
            _("Ugyldig dato %(value)s. Bruk DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD.")
            % {"value": _quote(value)}
        )
        return None
    if born > today:
        problems.append(_("Fødselsdatoen %(value)s er fram i tid.") % {"value": _quote(value)})
        return None
    age = today.year - born.year - int((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        problems.append(
            _(
                "Fødselsdatoen %(value)s gir alder %(age)s år; "
                "en elev må være mellom %(min)s og %(max)s år."
            )
            % {"value": _quote(value), "age": age, "min": MIN_AGE, "max": MAX_AGE}
        )
        return None
    return born


def _grade(value: str, problems: list[str]) -> int | None:
    if _GRADE.fullmatch(value) and 1 <= int(value) <= 13:
        return int(value)
    message = _("Trinn må være et tall fra 1 til 13 (fikk %(value)s).")
    problems.append(message % {"value": _quote(value)})
    return None


def _email(value: str, problems: list[str]) -> str | None:
    if not value:
        problems.append(_("Mangler verdi i kolonnen «epost»."))
        return None
    try:
        validate_email(value)
    except ValidationError:
        problems.append(_("Ugyldig e-postadresse %(value)s.") % {"value": _quote(value)})
        return None
    return value.lower()


@functools.cache
def _role_names() -> dict[str, str]:
    """Role keys and Norwegian labels, lower-cased, for every role a file may give."""
    names: dict[str, str] = {}
    with translation.override("nb"):
        for role in Role:
            names[role.value.lower()] = role.value
            names[str(role.label).lower()] = role.value
    return names


def _roles(value: str, problems: list[str]) -> tuple[str, ...]:
    names = _role_names()
    roles: list[str] = []
    before = len(problems)
    for part in _ROLE_SEPARATOR.split(value):
        name = part.strip()
        if not name:
            continue
        role = names.get(name.lower())
        if role is None:
            problems.append(_("Ukjent rolle %(value)s.") % {"value": _quote(name)})
        elif role not in SCHOOL_ROLES:
            problems.append(
                _("Rollen %(value)s gjelder ikke en skole og kan ikke gis ved import.")
                % {"value": _quote(name)}
            )
        elif role not in roles:
            roles.append(role)
    # A value of only separators names no role either; an account created without one would
    # belong to no municipality, and the next import of the same file would refuse it.
    if not roles and len(problems) == before:
        problems.append(_("Mangler verdi i kolonnen «roller»."))
    return tuple(roles)


# Checking rows against each other and against the database.


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _users_by_email(emails: Iterable[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for batch in _chunks(sorted(set(emails))):
        found = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=batch)
        users.update({user.email.lower(): user for user in found})
    return users


def _staff_by_external_id(municipality: Municipality, ids: Iterable[str]) -> dict[str, list[User]]:
    """Users with a role in the municipality, by their external id."""
    where = Q(role_assignments__school__municipality=municipality) | Q(
        role_assignments__municipality=municipality
    )
    staff: dict[str, list[User]] = defaultdict(list)
    for batch in _chunks(sorted({i for i in ids if i})):
        for user in User.objects.filter(where, external_id__in=batch).distinct():
            staff[user.external_id].append(user)
    return staff


def _pupils_by_external_id(municipality: Municipality, ids: Iterable[str]) -> dict[str, Pupil]:
    pupils: dict[str, Pupil] = {}
    for batch in _chunks(sorted(set(ids))):
        found = Pupil.objects.filter(municipality=municipality, external_id__in=batch)
        pupils.update({pupil.external_id: pupil for pupil in found})
    return pupils


@dataclass
class _Holdings:
    """The roles of the accounts a file names, and where they are held."""

    held: set[tuple[int, str, int]] = field(default_factory=set)
    here: set[int] = field(default_factory=set)
    elsewhere: set[int] = field(default_factory=set)

    def belongs_here(self, user: User) -> bool:
        """Whether the account is the importing municipality's alone (module docstring)."""
        return not user.is_superuser and user.pk in self.here and user.pk not in self.elsewhere


def _role_holdings(users: Iterable[User], municipality: Municipality) -> _Holdings:
    holdings = _Holdings()
    for batch in _chunks(sorted(user.pk for user in users)):
        found = RoleAssignment.objects.filter(user_id__in=batch).values_list(
            "user_id", "role", "school_id", "school__municipality_id", "municipality_id"
        )
        for user_id, role, school_id, school_municipality_id, municipality_id in found:
            # A role held in an SLT region has neither a school nor a municipality: it is
            # shared with the region's other municipalities, so it counts as elsewhere.
            place = school_municipality_id if school_id else municipality_id
            if place == municipality.pk:
                holdings.here.add(user_id)
            else:
                holdings.elsewhere.add(user_id)
            if school_id:
                holdings.held.add((user_id, role, school_id))
    return holdings


def _compare(
    rows: list[PupilRow | StaffRow | GuardianRow],
    staff_ids: set[str],
    municipality: Municipality,
    plan: _Plan,
) -> None:
    staff_rows = [row for row in rows if isinstance(row, StaffRow)]
    pupil_rows = [row for row in rows if isinstance(row, PupilRow)]
    guardian_rows = [row for row in rows if isinstance(row, GuardianRow)]
    contact_ids = {row.contact_teacher_id for row in pupil_rows}
    known = _staff_by_external_id(municipality, {r.external_id for r in staff_rows} | contact_ids)
    teachers = _compare_staff(staff_rows, known, municipality, plan)
    # A contact teacher whose own line is wrong is reported on that line, not again on each
    # of their pupils; the file will not be imported, so those pupils are planned without one.
    broken = dict.fromkeys(staff_ids - teachers.keys(), "")
    _compare_pupils(pupil_rows, municipality, known, teachers | broken, plan)
    _compare_guardians(guardian_rows, pupil_rows, municipality, plan)
    _compare_school_year(pupil_rows, municipality, plan)
    failed = {error.line for error in plan.report.errors}
    plan.report.rows = [row for row in rows if row.line not in failed]
    plan.report.warnings = _possible_duplicates(
        [row for row in pupil_rows if row.line not in failed], municipality
    )


def _compare_staff(
    rows: list[StaffRow],
    known: dict[str, list[User]],
    municipality: Municipality,
    plan: _Plan,
) -> dict[str, str]:
    """Check staff rows against each other and the database; return email by external id."""
    existing = _users_by_email(row.email for row in rows)
    holdings = _role_holdings(existing.values(), municipality)
    first: dict[str, StaffRow] = {}
    first_by_id: dict[str, StaffRow] = {}
    teachers: dict[str, str] = {}
    for row in rows:
        user = existing.get(row.email)
        earlier = first.setdefault(row.email, row)
        earlier_id = first_by_id.setdefault(row.external_id, row)
        if earlier is not row or earlier_id is not row:
            problems = _another_school(row, earlier, earlier_id)
            if problems:
                plan.report.errors.extend(RowError(row.line, problem) for problem in problems)
            elif row.email in plan.user_objects:
                _plan_roles_at_another_school(row, plan, holdings.held)
            continue
        problems = []
        if user is not None and not holdings.belongs_here(user):
            # Said instead of the other checks, which would describe the account's id.
            problems.append(_not_ours(row.email, municipality))
        else:
            problems += _staff_conflicts(row, user, known)
        if problems:
            plan.report.errors.extend(RowError(row.line, problem) for problem in problems)
            continue
        teachers[row.external_id] = row.email
        _plan_staff(row, user, holdings.held, plan)
    return teachers


def _not_ours(email: str, municipality: Municipality) -> str:
    return _(
        "E-postadressen %(email)s tilhører en konto som importen ikke kan endre. En import "
        "endrer bare kontoer som har roller i %(municipality)s og ingen roller andre steder "
        "(i en annen kommune eller i et SLT-samarbeid), og aldri en superbruker. Ta linjen ut "
        "av filen. Skal personen arbeide hos dere, kan en administrator gi rollen under "
        "«Brukere og tilganger»."
    ) % {"email": _quote(email), "municipality": municipality.name}


def _another_school(row: StaffRow, earlier: StaffRow, earlier_id: StaffRow) -> list[str]:
    """A second row of one person is their roles at another school: the same id, e-mail and
    name, a school not named before for them."""
    if earlier_id is not row and earlier_id.email != row.email:
        return [
            _("Ansatt-ID %(id)s står også på linje %(first)s, med en annen e-postadresse.")
            % {"id": _quote(row.external_id), "first": earlier_id.line}
        ]
    if earlier.external_id != row.external_id:
        return [
            _("E-postadressen %(email)s står også på linje %(first)s, med en annen ansatt-ID.")
            % {"email": _quote(row.email), "first": earlier.line}
        ]
    if earlier.full_name != row.full_name:
        return [
            _("Ansatt-ID %(id)s står også på linje %(first)s, med et annet navn.")
            % {"id": _quote(row.external_id), "first": earlier.line}
        ]
    if earlier.school.pk == row.school.pk:
        return [
            _("Ansatt-ID %(id)s står to ganger for samme skole (linje %(first)s og %(line)s).")
            % {"id": _quote(row.external_id), "first": earlier.line, "line": row.line}
        ]
    return []


def _plan_roles_at_another_school(
    row: StaffRow, plan: _Plan, held: set[tuple[int, str, int]]
) -> None:
    user = plan.user_objects[row.email]
    missing = [role for role in row.roles if (user.pk, role, row.school.pk) not in held]
    plan.new_roles.extend((row.email, role, row.school) for role in missing)
    row.action = "unchanged"
    if user.pk is not None and missing:
        if row.email not in plan.changed_users:
            plan.changed_users[row.email] = []
            plan.report.staff.unchanged -= 1
            plan.report.staff.updated += 1
        plan.changed_users[row.email] += [f"role:{role}" for role in missing]


def _staff_conflicts(row: StaffRow, user: User | None, known: dict[str, list[User]]) -> list[str]:
    problems = []
    if user is not None and user.external_id and user.external_id != row.external_id:
        problems.append(
            _("E-postadressen %(email)s brukes allerede av en ansatt med annen ID (%(id)s).")
            % {"email": _quote(row.email), "id": _quote(user.external_id)}
        )
    others = [u for u in known.get(row.external_id, []) if u.email.lower() != row.email]
    if others:
        problems.append(
            _("Ansatt-ID %(id)s er allerede knyttet til e-postadressen %(email)s.")
            % {"id": _quote(row.external_id), "email": _quote(others[0].email)}
        )
    return problems


def _plan_staff(
    row: StaffRow, user: User | None, held: set[tuple[int, str, int]], plan: _Plan
) -> None:
    plan.emails.add(row.email)
    changed: list[str] = []
    if user is None:
        user = User(email=row.email, full_name=row.full_name, external_id=row.external_id)
        missing = list(row.roles)
    else:
        missing = [role for role in row.roles if (user.pk, role, row.school.pk) not in held]
        changed = [
            name
            for name, value in (("external_id", row.external_id), ("full_name", row.full_name))
            if getattr(user, name) != value
        ]
        user.external_id, user.full_name = row.external_id, row.full_name
    problem = _validation_problem(user, exclude=["password"], unique=False)
    if problem:
        plan.report.errors.append(RowError(row.line, problem))
        return
    plan.user_objects[row.email] = user
    plan.new_roles.extend((row.email, role, row.school) for role in missing)
    row.action = "create" if user.pk is None else "update" if changed or missing else "unchanged"
    if user.pk is None:
        plan.new_users.append(user)
    elif row.action == "update":
        plan.changed_users[row.email] = changed + [f"role:{role}" for role in missing]
    plan.report.staff.add(row.action)


def _validation_problem(instance: Any, *, exclude: list[str], unique: bool) -> str | None:
    """full_clean without the queries for foreign keys and uniqueness checked above."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=unique, validate_constraints=unique)
    except ValidationError as error:
        return "; ".join(str(message) for message in error.messages)
    return None


def _contact_email(
    row: PupilRow, known: dict[str, list[User]], teachers: dict[str, str], report: ImportReport
) -> str | None:
    """The contact teacher's e-mail ("" for none), or None after reporting a problem."""
    wanted = row.contact_teacher_id
    if not wanted:
        return ""
    if wanted in teachers:
        return teachers[wanted]
    found = known.get(wanted, [])
    if len(found) == 1:
        return found[0].email.lower()
    if found:
        message = _("Kontaktlærer-ID %(id)s passer til flere ansatte i kommunen.")
    else:
        message = _("Fant ingen ansatt med kontaktlærer-ID %(id)s i filen eller i kommunen.")
    report.errors.append(RowError(row.line, message % {"id": _quote(wanted)}))
    return None


def _compare_pupils(
    rows: list[PupilRow],
    municipality: Municipality,
    known: dict[str, list[User]],
    teachers: dict[str, str],
    plan: _Plan,
) -> None:
    existing = _pupils_by_external_id(municipality, (row.external_id for row in rows))
    teacher_ids = {user.email.lower(): user.pk for users in known.values() for user in users} | {
        email: user.pk for email, user in plan.user_objects.items()
    }
    for row in rows:
        email = _contact_email(row, known, teachers, plan.report)
        if email is None:
            continue
        if email:
            plan.emails.add(email)
        pupil = existing.get(row.external_id) or Pupil(
            municipality=municipality, external_id=row.external_id
        )
        teacher_id = teacher_ids.get(email) if email else None
        changed = _pupil_changes(pupil, row, teacher_id, email)
        _set_pupil(pupil, row)
        problem = _validation_problem(
            pupil, exclude=["municipality", "school", "contact_teacher"], unique=False
        )
        if problem:
            plan.report.errors.append(RowError(row.line, problem))
            continue
        row.action = "create" if pupil.pk is None else "update" if changed else "unchanged"
        if pupil.pk is None:
            plan.new_pupils.append((pupil, email))
        elif changed:
            plan.changed_pupils.append((pupil, email, changed))
        plan.report.pupils.add(row.action)


def _compare_school_year(rows: list[PupilRow], municipality: Municipality, plan: _Plan) -> None:
    """Grades moved up, pupils who changed school (their open cases offered to the new
    school's leadership), and, for a new school year, pupils no longer in the file."""
    changed = {pupil.external_id: fields for pupil, _e, fields in plan.changed_pupils}
    before = _pupils_by_external_id(municipality, changed)
    moved: dict[int, tuple[PupilRow, School]] = {}
    for row in rows:
        fields = changed.get(row.external_id)
        if fields is None:
            continue
        old = before[row.external_id]
        if "grade" in fields and row.grade > old.grade:
            plan.report.promoted += 1
        if "school" in fields:
            plan.report.moved += 1
            moved[old.pk] = (row, row.school)
    _plan_case_moves(moved, plan)
    if plan.report.new_school_year:
        listed = {row.external_id for row in rows}
        plan.left_pupils = [
            pupil
            for pupil in Pupil.objects.filter(municipality=municipality, is_active=True)
            if pupil.external_id not in listed
        ]
        plan.report.left = len(plan.left_pupils)


def _plan_case_moves(moved: dict[int, tuple[PupilRow, School]], plan: _Plan) -> None:
    if not moved:
        return
    leaders: dict[int, list[User]] = defaultdict(list)
    schools = {school.pk for _row, school in moved.values()}
    # The principal before the deputy ("deputy" < "principal", so sorted the other way).
    for role in (
        RoleAssignment.objects.filter(
            school_id__in=schools, role__in=LEADERSHIP_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("-role", "user_id")
    ):
        leaders[role.school_id].append(role.user)
    cases = Case.objects.filter(pupil_id__in=moved, status=Case.Status.OPEN).select_related(
        "school"
    )
    for case in cases:
        row, school = moved[case.pupil_id]
        if case.school_id == school.pk:
            continue
        if not leaders[school.pk]:
            message = _(
                "Eleven har en åpen sak som følger med til %(school)s, men skolen har ingen "
                "rektor eller inspektør i Varde til å ta imot den. Gi rollen først."
            )
            plan.report.errors.append(RowError(row.line, message % {"school": school.name}))
            continue
        if case.handovers.filter(state=Handover.State.WAITING).exists():
            message = _(
                "Eleven har en åpen sak med en overføring som venter på svar. Den må besvares "
                "før saken kan følge eleven til %(school)s."
            )
            plan.report.errors.append(RowError(row.line, message % {"school": school.name}))
            continue
        plan.case_moves.append((case, school, leaders[school.pk][0]))
        plan.report.cases_moving.append((case.pk, case.school.name, school.name))


def _write_school_year(*, plan: _Plan, actor: User | None) -> None:
    if plan.left_pupils:
        Pupil.objects.filter(pk__in=[p.pk for p in plan.left_pupils]).update(is_active=False)
        _audit_group(
            actor,
            AuditAction.UPDATE,
            "pupil",
            [pupil_subject(p) for p in plan.left_pupils],
            {"fields": ["is_active"], "school_year": "left"},
        )
    for case, school, leader in plan.case_moves:
        school_move_offer(case=case, to_school=school, to_user=leader, actor=actor)


def _compare_guardians(
    rows: list[GuardianRow], pupil_rows: list[PupilRow], municipality: Municipality, plan: _Plan
) -> None:
    """Guardians are matched by their pupil and their id. A pupil with guardian rows in the
    file has exactly those guardians after the import: one no longer listed is removed."""
    in_file = {row.external_id for row in pupil_rows}
    existing = _pupils_by_external_id(municipality, {row.pupil_id for row in rows})
    known: dict[tuple[int, str], Guardian] = {}
    for batch in _chunks(sorted(pupil.pk for pupil in existing.values())):
        for guardian in Guardian.objects.filter(pupil_id__in=batch).select_related("pupil"):
            known[(guardian.pupil_id, guardian.external_id)] = guardian
    listed: set[tuple[int, str]] = set()
    for row in rows:
        pupil = existing.get(row.pupil_id)
        if pupil is None and row.pupil_id not in in_file:
            message = _("Fant ingen elev med elev-ID %(id)s i filen eller i kommunen.")
            plan.report.errors.append(RowError(row.line, message % {"id": _quote(row.pupil_id)}))
            continue
        guardian = known.get((pupil.pk, row.external_id)) if pupil else None
        if guardian is None:
            guardian = Guardian(external_id=row.external_id, pupil=pupil, **row.values)
            problem = _validation_problem(guardian, exclude=["pupil"], unique=False)
            if problem:
                plan.report.errors.append(RowError(row.line, problem))
                continue
            plan.new_guardians.append((guardian, row.pupil_id))
            row.action = "create"
        else:
            listed.add((guardian.pupil_id, guardian.external_id))
            changed = tuple(n for n, v in row.values.items() if getattr(guardian, n) != v)
            for name, value in row.values.items():
                setattr(guardian, name, value)
            row.action = "update" if changed else "unchanged"
            if changed:
                plan.changed_guardians.append((guardian, changed))
        plan.report.guardians.add(row.action)
    with_rows = {existing[row.pupil_id].pk for row in rows if row.pupil_id in existing}
    plan.removed_guardians = [
        guardian for key, guardian in known.items() if key[0] in with_rows and key not in listed
    ]
    plan.report.guardians_removed = len(plan.removed_guardians)


def _same_person(first_name: str, last_name: str, birth_date: dt.date) -> tuple[str, str, dt.date]:
    return (first_name.casefold(), last_name.casefold(), birth_date)


def _possible_duplicates(rows: list[PupilRow], municipality: Municipality) -> list[RowError]:
    """Rows whose name and birth date match another pupil's under another id, in the file or
    already in Varde: two records of one pupil, unless they are two pupils (it happens)."""
    known: dict[tuple[str, str, dt.date], set[str]] = defaultdict(set)
    for batch in _chunks(sorted({row.birth_date for row in rows})):
        found = Pupil.objects.filter(municipality=municipality, birth_date__in=batch)
        for first_name, last_name, birth_date, external_id in found.values_list(
            "first_name", "last_name", "birth_date", "external_id"
        ):
            known[_same_person(first_name, last_name, birth_date)].add(external_id)
    in_file: dict[tuple[str, str, dt.date], PupilRow] = {}
    warnings = []
    for row in rows:
        key = _same_person(row.first_name, row.last_name, row.birth_date)
        earlier = in_file.setdefault(key, row)
        if earlier is not row and earlier.external_id != row.external_id:
            warnings.append(
                RowError(
                    row.line,
                    _(
                        "Samme navn og fødselsdato som elev-ID %(id)s på linje %(first)s. "
                        "Er det to forskjellige elever?"
                    )
                    % {"id": _quote(earlier.external_id), "first": earlier.line},
                )
            )
            continue
        others = sorted(known.get(key, set()) - {row.external_id})
        if others:
            warnings.append(
                RowError(
                    row.line,
                    _(
                        "Varde har allerede en elev med samme navn og fødselsdato, med "
                        "elev-ID %(id)s. Er det to forskjellige elever?"
                    )
                    % {"id": ", ".join(_quote(other) for other in others)},
                )
            )
    return warnings


def _pupil_changes(
    pupil: Pupil, row: PupilRow, teacher_id: int | None, email: str
) -> tuple[str, ...]:
    if pupil.pk is None:
        return ()
    wanted = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "birth_date": row.birth_date,
        "school_id": row.school.pk,
        "grade": row.grade,
        "is_active": True,
    }
    changed = [
        name.removesuffix("_id") for name, value in wanted.items() if getattr(pupil, name) != value
    ]
    # A contact teacher still to be created has no id yet, so it is always a change.
    if pupil.contact_teacher_id != teacher_id or (email and teacher_id is None):
        changed.append("contact_teacher")
    return tuple(changed)


def _set_pupil(pupil: Pupil, row: PupilRow) -> None:
    pupil.first_name = row.first_name
    pupil.last_name = row.last_name
    pupil.birth_date = row.birth_date
    pupil.school = row.school
    pupil.grade = row.grade
    pupil.is_active = True


# Writing.


def _write(*, plan: _Plan, municipality: Municipality) -> None:
    for user in plan.new_users:
        user.set_unusable_password()
    User.objects.bulk_create(plan.new_users, batch_size=_BATCH)
    changed_users = [plan.user_objects[email] for email in plan.changed_users]
    User.objects.bulk_update(changed_users, ["external_id", "full_name"], batch_size=_BATCH)
    users = _users_by_email(plan.emails)
    plan.user_objects.update(users)
    roles = [
        RoleAssignment(user=users[email], role=role, school=school)
        for email, role, school in plan.new_roles
    ]
    RoleAssignment.objects.bulk_create(roles, batch_size=_BATCH)
    for pupil, email in plan.new_pupils:
        pupil.contact_teacher = users[email] if email else None
    for pupil, email, _changed in plan.changed_pupils:
        pupil.contact_teacher = users[email] if email else None
    Pupil.objects.bulk_create([pupil for pupil, _email in plan.new_pupils], batch_size=_BATCH)
    changed = [pupil for pupil, _email, _fields in plan.changed_pupils]
    Pupil.objects.bulk_update(changed, PUPIL_FIELDS, batch_size=_BATCH)
    created = _pupils_by_external_id(municipality, (p.external_id for p, _e in plan.new_pupils))
    for pupil, _email in plan.new_pupils:
        pupil.pk = created[pupil.external_id].pk
    _write_guardians(plan=plan, municipality=municipality)


def _write_guardians(*, plan: _Plan, municipality: Municipality) -> None:
    now = timezone.now()
    set_by = f"{plan.actor_label} ({REASON.lower()})" if plan.actor_label else REASON
    pupils = _pupils_by_external_id(municipality, {pupil_id for _g, pupil_id in plan.new_guardians})
    for guardian, pupil_id in plan.new_guardians:
        guardian.pupil = pupils[pupil_id]
        if guardian.restriction:
            guardian.restriction_set_by, guardian.restriction_set_at = set_by, now
    for guardian, changed in plan.changed_guardians:
        if {"restriction", "restriction_reason"} & set(changed):
            guardian.restriction_set_by = set_by if guardian.restriction else ""
            guardian.restriction_set_at = now if guardian.restriction else None
    Guardian.objects.bulk_create([g for g, _p in plan.new_guardians], batch_size=_BATCH)
    Guardian.objects.bulk_update(
        [g for g, _c in plan.changed_guardians],
        [*GUARDIAN_FIELDS, "restriction_set_by", "restriction_set_at"],
        batch_size=_BATCH,
    )
    Guardian.objects.filter(pk__in=[g.pk for g in plan.removed_guardians]).delete()


def _audit(*, plan: _Plan, municipality: Municipality, actor: User | None, text: str) -> None:
    created = [pupil_subject(pupil) for pupil, _email in plan.new_pupils]
    _audit_group(actor, AuditAction.CREATE, "pupil", created, {})
    by_change: dict[tuple[str, ...], list[AuditSubject]] = defaultdict(list)
    for pupil, _email, changed in plan.changed_pupils:
        by_change[changed].append(pupil_subject(pupil))
    for changed, subjects in by_change.items():
        _audit_group(actor, AuditAction.UPDATE, "pupil", subjects, {"fields": list(changed)})
    _audit_staff(plan=plan, municipality=municipality, actor=actor)
    _audit_guardians(plan=plan, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="import",
        municipality_id=municipality.pk,
        reason=REASON,
        detail={
            "pupils": plan.report.pupils.as_dict(),
            "staff": plan.report.staff.as_dict(),
            "guardians": {
                **plan.report.guardians.as_dict(),
                "removed": plan.report.guardians_removed,
            },
            "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        },
    )


def _audit_guardians(*, plan: _Plan, actor: User | None) -> None:
    def subject(guardian: Guardian) -> AuditSubject:
        pupil = guardian.pupil
        return AuditSubject(guardian.pk, pupil.pk, pupil.school_id, pupil.municipality_id)

    _audit_group(
        actor, AuditAction.CREATE, "guardian", [subject(g) for g, _p in plan.new_guardians], {}
    )
    by_change: dict[tuple[str, ...], list[AuditSubject]] = defaultdict(list)
    for guardian, changed in plan.changed_guardians:
        by_change[changed].append(subject(guardian))
    for changed, subjects in by_change.items():
        _audit_group(actor, AuditAction.UPDATE, "guardian", subjects, {"fields": list(changed)})
    _audit_group(
        actor, AuditAction.DELETE, "guardian", [subject(g) for g in plan.removed_guardians], {}
    )


def _audit_staff(*, plan: _Plan, municipality: Municipality, actor: User | None) -> None:
    """Roles open pupils' records, so who was given which role is logged too."""

    def subject(user: User) -> AuditSubject:
        return AuditSubject(user.pk, municipality_id=municipality.pk)

    created = [subject(plan.user_objects[user.email]) for user in plan.new_users]
    _audit_group(actor, AuditAction.CREATE, "user", created, {})
    by_change: dict[tuple[str, ...], list[AuditSubject]] = defaultdict(list)
    for email, changed in plan.changed_users.items():
        by_change[tuple(changed)].append(subject(plan.user_objects[email]))
    for changed, subjects in by_change.items():
        _audit_group(actor, AuditAction.UPDATE, "user", subjects, {"fields": list(changed)})


def _audit_group(
    actor: User | None,
    action: str,
    object_type: str,
    subjects: Sequence[AuditSubject],
    detail: dict[str, Any],
) -> None:
    if subjects:
        audit_record_many(
            actor=actor,
            action=action,
            object_type=object_type,
            subjects=subjects,
            reason=REASON,
            detail=detail,
        )
