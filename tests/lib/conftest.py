from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def keys_file(settings, tmp_path, monkeypatch) -> Path:
    """A keyring of the test's own, made on first use."""
    monkeypatch.delenv("VARDE_KEYS", raising=False)
    settings.VARDE_KEYS_FILE = tmp_path / "data" / "keys.json"
    return settings.VARDE_KEYS_FILE
