"""Online, consistent backups of Varde's database, and restoring them into a fresh instance.

SQLite is copied with its online backup API: one read transaction sees a single
snapshot while the app goes on writing (WAL lets writers carry on). PostgreSQL is
dumped with pg_dump, which also reads one snapshot, in its custom format for
pg_restore. Backups hold personal data (the notes themselves only as ciphertext),
so they are written readable by their owner only. The encryption keyring is not in
the backup: keep it, and its own backup, apart from the database's.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


def backup_default_path(*, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
    return Path(settings.DATA_DIR) / "backups" / f"varde-{stamp}.{suffix}"


def backup_database(*, target: Path) -> Path:
    """Write a consistent copy of the database to target, atomically, mode 0600."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.parent == Path(settings.DATA_DIR) / "backups":
        # Varde's own folder of backups is its alone, even if it was made before this rule
        # (mkdir's mode applies only to a folder it creates). A folder named with --output
        # belongs to the operator and is left as it is; the file in it is private regardless.
        target.parent.chmod(0o700)
    # mkstemp creates the file 0600; SQLite and pg_dump write into it and keep that mode.
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temp = Path(name)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(temp)
        elif connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(temp)], _pg_args())
        else:
            raise BackupError(f"No backup method for {connection.vendor}.")
        os.chmod(temp, 0o600)
        _fsync(temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def restore_database(*, source: Path) -> None:
    """Load a backup into this instance's database, which must be empty."""
    head = _head(source)
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not an SQLite backup.")
        _refuse_unless_empty()
        _sqlite_restore(source)
    elif connection.vendor == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump backup in the custom format.")
        _refuse_unless_empty()
        connection.close()
        _run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"],
            _pg_args(),
            tail=[str(source)],
        )
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")


def database_tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_backup(temp: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(temp)
    try:
        # pages=-1 copies everything in one step, inside one read transaction: a snapshot.
        connection.connection.backup(target, pages=-1)
        _sqlite_check(target, temp)
    finally:
        target.close()


def _sqlite_restore(source: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _sqlite_check(backup, source)
        connection.ensure_connection()
        backup.backup(connection.connection, pages=-1)
    finally:
        backup.close()
    connection.close()


def _sqlite_check(db: sqlite3.Connection, path: Path) -> None:
    result = db.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(f"{path} failed SQLite's integrity check: {result[:5]}")


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db: dict[str, Any] = connection.settings_dict
    args = ["--dbname", db["NAME"], "--username", db["USER"] or "postgres"]
    if db["HOST"]:
        args += ["--host", db["HOST"]]
    if db["PORT"]:
        args += ["--port", str(db["PORT"])]
    env = {**os.environ}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(
    command: list[str], pg: tuple[list[str], dict[str, str]], *, tail: list[str] | None = None
) -> None:
    args, env = pg
    try:
        result = subprocess.run(
            [*command, *args, *(tail or [])], env=env, capture_output=True, text=True
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


# --- Shared -----------------------------------------------------------------------------------


def _refuse_unless_empty() -> None:
    tables = database_tables()
    if tables:
        raise BackupError(
            f"The database already has {len(tables)} tables; restore into a fresh, empty one."
        )


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}") from None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
