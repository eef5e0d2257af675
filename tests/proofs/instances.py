"""Separate Varde instances for drills: each its own database (a temporary SQLite file, or a
scratch PostgreSQL database when DATABASE_URL is set), run through manage.py in subprocesses
just as an operator would, and read back with the plain database driver."""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent


def postgres_url() -> str:
    return os.environ.get("DATABASE_URL", "")


@dataclass
class Instance:
    data_dir: Path
    env: dict[str, str]
    database_url: str = ""

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "varde.sqlite3"

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run([sys.executable, "manage.py", *args], check=check)

    def run(self, command: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def popen(self, command: list[str], **kwargs: object) -> subprocess.Popen[str]:
        return subprocess.Popen(command, cwd=ROOT, env=self.env, text=True, **kwargs)

    # --- Reading the database directly ----------------------------------------------------

    @contextmanager
    def cursor(self) -> Iterator[object]:
        if self.database_url:
            import psycopg

            with psycopg.connect(libpq_url(self.database_url), autocommit=True) as conn:
                with conn.cursor() as cur:
                    yield cur
        else:
            conn = sqlite3.connect(self.sqlite_path, timeout=30)
            try:
                yield conn.cursor()
            finally:
                conn.close()

    def tables(self) -> list[str]:
        with self.cursor() as cur:
            if self.database_url:
                cur.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            else:
                cur.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY 1"
                )
            return [row[0] for row in cur.fetchall()]

    def rows(self, table: str) -> dict[str, tuple[str, ...]]:
        """The table's rows as text, keyed by their first column (the primary key)."""
        with self.cursor() as cur:
            cur.execute(f'SELECT * FROM "{table}"')
            return {repr(row[0]): tuple(map(repr, row)) for row in cur.fetchall()}

    def scalar(self, sql: str) -> object:
        with self.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]

    def integrity_problems(self) -> list[str]:
        """SQLite's integrity and foreign key checks, or amcheck over every PostgreSQL index."""
        with self.cursor() as cur:
            if not self.database_url:
                cur.execute("PRAGMA integrity_check")
                problems = [row[0] for row in cur.fetchall() if row[0] != "ok"]
                cur.execute("PRAGMA foreign_key_check")
                return problems + [repr(row) for row in cur.fetchall()]
            cur.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            cur.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = 'public'"
            )
            problems = []
            for (index,) in cur.fetchall():
                try:
                    cur.execute("SELECT bt_index_check(%s::regclass, true)", [index])
                except Exception as exc:  # amcheck raises on the first corrupt page
                    problems.append(f"{index}: {exc}")
            return problems


def libpq_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def checksum(rows: list[tuple[str, ...]]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()[:16]


@contextmanager
def instances(tmp_path: Path, *names: str) -> Iterator[list[Instance]]:
    """Fresh, empty instances sharing one keyring and secret key; scratch databases are
    dropped afterwards."""
    secret = secrets.token_urlsafe(40)
    created: list[str] = []
    made: list[Instance] = []
    base = postgres_url()
    try:
        for name in names:
            data_dir = tmp_path / name
            data_dir.mkdir(parents=True)
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in ("DATABASE_URL", "VARDE_TEST_SQLITE", "PYTEST_CURRENT_TEST")
            }
            env.update(
                DJANGO_SETTINGS_MODULE="varde.settings",
                VARDE_DATA_DIR=str(data_dir),
                VARDE_KEYS_FILE=str(tmp_path / "keyring" / "keys.json"),
                SECRET_KEY=secret,
                PYTHONPATH=str(ROOT),
            )
            url = ""
            if base:
                db = f"varde_drill_{name}_{secrets.token_hex(4)}"
                _admin(base, f'CREATE DATABASE "{db}"')
                created.append(db)
                parts = urlsplit(base)
                url = urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))
                env["DATABASE_URL"] = url
            made.append(Instance(data_dir=data_dir, env=env, database_url=url))
        yield made
    finally:
        for db in created:
            _admin(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _admin(base: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(base)
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)
