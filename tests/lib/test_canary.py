"""The canary: plaintext typed into a sealed field never reaches the database's own bytes."""

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
    """Everything the database keeps for the test, as bytes an attacker would see."""
    if connection.vendor == "sqlite":
        return sqlite_bytes()
    if connection.vendor == "postgresql":
        return postgres_bytes()
    pytest.fail(f"no raw byte reader for {connection.vendor}: the canary cannot be checked")


def sqlite_bytes() -> bytes:
    connection.ensure_connection()
    dump = "\n".join(connection.connection.iterdump()).encode()
    if connection.is_in_memory_db():
        return connection.connection.serialize() + dump
    name = Path(connection.settings_dict["NAME"])
    # In WAL mode fresh rows sit in the -wal file until a checkpoint; read both.
    files = [name, name.with_name(name.name + "-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists()) + dump


def postgres_bytes() -> bytes:
    """The table's heap file when the role may read it, and a pg_dump of the table."""
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("CHECKPOINT")
            cursor.execute("SELECT pg_read_binary_file(pg_relation_filepath('canary'))")
            chunks.append(bytes(cursor.fetchone()[0]))
    if shutil.which("pg_dump"):
        chunks.append(pg_dump_table("canary"))
    if not chunks:
        pytest.fail("neither the heap file nor pg_dump is available: the canary cannot be checked")
    return b"".join(chunks)


def pg_dump_table(table: str) -> bytes:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    command = ["pg_dump", "--data-only", "-t", table, "-h", db["HOST"] or "localhost"]
    command += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout
