from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def keys_file(settings, tmp_path, monkeypatch) -> Path:
    """A keyring of the test's own, so rotating never touches a developer's keys."""
    monkeypatch.delenv("VARDE_KEYS", raising=False)
    settings.VARDE_KEYS_FILE = tmp_path / "keys" / "keys.json"
    return settings.VARDE_KEYS_FILE


@pytest.fixture
def keyed_world(keys_file, db):
    from tests.world import build_world

    return build_world()
