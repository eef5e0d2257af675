"""What the database holds, as one fingerprint per table, to tell whether a request changed it.

Read with plain SQL over every table the database has (not only the ones a model names), so
a write through any path shows. Django's session table is left out: logging the test client
in writes it, and the session is not the application's data.
"""

from __future__ import annotations

import hashlib

from django.db import connection

LEFT_OUT = frozenset({"django_session"})


def database_state(*, leave_out: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every table's rows, hashed in a fixed order: table name -> digest."""
    state = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in LEFT_OUT or table in leave_out:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            digest = hashlib.sha256()
            # Sorted here rather than in SQL: PostgreSQL returns rows in no fixed order, and
            # not every column type can be ordered by.
            for row in sorted(repr(row) for row in cursor.fetchall()):
                digest.update(row.encode())
            state[table] = digest.hexdigest()
    return state


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
