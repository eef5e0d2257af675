"""Varde's data directory is its own user's alone, whatever umask it is started with.

Each test starts Varde as an operator would, through manage.py in a subprocess started with
umask 022 (the common default, under which files come out 0644 and folders 0755), in a
fresh data directory; on PostgreSQL (DATABASE_URL set) against a scratch database. The
modes are read from the file system afterwards: the data directory and every folder in it
0700, every file 0600.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.proofs.instances import Instance, instances

# File modes in the data directory, whatever the database: CI's SQLite job only.
pytestmark = [pytest.mark.proof("Encryption at rest"), pytest.mark.any_database]

# Writes what a working Varde writes: a world with sealed notes (the keyring), an archive
# package, a cache entry and a stored upload; then holds the database open, so SQLite's -wal
# and -shm are there to be looked at, until the test has looked.
WRITE_AND_HOLD = """
import sys

import django

django.setup()
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from tests.world import build_world
from varde.cases.archive import case_archive
from varde.cases.models import Case

world = build_world()
Case.objects.filter(pk=world.case.pk).update(status="closed", closed_at=timezone.now())
case_archive(actor=world.teacher, case=Case.objects.get(pk=world.case.pk))
cache.set("varde-modes", "cached")
default_storage.save("uploads/elever.csv", ContentFile(b"type;id\\n"))
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
"""


def with_umask_022(command: list[str]) -> list[str]:
    return ["sh", "-c", 'umask 022 && exec "$@"', "sh", *command]


def manage(instance: Instance, *args: str) -> subprocess.CompletedProcess[str]:
    return instance.run(with_umask_022([sys.executable, "manage.py", *args]))


def modes(root: Path) -> dict[str, int]:
    """Every entry under root (root itself as "."), with its permission bits, links not
    followed."""
    found = {".": stat.S_IMODE(root.lstat().st_mode)}
    for top, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(top, name)
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def not_private(found: dict[str, int], root: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in found.items():
        is_dir = (root / name).is_dir() and not (root / name).is_symlink()
        if mode != (0o700 if is_dir else 0o600):
            wrong[name] = oct(mode)
    return wrong


@pytest.fixture
def fresh(tmp_path):
    """One instance with its secret key and keyring in its data directory, as by default."""
    with instances(tmp_path, "varde") as (instance,):
        instance.env.pop("SECRET_KEY")
        instance.env.pop("VARDE_KEYS_FILE")
        instance.data_dir.rmdir()  # Varde makes it, as on a first start.
        yield instance


def test_everything_varde_writes_in_its_data_directory_is_its_own(fresh, proof_figures):
    manage(fresh, "migrate", "--noinput", "-v0")
    manage(fresh, "check")
    manage(fresh, "ensure_admin")
    manage(fresh, "backup")
    writer = fresh.popen(
        with_umask_022([sys.executable, "-c", WRITE_AND_HOLD]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        found = modes(fresh.data_dir)
    finally:
        writer.communicate("\n", timeout=60)
    assert writer.returncode == 0

    names = set(found)
    expected = {".", "secret_key", "keys.json", "first-admin-password", "cache", "archive"}
    expected |= {"backups", "media", "media/uploads"}
    if fresh.vendor == "sqlite":
        expected |= {"varde.sqlite3", "varde.sqlite3-wal", "varde.sqlite3-shm"}
    assert expected <= names, sorted(expected - names)
    assert any(name.startswith("backups/varde-") for name in names)
    assert any(name.startswith("archive/case-") for name in names)
    assert any(name.startswith("media/uploads/elever") for name in names)
    assert any(name.startswith("cache/") for name in names)
    proof_figures.add(checked=len(found))
    shown = ", ".join(f"{name} {mode:o}" for name, mode in sorted(found.items()))
    print(f"{fresh.vendor}: {len(found)} entries in the data directory: {shown}")
    assert not_private(found, fresh.data_dir) == {}


def test_a_data_directory_left_open_by_an_older_varde_is_closed_at_start(fresh, tmp_path):
    data = fresh.data_dir
    # As an older Varde under umask 022 left it, with a link to something that is not Varde's.
    (data / "backups").mkdir(parents=True)
    (data / "secret_key").write_text("an older installation's secret key")
    (data / "backups" / "varde-old.sqlite3").write_bytes(b"SQLite format 3\x00")
    elsewhere = tmp_path / "not-varde.txt"
    elsewhere.write_text("someone else's")
    (data / "link-elsewhere").symlink_to(elsewhere)
    for path, mode in [
        (data, 0o755),
        (data / "backups", 0o755),
        (data / "secret_key", 0o644),
        (data / "backups" / "varde-old.sqlite3", 0o644),
        (elsewhere, 0o644),
    ]:
        path.chmod(mode)

    manage(fresh, "check")

    found = modes(data)
    assert found["."] == 0o700 and found["backups"] == 0o700
    assert found["secret_key"] == 0o600 and found["backups/varde-old.sqlite3"] == 0o600
    # A link is not followed: what it points to outside the data directory is left alone.
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644
