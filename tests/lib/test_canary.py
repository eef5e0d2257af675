"""The canary: plaintext typed into a sealed field never reaches the database's own bytes.

raw_database_bytes() reads the whole database as someone who copied it would; the proof
that walks the real forms (tests/proofs/test_canary_forms.py) scans with it too."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection

from varde.lib.crypto import encrypt_text
from varde.lib.fields import EncryptedTextField


@pytest.mark.proof("Encryption at rest")
@pytest.mark.django_db(transaction=True)
def test_a_canary_never_reaches_the_raw_database(keys_file: Path, proof_figures) -> None:
    canary = f"KANARI-{uuid.uuid4()}"
    field = EncryptedTextField(context="tests.canary.body")
    token = encrypt_text(canary, context="tests.canary.body")
    insert = "INSERT INTO canary (id, body) VALUES (%s, %s)"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE canary (id integer primary key, body text)")
    try:
        with connection.cursor() as cursor:
            cursor.execute(insert, [1, token])
            cursor.execute(insert, [2, field.get_prep_value(canary)])
            cursor.execute("SELECT body FROM canary ORDER BY id")
            stored = [row[0] for row in cursor.fetchall()]
        assert stored[0] == token
        assert all(canary not in value for value in stored)
        assert field.from_db_value(stored[1], None, connection) == canary
        raw = raw_database_bytes()
        # The token itself must be found, or the scan looked in the wrong place.
        assert token.encode() in raw
        assert canary.encode() not in raw
        assert canary.encode("utf-16-le") not in raw
        proof_figures.add(checked=len(stored), inputs=1)
        proof_figures.note("raw bytes scanned", len(raw))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE canary")


def raw_database_bytes() -> bytes:
    """Everything the database keeps, as bytes an attacker who copied it would see."""
    if connection.vendor == "sqlite":
        return sqlite_bytes()
    if connection.vendor == "postgresql":
        return postgres_bytes()
    pytest.fail(f"no raw byte reader for {connection.vendor}: the canary cannot be checked")


def sqlite_bytes() -> bytes:
    """The database file and its -wal file (or, in memory, the serialized database), and a
    .dump of it."""
    connection.ensure_connection()
    dump = "\n".join(connection.connection.iterdump()).encode()
    if connection.is_in_memory_db():
        return connection.connection.serialize() + dump
    name = Path(connection.settings_dict["NAME"])
    # In WAL mode fresh rows sit in the -wal file until a checkpoint; read both.
    files = [name, name.with_name(name.name + "-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists()) + dump


def postgres_bytes() -> bytes:
    """A pg_dump of the whole database and, when the role may read them, the files of every
    table and TOAST table."""
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("CHECKPOINT")
            cursor.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 't') AND n.nspname IN ('public', 'pg_toast') "
                "AND pg_relation_filepath(c.oid) IS NOT NULL"
            )
            for (path,) in cursor.fetchall():
                cursor.execute("SELECT pg_read_binary_file(%s)", [path])
                chunks.append(bytes(cursor.fetchone()[0]))
    if shutil.which("pg_dump"):
        chunks.append(pg_dump_data())
    if not chunks:
        pytest.fail("neither the table files nor pg_dump can be read: the canary cannot be checked")
    return b"".join(chunks)


def pg_dump_data() -> bytes:
    """pg_dump of all the test database's data, as a backup would hold it."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    command = ["pg_dump", "--data-only", "-h", db["HOST"] or "localhost"]
    command += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout
