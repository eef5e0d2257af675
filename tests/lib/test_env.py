"""DATABASE_URL: what it turns into, and that PostgreSQL plans a repeated statement once."""

from __future__ import annotations

import pytest
from django.db import connection

from varde.lib.env import database_from_url


@pytest.mark.any_database
def test_a_postgres_url_binds_on_the_server_and_prepares_after_five_runs() -> None:
    db = database_from_url("postgres://varde:s%40cret@db.example:6543/varde")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "varde",
        "varde",
        "s@cret",
        "db.example",
        "6543",
    )
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.any_database
@pytest.mark.parametrize(
    ("query", "threshold"), [("off", None), ("none", None), ("0", 0), ("12", 12), ("OFF", None)]
)
def test_the_prepare_threshold_can_be_set_or_turned_off_for_a_pooler(
    query: str, threshold: int | None
) -> None:
    db = database_from_url(f"postgresql://postgres@127.0.0.1/varde?prepare_threshold={query}")
    assert db["OPTIONS"]["prepare_threshold"] == threshold


@pytest.mark.any_database
def test_other_parameters_go_to_libpq_as_they_are() -> None:
    db = database_from_url("postgres://varde@db.example/varde?sslmode=require&connect_timeout=5")
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": "5",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


@pytest.mark.any_database
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/varde", "unsupported scheme 'mysql'"),
        ("postgres://localhost/varde?prepare_threshold=-1", "whole number or 'off'"),
        ("postgres://localhost/varde?prepare_threshold=often", "whole number or 'off'"),
    ],
)
def test_a_url_varde_cannot_use_is_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        database_from_url(url)


@pytest.mark.django_db
def test_postgresql_keeps_a_statement_prepared_once_it_has_run_often_enough() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from varde.people.models import School

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%people_school%external_id%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    for n in range(7):
        list(School.objects.filter(external_id=f"missing-{n}"))
    assert prepared() == before + 1
