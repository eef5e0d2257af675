"""Importing pupils and staff from the school administration system's CSV export.

Testvik has two schools, «TU» and «TB». Nordby, next door, also has a school
numbered «TU», so lookups must stay inside the municipality being imported.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from varde.audit.models import AuditChain, AuditEntry
from varde.people.importer import (
    MAX_ROWS,
    ImportReport,
    import_apply,
    import_decode,
    import_parse,
)
from varde.people.models import Municipality, Pupil, RoleAssignment, School, User
from varde.people.roles import Role

HEADER = "type;id;fornavn;etternavn;fodselsdato;skole;trinn;kontaktlaerer_id;epost;roller"
TODAY = timezone.localdate()


def born(age: int) -> str:
    """A birth date (DD.MM.YYYY) for someone who is `age` today, birthday in the spring."""
    return f"15.03.{TODAY.year - age - int(TODAY < dt.date(TODAY.year, 3, 15))}"


CLEAN_ROWS = [
    "ansatt;T1;Tina;Lærer;;TU;;;tina@testvik.no;teacher|kjentmann",
    "ansatt;T2;Rolf;Rektor;;TU;;;Rolf@Testvik.no;Rektor",
    f"elev;E1;Petter;Smart;{born(13)};TU;8;T1;;",
    f"elev;E2;Ola;Nordmann;{TODAY.year - 12}-01-31;TU;8;;;",
    f"elev;E3;Kari;Nordmann;{born(7)};TB;2;;;",
]


def csv_text(rows: list[str], *, header: str = HEADER, delimiter: str = ";") -> str:
    lines = [header, *rows]
    if delimiter != ";":
        lines = [_with_delimiter(line, delimiter) for line in lines]
    return "\n".join(lines) + "\n"


def _with_delimiter(line: str, delimiter: str) -> str:
    cells = line.split(";")
    return delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in cells)


def snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "pupils": Pupil.objects.count(),
        "audit": AuditEntry.objects.count(),
        "audit_chains": AuditChain.objects.count(),
    }


def apply(municipality: Municipality, rows: list[str], **kwargs: str) -> ImportReport:
    return import_apply(municipality=municipality, text=csv_text(rows, **kwargs), actor=None)


def test_a_clean_file_imports_pupils_and_staff_with_roles(testvik):
    report = apply(testvik, CLEAN_ROWS)
    assert report.errors == []
    assert report.applied
    assert (report.pupils.created, report.staff.created) == (3, 2)
    tina = User.objects.get(email="tina@testvik.no")
    assert (tina.external_id, tina.full_name) == ("T1", "Tina Lærer")
    assert not tina.has_usable_password()
    school = School.objects.get(municipality=testvik, external_id="TU")
    assert set(tina.role_assignments.values_list("role", "school")) == {
        (Role.TEACHER, school.pk),
        (Role.KJENTMANN, school.pk),
    }
    assert User.objects.get(email="rolf@testvik.no").roles() == {Role.PRINCIPAL}
    petter = Pupil.objects.get(municipality=testvik, external_id="E1")
    assert (petter.school, petter.grade, petter.contact_teacher) == (school, 8, tina)
    assert petter.age == 13
    assert Pupil.objects.get(external_id="E2").birth_date == dt.date(TODAY.year - 12, 1, 31)
    assert Pupil.objects.get(external_id="E3").school.external_id == "TB"
    entries = AuditEntry.objects.filter(object_type="pupil", action="create")
    assert sorted(entries.values_list("pupil_id", flat=True)) == sorted(
        Pupil.objects.values_list("pk", flat=True)
    )
    summary = AuditEntry.objects.get(object_type="import")
    assert summary.municipality_id == testvik.pk
    assert summary.detail["pupils"] == {"created": 3, "updated": 0, "unchanged": 0}


def test_a_dry_run_writes_nothing(testvik):
    before = snapshot()
    report = import_parse(municipality=testvik, text=csv_text(CLEAN_ROWS))
    assert report.errors == []
    assert not report.applied
    assert (report.pupils.created, report.staff.created) == (3, 2)
    assert [row.action for row in report.rows] == ["create"] * 5
    assert snapshot() == before


def test_a_file_with_three_bad_rows_reports_exactly_those_lines_and_imports_nothing(testvik):
    rows = [
        *CLEAN_ROWS,
        f"elev;E4;Lise;Lund;{born(10)};X;5;;;",
        "elev;E5;Per;Dato;31.02.2012;TB;5;;;",
        f"elev;E6;Siri;Trinn;{born(10)};TU;14;;;",
        f"elev;E7;Grei;Elev;{born(10)};TB;5;;;",
    ]
    before = snapshot()
    report = apply(testvik, rows)
    assert [(error.line, error.message) for error in report.errors] == [
        (7, "Ukjent skole «X»."),
        (8, "Ugyldig dato «31.02.2012». Bruk DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD."),
        (9, "Trinn må være et tall fra 1 til 13 (fikk «14»)."),
    ]
    assert str(report.errors[0]) == "linje 7: Ukjent skole «X»."
    assert not report.applied
    assert snapshot() == before


def test_reimporting_the_same_file_changes_nothing(testvik):
    apply(testvik, CLEAN_ROWS)
    before = snapshot()
    report = apply(testvik, CLEAN_ROWS)
    assert report.errors == []
    assert (report.pupils.created, report.pupils.updated, report.pupils.unchanged) == (0, 0, 3)
    assert (report.staff.created, report.staff.updated, report.staff.unchanged) == (0, 0, 2)
    after = snapshot()
    assert after["audit"] - before["audit"] <= 1
    assert {**after, "audit": 0} == {**before, "audit": 0}
    assert AuditEntry.objects.last().object_type == "import"


def test_a_changed_grade_updates_only_that_pupil(testvik):
    apply(testvik, CLEAN_ROWS)
    others = {p.external_id: p for p in Pupil.objects.exclude(external_id="E3")}
    rows = [row.replace(";TB;2;", ";TB;3;") for row in CLEAN_ROWS]
    audit_before = AuditEntry.objects.count()
    report = apply(testvik, rows)
    assert (report.pupils.updated, report.pupils.unchanged, report.staff.updated) == (1, 2, 0)
    assert Pupil.objects.get(external_id="E3").grade == 3
    for pupil in Pupil.objects.exclude(external_id="E3"):
        assert pupil.grade == others[pupil.external_id].grade
    new = AuditEntry.objects.filter(seq__gt=audit_before)
    update = new.get(action="update")
    assert update.pupil_id == Pupil.objects.get(external_id="E3").pk
    assert update.detail == {"fields": ["grade"]}
    assert new.count() == 2


def test_staff_keep_the_roles_they_hold_that_the_file_does_not_name(testvik):
    apply(testvik, CLEAN_ROWS)
    tina = User.objects.get(email="tina@testvik.no")
    school = School.objects.get(municipality=testvik, external_id="TB")
    RoleAssignment.objects.create(user=tina, role=Role.SCHOOL_NURSE, school=school)
    report = apply(testvik, CLEAN_ROWS)
    assert report.staff.unchanged == 2
    assert Role.SCHOOL_NURSE in tina.roles()


@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_a_file_with_or_without_bom_and_either_delimiter_imports(testvik, bom, delimiter):
    report = import_apply(
        municipality=testvik, text=bom + csv_text(CLEAN_ROWS, delimiter=delimiter), actor=None
    )
    assert report.errors == []
    assert Pupil.objects.count() == 3
    assert User.objects.get(email="tina@testvik.no").roles() == {Role.TEACHER, Role.KJENTMANN}


def test_a_bom_in_the_bytes_is_read_as_utf8(testvik):
    data = b"\xef\xbb\xbf" + csv_text(CLEAN_ROWS).replace("\n", "\r\n").encode("utf-8")
    report = import_parse(municipality=testvik, text=import_decode(data=data))
    assert report.errors == []
    assert report.pupils.created == 3


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("ansatt;T9;Ny;Person;;TU;;;ny@testvik.no;rektorr", "Ukjent rolle «rektorr»."),
        ("ansatt;T9;Ny;Person;;TU;;;ny@testvik.no;municipal_admin", "gjelder ikke en skole"),
        ("ansatt;T9;Ny;Person;;TU;;;ikke-en-adresse;teacher", "Ugyldig e-postadresse «ikke-en"),
        ("ansatt;T9;Ny;Person;;TU;;;ny@testvik.no;", "Mangler verdi i kolonnen «roller»."),
        ("ansatt;T9;Ny;Person;;TU;;;ny@testvik.no;|", "Mangler verdi i kolonnen «roller»."),
        (f"elev;E9;Ny;Elev;01.01.{TODAY.year + 1};TB;5;;;", "er fram i tid"),
        (f"elev;E9;Ny;Elev;{born(2)};TB;1;;;", "gir alder 2 år"),
        (f"elev;E9;Ny;Elev;{born(30)};TU;9;;;", "gir alder 30 år"),
        (f"elev;E9;Ny;Elev;{born(10)};TU;0;;;", "Trinn må være et tall fra 1 til 13 (fikk «0»)."),
        (f"elev;E9;Ny;Elev;{born(10)};TU;fem;;;", "Trinn må være et tall fra 1 til 13"),
        (f"elev;E9;Ny;Elev;{born(10)};TB;5;T404;;", "kontaktlærer-ID «T404»"),
        (f"elev;E9;;Elev;{born(10)};TB;5;;;", "Mangler verdi i kolonnen «fornavn»."),
        (f"pupil;E9;Ny;Elev;{born(10)};TB;5;;;", "Ukjent type «pupil»."),
        (f"elev;E9;Ny;Elev;{born(10)};TB;5;;;;ekstra", "har 11 felt, men overskriften har 10"),
        (f"elev;E9;N\x00y;Elev;{born(10)};TB;5;;;", "inneholder NUL-tegn"),
        (f"elev;E9;{'N' * 5000};Elev;{born(10)};TB;5;;;", "er for lang (5000 tegn, maks 100)"),
        (f'elev;E9;"Ny\nLinje";Elev;{born(10)};TB;5;;;', "linjeskift eller kontrolltegn"),
    ],
)
def test_a_bad_row_is_reported_with_a_clear_reason(testvik, row, reason):
    before = snapshot()
    report = apply(testvik, [*CLEAN_ROWS, row])
    assert [error.line for error in report.errors] == [7]
    assert reason in report.errors[0].message
    assert snapshot() == before


def test_a_field_beyond_the_csv_limit_is_a_row_error_and_later_rows_are_still_read(testvik):
    rows = [*CLEAN_ROWS, f"elev;E9;{'x' * 200_000};Elev", "elev;E10;Ny;Elev;31.02.2012;TB;5;;;"]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [error.line for error in report.errors] == [7, 8]
    assert "altfor langt" in report.errors[0].message


def test_a_missing_column_is_reported_once_on_line_1(testvik):
    header = HEADER.replace(";trinn", "")
    rows = [row.replace(";8;", ";").replace(";7;", ";").replace(";2;", ";") for row in CLEAN_ROWS]
    report = import_parse(municipality=testvik, text=csv_text(rows, header=header))
    assert [(e.line, e.message) for e in report.errors] == [
        (1, "Mangler påkrevd kolonne: «trinn».")
    ]


def test_a_staff_only_file_needs_no_pupil_columns(testvik):
    header = "Type,ID,Fornavn,Etternavn,Skole,E-post,Roller"
    text = f'{header}\nansatt,T1,Tina,Lærer,TU,tina@testvik.no,"Lærer,Kjentmann"\n'
    report = import_apply(municipality=testvik, text=text, actor=None)
    assert report.errors == []
    assert User.objects.get(email="tina@testvik.no").roles() == {Role.TEACHER, Role.KJENTMANN}


def test_unknown_and_empty_extra_columns_are_ignored(testvik):
    header = f"{HEADER};klasse;;"
    rows = [f"{row};8A;;" for row in CLEAN_ROWS]
    report = import_parse(municipality=testvik, text=csv_text(rows, header=header))
    assert report.errors == []
    assert report.pupils.created == 3


def test_a_duplicate_id_names_both_lines(testvik):
    rows = [*CLEAN_ROWS, f"elev;E1;Petter;Igjen;{born(13)};TU;8;;;"]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [(e.line, e.message) for e in report.errors] == [
        (7, "Elev-ID «E1» står to ganger i filen (linje 4 og 7).")
    ]


def test_an_email_used_by_staff_with_another_id_is_refused(testvik):
    apply(testvik, CLEAN_ROWS)
    rows = [*CLEAN_ROWS, "ansatt;T3;Tina;Dobbel;;TB;;;tina@testvik.no;teacher"]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [error.message for error in report.errors if error.line == 7] == [
        "E-postadressen «tina@testvik.no» står også på linje 2, med en annen ansatt-ID.",
    ]
    assert {error.line for error in report.errors} == {7}
    alone = ["ansatt;T3;Tina;Dobbel;;TB;;;tina@testvik.no;teacher"]
    report = import_parse(municipality=testvik, text=csv_text(alone))
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "E-postadressen «tina@testvik.no» brukes allerede av en ansatt med annen ID («T1»).")
    ]


def test_a_contact_teacher_already_in_the_municipality_is_found(testvik):
    apply(testvik, CLEAN_ROWS)
    rows = [f"elev;E9;Ny;Elev;{born(10)};TB;5;T2;;"]
    report = apply(testvik, rows)
    assert report.errors == []
    assert Pupil.objects.get(external_id="E9").contact_teacher.email == "rolf@testvik.no"


def test_a_contact_teacher_in_another_municipality_is_not_found(testvik):
    apply(testvik, CLEAN_ROWS)
    nordby = Municipality.objects.get(slug="nordby")
    report = apply(nordby, [f"elev;N1;Ny;Elev;{born(14)};TU;9;T1;;"])
    assert report.errors[0].message == (
        "Fant ingen ansatt med kontaktlærer-ID «T1» i filen eller i kommunen."
    )


def test_a_file_that_is_not_utf8_gives_one_clear_message(testvik):
    data = csv_text(CLEAN_ROWS).encode("cp1252")
    report = import_parse(municipality=testvik, text=import_decode(data=data))
    assert len(report.errors) == 1
    assert report.errors[0].line == 2
    assert "ikke lagret som UTF-8" in report.errors[0].message


def test_a_file_with_more_than_20000_rows_is_refused(testvik):
    rows = [f"elev;E{n};Ny;Elev;{born(10)};TB;5;;;" for n in range(MAX_ROWS + 1)]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [e.message for e in report.errors] == [
        "Filen har flere enn 20 000 rader. Del den opp i flere filer."
    ]


def test_a_file_over_10_mb_is_refused(testvik):
    text = csv_text(CLEAN_ROWS) + "\n" * (10 * 1024 * 1024)
    report = import_parse(municipality=testvik, text=text)
    assert [e.message for e in report.errors] == [
        "Filen er større enn 10 MB. Del den opp i flere filer."
    ]


def test_an_empty_file_is_reported(testvik):
    assert [e.message for e in import_parse(municipality=testvik, text="").errors] == [
        "Filen er tom."
    ]


def test_a_pupil_marked_inactive_is_reactivated_by_the_import(testvik):
    apply(testvik, CLEAN_ROWS)
    Pupil.objects.filter(external_id="E2").update(is_active=False)
    report = apply(testvik, CLEAN_ROWS)
    assert report.pupils.updated == 1
    assert Pupil.objects.get(external_id="E2").is_active


def test_five_thousand_pupils_import_with_few_queries(testvik, django_assert_max_num_queries):
    staff = [f"ansatt;T{n};Lærer;{n};;TU;;;l{n}@testvik.no;teacher" for n in range(50)]
    pupils = [
        f"elev;E{n};Elev;{n};{born(6 + n % 7)};TB;{1 + n % 7};T{n % 50};;" for n in range(5000)
    ]
    with django_assert_max_num_queries(200):
        report = apply(testvik, staff + pupils)
    assert report.errors == []
    assert Pupil.objects.filter(contact_teacher__isnull=False).count() == 5000
    assert AuditEntry.objects.filter(object_type="pupil").count() == 5000
    with django_assert_max_num_queries(50):
        again = apply(testvik, staff + pupils)
    assert again.pupils.unchanged == 5000


def test_the_command_dry_run_prints_each_error_and_fails(testvik, tmp_path):
    path = tmp_path / "eksport.csv"
    path.write_text(csv_text([*CLEAN_ROWS, f"elev;E9;Ny;Elev;{born(10)};X;5;;;"]), "utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 feil"):
        call_command("import_people", "testvik", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == "linje 7: Ukjent skole «X»."
    assert Pupil.objects.count() == 0


def test_the_command_counts_without_apply_and_imports_with_it(testvik, tmp_path):
    path = tmp_path / "eksport.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(CLEAN_ROWS).encode())
    out = io.StringIO()
    call_command("import_people", "testvik", str(path), stdout=out)
    assert "Elever: 3 nye, 0 endres, 0 uendret" in out.getvalue()
    assert "Prøvekjøring" in out.getvalue()
    assert Pupil.objects.count() == 0
    out = io.StringIO()
    call_command("import_people", "testvik", str(path), "--apply", stdout=out)
    assert "Ansatte: 2 lagt til, 0 endret, 0 uendret" in out.getvalue()
    assert Pupil.objects.count() == 3


def test_the_command_refuses_an_unknown_municipality(testvik, tmp_path):
    path = tmp_path / "eksport.csv"
    path.write_text(csv_text(CLEAN_ROWS), "utf-8")
    with pytest.raises(CommandError, match="«atlantis»"):
        call_command("import_people", "atlantis", str(path))


# Random input: importing must never raise, and a report with errors must mean no writes.

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_all_or_nothing(municipality: Municipality, text: str) -> None:
    before = snapshot()
    report = import_apply(municipality=municipality, text=text, actor=None)
    event("errors reported" if report.errors else "imported")
    if report.errors or report.warnings:
        # A possible duplicate waits for the administrator's word, like an error.
        assert snapshot() == before
        assert not report.applied
        assert all(e.line >= 1 and e.message for e in report.errors + report.warnings)
    else:
        assert report.applied


@FUZZ
@given(text=st.text(max_size=3000))
def test_random_text_never_raises_and_never_writes_when_it_reports_errors(testvik, text):
    assert_all_or_nothing(testvik, text)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_raise_and_never_write_when_they_report_errors(testvik, data):
    assert_all_or_nothing(testvik, import_decode(data=data))


CELL = st.one_of(
    st.sampled_from(
        [
            "elev",
            "ansatt",
            "E1",
            "E2",
            "T1",
            "TU",
            "TB",
            "X",
            "Ola",
            "8",
            "13",
            "0",
            "",
            born(10),
            born(30),
            "31.02.2012",
            "2013-05-01",
            "tina@testvik.no",
            "ola@testvik.no",
            "teacher|kjentmann",
            "Lærer",
            "rektorr",
            '"',
            "\x00",
            "æøå",
        ]
    ),
    st.text(max_size=80),
)


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=12), max_size=12), comma=st.booleans())
def test_random_rows_under_a_valid_header_never_raise_or_half_import(testvik, rows, comma):
    delimiter = "," if comma else ";"
    lines = [HEADER.replace(";", delimiter)] + [delimiter.join(row) for row in rows]
    assert_all_or_nothing(testvik, "\n".join(lines))


MUTATED_ROW = st.tuples(
    st.sampled_from(CLEAN_ROWS),
    st.dictionaries(st.integers(min_value=0, max_value=10), CELL, max_size=2),
)


def mutate(row: str, changes: dict[int, str]) -> str:
    cells = row.split(";")
    for index, value in changes.items():
        if index < len(cells):
            cells[index] = value
    return ";".join(cells)


@FUZZ
@given(rows=st.lists(MUTATED_ROW, max_size=5, unique_by=lambda pair: pair[0]))
def test_clean_rows_with_a_few_random_cells_never_raise_or_half_import(testvik, rows):
    assert_all_or_nothing(testvik, csv_text([mutate(row, changes) for row, changes in rows]))


# An import creates and changes only the importing municipality's people. Lunner's
# administrator (Anne) tries to rewrite accounts that are not Lunner's alone.

STAFF_HEADER = "type;id;fornavn;etternavn;skole;epost;roller"


def staff_file(*rows: str) -> str:
    return "\n".join([STAFF_HEADER, *rows]) + "\n"


def account(user: User) -> tuple[str, str, bool, bool, set[tuple[str, int | None, ...]]]:
    """What an import could change about an account, read back from the database."""
    fresh = User.objects.get(pk=user.pk)
    roles = set(
        RoleAssignment.objects.filter(user=fresh).values_list(
            "role", "school_id", "municipality_id", "slt_region_id"
        )
    )
    return fresh.full_name, fresh.external_id, fresh.is_superuser, fresh.is_active, roles


def first_superuser(world, *, with_role: bool) -> User:
    """The installation's superuser as `manage.py ensure_admin` makes it: a municipal
    administrator of the default municipality when that exists, without roles before."""
    root = User.objects.create_superuser("root@varde.test", None, full_name="Administrator")
    if with_role:
        RoleAssignment.objects.create(
            user=root, role=Role.MUNICIPAL_ADMIN, municipality=world.lunner
        )
    return root


@pytest.mark.proof("Against an insider")
def test_the_lunner_administrator_cannot_rewrite_a_gran_teacher_through_the_import(world):
    text = staff_file(
        "ansatt;L1;Tina;Lærer;LU;tina@lunner.test;teacher",
        "ansatt;L900;Gunnar;Overtatt;LU;gunnar@gran.test;Rektor|Kjentmann",
    )
    before = snapshot()
    dry = import_parse(municipality=world.lunner, text=text)
    assert [error.line for error in dry.errors] == [3]
    assert "«gunnar@gran.test»" in dry.errors[0].message
    assert "Lunner kommune" in dry.errors[0].message
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert not report.applied
    assert [error.line for error in report.errors] == [3]
    # Gunnar as tests/world.py made him: a teacher at Gran ungdomsskole, nothing more.
    assert account(world.outsider) == (
        "Gunnar Gran",
        "",
        False,
        True,
        {(Role.TEACHER, world.gran_school.pk, None, None)},
    )
    # Tina's clean line is not imported either: the file is all or nothing.
    assert User.objects.get(pk=world.teacher.pk).external_id == ""
    assert snapshot() == before


@pytest.mark.proof("Against an insider")
@pytest.mark.parametrize("with_role", [True, False], ids=["lunner_admin_role", "no_role"])
def test_the_lunner_administrator_cannot_rewrite_the_superuser_through_the_import(world, with_role):
    root = first_superuser(world, with_role=with_role)
    text = staff_file("ansatt;L901;Anne;Overtatt;LU;Root@Varde.test;teacher")
    dry = import_parse(municipality=world.lunner, text=text)
    assert [(error.line, "«root@varde.test»" in error.message) for error in dry.errors] == [
        (2, True)
    ]
    before = snapshot()
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert [error.line for error in report.errors] == [2]
    expected_roles = {(Role.MUNICIPAL_ADMIN, None, world.lunner.pk, None)} if with_role else set()
    assert account(root) == ("Administrator", "", True, True, expected_roles)
    assert snapshot() == before


@pytest.mark.proof("Against an insider")
def test_the_command_refuses_a_row_naming_a_gran_teacher_or_the_superuser(world, tmp_path):
    root = first_superuser(world, with_role=True)
    path = tmp_path / "eksport.csv"
    path.write_text(
        staff_file(
            "ansatt;L900;Gunnar;Overtatt;LU;gunnar@gran.test;Rektor",
            "ansatt;L901;Anne;Overtatt;LU;root@varde.test;teacher",
        ),
        "utf-8",
    )
    for extra in ([], ["--apply"]):
        err = io.StringIO()
        with pytest.raises(CommandError, match="2 feil"):
            call_command(
                "import_people", "lunner", str(path), *extra, stdout=io.StringIO(), stderr=err
            )
        lines = err.getvalue().splitlines()
        assert [line.split(":")[0] for line in lines] == ["linje 2", "linje 3"]
    assert account(world.outsider)[:2] == ("Gunnar Gran", "")
    assert account(root)[:3] == ("Administrator", "", True)
    assert RoleAssignment.objects.filter(user__in=[world.outsider, root]).count() == 2


def test_a_lunner_teacher_can_still_be_updated_by_lunners_import(world):
    text = staff_file("ansatt;L2;Tor;Rektorsen;HA;tor@lunner.test;Rektor")
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert report.errors == []
    assert (report.staff.created, report.staff.updated) == (0, 1)
    assert account(world.teacher2) == (
        "Tor Rektorsen",
        "L2",
        False,
        True,
        {
            (Role.TEACHER, world.school.pk, None, None),
            (Role.PRINCIPAL, world.other_school.pk, None, None),
        },
    )
    again = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert (again.staff.updated, again.staff.unchanged) == (0, 1)


def test_a_deactivated_lunner_teacher_can_be_updated_and_stays_deactivated(world):
    text = staff_file("ansatt;L3;Dag;Deaktivert;LU;dag@lunner.test;teacher")
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert report.errors == []
    assert account(world.deactivated) == (
        "Dag Deaktivert",
        "L3",
        False,
        False,
        {(Role.TEACHER, world.school.pk, None, None)},
    )


def _share_tor_with_gran(world) -> User:
    RoleAssignment.objects.create(user=world.teacher2, role=Role.TEACHER, school=world.gran_school)
    return world.teacher2


def _deactivate_gunnar(world) -> User:
    User.objects.filter(pk=world.outsider.pk).update(is_active=False)
    return world.outsider


def _account_without_roles(world) -> User:
    return User.objects.create_user("ola@gran.test", None, full_name="Ola Uten Rolle")


@pytest.mark.proof("Against an insider")
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda world: world.slt, id="slt_coordinator_of_gran_and_lunner"),
        pytest.param(_share_tor_with_gran, id="teacher_in_lunner_and_gran"),
        pytest.param(_deactivate_gunnar, id="deactivated_gran_teacher"),
        pytest.param(_account_without_roles, id="account_without_roles"),
    ],
)
def test_an_account_that_is_not_lunners_alone_is_refused(world, make):
    user = make(world)
    before = account(user)
    text = staff_file(f"ansatt;L950;Ny;Navn;LU;{user.email};teacher")
    dry = import_parse(municipality=world.lunner, text=text)
    assert [error.line for error in dry.errors] == [2]
    report = import_apply(municipality=world.lunner, text=text, actor=world.admin)
    assert [error.line for error in report.errors] == [2]
    assert account(user) == before


def test_the_refusal_tells_nothing_about_the_other_municipalitys_account(world):
    User.objects.filter(pk=world.outsider.pk).update(external_id="G-77")
    text = staff_file("ansatt;L900;Gunnar;Gran;LU;gunnar@gran.test;teacher")
    report = import_parse(municipality=world.lunner, text=text)
    assert [error.line for error in report.errors] == [2]
    assert not any("G-77" in error.message for error in report.errors)


def test_a_pupil_may_still_name_a_lunner_contact_teacher_who_also_works_in_gran(world):
    User.objects.filter(pk=world.teacher.pk).update(external_id="L1")
    RoleAssignment.objects.create(user=world.teacher, role=Role.TEACHER, school=world.gran_school)
    report = apply(world.lunner, [f"elev;E77;Ny;Elev;{born(13)};LU;8;L1;;"])
    assert report.errors == []
    assert Pupil.objects.get(external_id="E77").contact_teacher == world.teacher
    assert User.objects.get(pk=world.teacher.pk).full_name == "Tina Lærer"


# Names with bidirectional controls, which reverse the text around them where it is shown.


@pytest.mark.parametrize("control", ["\u202e", "\u2066"], ids=["U+202E", "U+2066"])
@pytest.mark.parametrize(
    ("row", "column"),
    [
        (f"elev;E9;Ny{{c}}Elev;Elev;{born(10)};TB;5;;;", "fornavn"),
        (f"elev;E9;Ny;{{c}}veLE;{born(10)};TB;5;;;", "etternavn"),
        ("ansatt;T9;{c}Anne;Person;;TU;;;ny@testvik.no;teacher", "fornavn"),
        ("ansatt;T9;Ny;Per{c}nosrep;;TU;;;ny@testvik.no;teacher", "etternavn"),
    ],
)
def test_a_name_with_a_bidirectional_control_is_refused_on_its_line(testvik, control, row, column):
    before = snapshot()
    report = apply(testvik, [*CLEAN_ROWS, row.format(c=control)])
    assert [error.line for error in report.errors] == [7]
    message = report.errors[0].message
    assert f"«{column}»" in message
    assert f"U+{ord(control):04X}" in message
    assert not report.applied
    assert snapshot() == before


def test_the_command_refuses_a_name_with_a_bidirectional_control(testvik, tmp_path):
    path = tmp_path / "eksport.csv"
    path.write_text(
        csv_text([*CLEAN_ROWS, f"elev;E9;Anne\u202eenitsirk;Elev;{born(10)};TB;5;;;"]), "utf-8"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 feil"):
        call_command(
            "import_people", "testvik", str(path), "--apply", stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().startswith("linje 7: ")
    assert "U+202E" in err.getvalue()
    assert Pupil.objects.count() == 0


# Grades that exist, staff at two schools, and possible duplicates.


def test_a_grade_the_school_does_not_teach_is_an_error(testvik):
    rows = [
        f"elev;E1;Petter;Smart;{born(16)};TU;11;;;",
        f"elev;E2;Ola;Nordmann;{born(13)};TB;8;;;",
        f"elev;E3;Kari;Nordmann;{born(14)};TU;9;;;",
    ]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "Trinn 11 finnes ikke ved Testvik ungdomsskole (8.–10. trinn)."),
        (3, "Trinn 8 finnes ikke ved Testvik barneskole (1.–7. trinn)."),
    ]
    assert apply(testvik, rows).applied is False and Pupil.objects.count() == 0


def test_staff_at_two_schools_get_their_roles_at_both(testvik):
    rows = [
        "ansatt;T1;Tina;Lærer;;TU;;;tina@testvik.no;teacher|kjentmann",
        "ansatt;T1;Tina;Lærer;;TB;;;tina@testvik.no;teacher",
    ]
    report = apply(testvik, rows)
    assert report.errors == [] and report.applied
    tina = User.objects.get(email="tina@testvik.no")
    held = set(RoleAssignment.objects.filter(user=tina).values_list("role", "school__external_id"))
    assert held == {("teacher", "TU"), ("kjentmann", "TU"), ("teacher", "TB")}
    again = apply(testvik, rows)
    assert again.staff.as_dict() == {"created": 0, "updated": 0, "unchanged": 1}
    assert RoleAssignment.objects.filter(user=tina).count() == 3
    # A new role at the second school is an update of one person.
    more = [rows[0], "ansatt;T1;Tina;Lærer;;TB;;;tina@testvik.no;teacher|school_nurse"]
    assert apply(testvik, more).staff.as_dict() == {"created": 0, "updated": 1, "unchanged": 0}
    assert RoleAssignment.objects.filter(user=tina, school__external_id="TB").count() == 2


def test_two_rows_of_one_staff_id_must_be_one_person_at_two_schools(testvik):
    rows = [
        "ansatt;T1;Tina;Lærer;;TU;;;tina@testvik.no;teacher",
        "ansatt;T1;Tina;Lærer;;TU;;;tina@testvik.no;kjentmann",
        "ansatt;T1;Tina;Lærer;;TB;;;tine@testvik.no;teacher",
        "ansatt;T1;Tine;Lærer;;TB;;;tina@testvik.no;teacher",
    ]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "Ansatt-ID «T1» står to ganger for samme skole (linje 2 og 3)."),
        (4, "Ansatt-ID «T1» står også på linje 2, med en annen e-postadresse."),
        (5, "Ansatt-ID «T1» står også på linje 2, med et annet navn."),
    ]


def test_a_possible_duplicate_is_warned_and_imported_only_when_confirmed(testvik, tmp_path):
    apply(testvik, CLEAN_ROWS)
    # Petter Smart again under another id, and two rows of one new name and birth date.
    rows = [
        f"elev;E77;Petter;Smart;{born(13)};TU;8;;;",
        f"elev;E80;Siri;Lien;{born(12)};TB;7;;;",
        f"elev;E81;siri;LIEN;{born(12)};TB;7;;;",
    ]
    report = import_parse(municipality=testvik, text=csv_text(rows))
    assert report.errors == []
    assert [(w.line, w.message) for w in report.warnings] == [
        (
            2,
            "Varde har allerede en elev med samme navn og fødselsdato, med elev-ID «E1». "
            "Er det to forskjellige elever?",
        ),
        (
            4,
            "Samme navn og fødselsdato som elev-ID «E80» på linje 3. "
            "Er det to forskjellige elever?",
        ),
    ]
    before = snapshot()
    refused = import_apply(municipality=testvik, text=csv_text(rows), actor=None)
    assert not refused.applied and snapshot() == before
    path = tmp_path / "eksport.csv"
    path.write_text(csv_text(rows), "utf-8")
    with pytest.raises(CommandError, match="--confirm-duplicates"):
        call_command(
            "import_people",
            "testvik",
            str(path),
            "--apply",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert snapshot() == before
    call_command(
        "import_people",
        "testvik",
        str(path),
        "--apply",
        "--confirm-duplicates",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Pupil.objects.filter(first_name__iexact="Petter", last_name="Smart").count() == 2
    assert Pupil.objects.filter(last_name__iexact="Lien").count() == 2
