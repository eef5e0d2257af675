"""Static URLs are worked out once per file and are the manifest's hashed names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from varde.web.storage import StaticStorage

Plain = CompressedManifestStaticFilesStorage

MANIFEST = {"paths": {"varde/varde.css": "varde/varde.0123abcd.css"}, "version": "1.1"}


@pytest.fixture
def storages(
    tmp_path: Path, settings
) -> tuple[StaticStorage, CompressedManifestStaticFilesStorage]:
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    options = {"location": str(tmp_path), "base_url": "/static/"}
    return StaticStorage(**options), Plain(**options)


def test_each_files_url_is_worked_out_once(storages, monkeypatch) -> None:
    mine, plain = storages
    asked: list[str] = []
    stored_name = mine.stored_name
    monkeypatch.setattr(mine, "stored_name", lambda name: asked.append(name) or stored_name(name))
    for _ in range(3):
        assert mine.url("varde/varde.css") == plain.url("varde/varde.css")
    assert mine.url("varde/varde.css") == "/static/varde/varde.0123abcd.css"
    assert asked == ["varde/varde.css"]


def test_a_file_missing_from_the_manifest_is_refused_every_time(storages) -> None:
    mine, _plain = storages
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            mine.url("varde/missing.css")


def test_in_debug_urls_follow_the_files(storages, settings) -> None:
    mine, _plain = storages
    settings.DEBUG = True
    assert mine.url("varde/varde.css") == "/static/varde/varde.css"
