"""data_dir_private: the data directory and what is in it made its owner's alone, or a clear
error naming what cannot be."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from varde.lib.env import data_dir_private

pytestmark = pytest.mark.any_database


def mode(path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_missing_data_directory_is_made_0700(tmp_path):
    data = tmp_path / "a" / "data"
    data_dir_private(data)
    assert mode(data) == 0o700


def test_files_lose_group_and_other_bits_and_folders_become_0700(tmp_path):
    data = tmp_path / "data"
    (data / "cache").mkdir(parents=True)
    (data / "cache" / "entry").write_text("x")
    (data / "varde.sqlite3").write_text("x")
    for path, bits in [(data, 0o755), (data / "cache", 0o775), (data / "varde.sqlite3", 0o644)]:
        path.chmod(bits)
    (data / "cache" / "entry").chmod(0o666)
    assert data_dir_private(data) == 4
    assert [mode(data), mode(data / "cache")] == [0o700, 0o700]
    assert [mode(data / "varde.sqlite3"), mode(data / "cache" / "entry")] == [0o600, 0o600]
    assert data_dir_private(data) == 0


def test_a_mode_that_cannot_be_changed_stops_the_start_naming_the_path(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    stuck = data / "backup-owned-by-root.sqlite3"
    stuck.write_text("x")
    stuck.chmod(0o644)
    real_chmod = os.chmod

    def refuse(path, *args, **kwargs):
        if os.fspath(path) == str(stuck):
            raise PermissionError(1, "Operation not permitted")
        return real_chmod(path, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", refuse)
    with pytest.raises(ImproperlyConfigured) as caught:
        data_dir_private(data)
    message = str(caught.value)
    assert str(stuck) in message and "Operation not permitted" in message
    assert "chmod go-rwx" in message
