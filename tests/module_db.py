"""Rows made once for all the tests of a module, for a setup too slow to repeat for each test
(the demo: dozens of people and pupils, and the PDFs of its archived case).

`kept_for_the_module` makes the rows in a transaction that stays open while the module's tests
run and is rolled back after the last of them. pytest-django's `db` runs each test in a
savepoint inside it, rolled back after the test as always, so no test sees what another
changed. Every test of such a module starts from these rows, so a module holds only tests
that want them; a test of another module never runs inside the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from django.db import transaction
from django.test import override_settings

Made = TypeVar("Made")


def kept_for_the_module(
    django_db_blocker, folder: Path, make: Callable[[], Made]
) -> Iterator[Made]:
    """For a module-scoped fixture: `yield from kept_for_the_module(...)`. `make` runs with
    the settings tests/conftest.py gives each test, its data folder and audit anchor in
    `folder`."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(
                DATA_DIR=folder / "data",
                VARDE_AUDIT_ANCHOR_FILE=folder / "audit-anchor.log",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            ):
                made = make()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
