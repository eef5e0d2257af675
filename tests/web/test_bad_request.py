"""A request Django refuses to read (a form too large, too many fields) gets a page that says
what happened, in the user's language, and that nothing in it was saved; an import file
within what the import allows is read, and one over it gets the import's own message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from varde.cases.models import Case
from varde.people.models import Pupil

# Django and the import read or refuse a request by its size before anything reaches the
# database: the same answer on every database, so CI's SQLite job only.
pytestmark = pytest.mark.any_database

TITLE = "Det du sendte kunne ikke tas imot"
NOTHING_SAVED = "Ingenting av det er lagret"
# Django's own limits on what it reads from a form (its defaults: 2.5 MB, 1,000 fields).
TOO_LARGE = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
TOO_MANY = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1


def test_a_form_larger_than_django_reads_gets_a_clear_page_in_bokmal(client, world):
    response = client.post(
        "/konto/login/", {"login": world.teacher.email, "password": "x" * TOO_LARGE}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="nb"' in page
    assert TITLE in page and NOTHING_SAVED in page


def test_a_form_with_too_many_fields_gets_the_same_page(client, world):
    fields = {f"felt{number}": "x" for number in range(TOO_MANY)}
    response = client.post("/konto/login/", fields)
    assert response.status_code == 400
    assert TITLE in response.content.decode()


def test_the_page_speaks_english_to_whoever_chose_english(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/konto/login/", {"password": "x" * TOO_LARGE})
    assert response.status_code == 400
    assert '<html lang="en"' in response.content.decode()


def test_a_worry_too_large_to_read_saves_nothing_and_says_so(client, world):
    client.force_login(world.teacher)
    before = Case.objects.count()
    response = client.post(
        f"/ansatt/elever/{world.pupil.pk}/undring/",
        {"observed": "Virket ruset. " * (TOO_LARGE // 14 + 1), "seriousness": "2"},
    )
    assert response.status_code == 400
    assert NOTHING_SAVED in response.content.decode()
    assert Case.objects.count() == before


def csv_of(size: int) -> bytes:
    """A valid import file of about `size` bytes: one pupil, then blank lines."""
    head = (
        b"type;id;fornavn;etternavn;fodselsdato;skole;trinn;kontaktlaerer_id;epost;roller\n"
        b"elev;E900;Ola;Nordmann;01.02.2011;LU;9;;;\n"
    )
    return head + b"\n" * (size - len(head))


def test_an_import_file_larger_than_a_form_but_within_the_imports_limit_is_read(client, world):
    client.force_login(world.admin)
    data = csv_of(9 * 1024 * 1024)
    assert len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        "/ansatt/import/", {"file": SimpleUploadedFile("elever.csv", data, "text/csv")}
    )
    assert response.status_code == 200
    assert "Filen er feilfri" in response.content.decode()
    assert not Pupil.objects.filter(external_id="E900").exists()


def test_an_import_file_over_the_imports_limit_gets_the_imports_message(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/ansatt/import/",
        {"file": SimpleUploadedFile("elever.csv", csv_of(11 * 1024 * 1024), "text/csv")},
    )
    assert response.status_code == 200
    assert "Filen er for stor" in response.content.decode()
