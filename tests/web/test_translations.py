from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# The catalogue and the pages' words do not depend on the database: CI's SQLite job only.
pytestmark = pytest.mark.any_database

PO = Path(__file__).resolve().parents[2] / "varde" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_english_catalogue_is_complete():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_english_pages_are_in_english(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/k/lunner/ring/").content.decode()
    assert "Who do I call now?" in page
