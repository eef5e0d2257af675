from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from varde.people.models import Pupil, User
from varde.people.roles import Role

CLEAN = (
    "type;id;fornavn;etternavn;fodselsdato;skole;trinn;kontaktlaerer_id;epost;roller\n"
    "elev;E900;Ola;Nordmann;01.02.2011;LU;9;;;\n"
)
BAD = CLEAN + "elev;E901;Kari;Nordmann;31.02.2011;LU;9;;;\n"


def upload(client, text: str, *, apply: bool):
    data = {"file": SimpleUploadedFile("elever.csv", text.encode())}
    if apply:
        data["apply"] = "1"
    return client.post("/ansatt/import/", data)


def test_a_dry_run_shows_what_would_happen_and_saves_nothing(client, world):
    client.force_login(world.admin)
    page = upload(client, CLEAN, apply=False).content.decode()
    assert "Filen er feilfri" in page
    assert not Pupil.objects.filter(external_id="E900").exists()


def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(client, world):
    client.force_login(world.admin)
    page = upload(client, BAD, apply=True).content.decode()
    assert "Linje 3" in page and "31.02.2011" in page
    assert not Pupil.objects.filter(external_id__in=["E900", "E901"]).exists()


def test_a_clean_file_is_imported(client, world):
    client.force_login(world.admin)
    response = upload(client, CLEAN, apply=True)
    assert response.status_code == 302
    assert Pupil.objects.get(external_id="E900").school == world.school


def test_a_file_that_is_not_utf8_gets_a_clear_message(client, world):
    client.force_login(world.admin)
    data = {"file": SimpleUploadedFile("elever.csv", "type;id\nelev;Ø\n".encode("latin-1"))}
    page = client.post("/ansatt/import/", data).content.decode()
    assert "UTF-8" in page


GUNNAR_ROW = (
    "type;id;fornavn;etternavn;skole;epost;roller\n"
    "ansatt;L900;Gunnar;Overtatt;LU;gunnar@gran.test;Rektor\n"
)


def test_the_page_refuses_a_row_naming_a_teacher_in_gran_and_changes_nothing(client, world):
    client.force_login(world.admin)
    for apply in (False, True):
        response = upload(client, GUNNAR_ROW, apply=apply)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Linje 2" in page and "gunnar@gran.test" in page
        assert "Filen er feilfri" not in page
    gunnar = User.objects.get(pk=world.outsider.pk)
    assert (gunnar.full_name, gunnar.external_id) == ("Gunnar Gran", "")
    assert set(gunnar.role_assignments.values_list("role", "school")) == {
        (Role.TEACHER, world.gran_school.pk)
    }


def test_the_page_refuses_a_name_with_a_right_to_left_override(client, world):
    client.force_login(world.admin)
    text = CLEAN.replace("Ola;", "Ola\u202eokraM;")
    page = upload(client, text, apply=True).content.decode()
    assert "Linje 2" in page and "U+202E" in page
    assert not Pupil.objects.filter(external_id="E900").exists()


def test_a_possible_duplicate_waits_for_the_administrators_confirmation(client, world):
    """Petter Elev, born as in the world, under a new id: warned, then imported when the
    administrator ticks that they are two pupils."""
    pupil = world.pupil
    row = f"elev;E950;{pupil.first_name};{pupil.last_name};{pupil.birth_date:%d.%m.%Y};LU;9;;;\n"
    text = CLEAN.splitlines()[0] + "\n" + row
    client.force_login(world.admin)
    page = upload(client, text, apply=False).content.decode()
    assert "Er det to forskjellige elever?" in page and 'name="confirm_duplicates"' in page
    page = upload(client, text, apply=True).content.decode()
    assert "Ingenting er importert" in page
    assert not Pupil.objects.filter(external_id="E950").exists()
    data = {
        "file": SimpleUploadedFile("elever.csv", text.encode()),
        "apply": "1",
        "confirm_duplicates": "1",
    }
    assert client.post("/ansatt/import/", data).status_code == 302
    assert Pupil.objects.filter(external_id="E950").exists()


# An export that names its columns its own way, mapped once and then reused.
VISMA = (
    "Elevnummer,Fornavn,Etternavn,Fødselsdato,Skolenummer,Klassetrinn,Rad\n"
    "V100,Ola,Nordmann,01.02.2011,LU,9,elev\n"
    "V101,Kari,Nordmann,03.04.2012,LU,8,elev\n"
)


def test_an_export_with_its_own_column_names_is_mapped_once_and_then_imports(client, world):
    from varde.people.models import ImportMapping

    client.force_login(world.admin)
    page = upload(client, VISMA, apply=False).content.decode()
    # The file cannot be read as it is: the page says what is missing and shows its columns
    # with the first rows, each with a choice.
    assert "Mangler påkrevd kolonne" in page and "Kolonnene i filen" in page
    assert "Elevnummer" in page and "V100" in page and "V101" in page
    choice = {
        "Elevnummer": "id",
        "Fornavn": "fornavn",  # already read as fornavn
        "Etternavn": "etternavn",
        "Fødselsdato": "fodselsdato",
        "Skolenummer": "skole",
        "Klassetrinn": "trinn",
        "Rad": "type",
    }
    data = {"step": "mapping", "header": list(choice), "column": list(choice.values())}
    assert client.post("/ansatt/import/", data).status_code == 302
    saved = ImportMapping.objects.get(municipality=world.lunner)
    assert saved.columns["elevnummer"] == "id" and saved.updated_by == world.admin
    # The next upload of the same export is read with the saved choice, and imports.
    page = upload(client, VISMA, apply=False).content.decode()
    assert "Filen er feilfri" in page
    assert upload(client, VISMA, apply=True).status_code == 302
    assert set(
        Pupil.objects.filter(external_id__in=["V100", "V101"]).values_list("grade", flat=True)
    ) == {8, 9}


def test_two_file_columns_cannot_be_read_as_the_same_column(client, world):
    from varde.people.models import ImportMapping

    client.force_login(world.admin)
    data = {"step": "mapping", "header": ["Elevnr", "Elev-ID"], "column": ["id", "id"]}
    page = client.post("/ansatt/import/", data).content.decode()
    assert "Kolonnen «id» er valgt for flere av filens kolonner." in page
    assert not ImportMapping.objects.exists()
