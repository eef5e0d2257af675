"""The stored question holds nothing that identifies the pupil, checked in the raw database,
and the access log leaves the pupil out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from varde.questions.accesslog import PupilSafeLogger, hour_stamp, pupil_safe_atoms
from varde.questions.models import PupilQuestion

from .helpers import ANSWER, QUESTION, REMOTE_ADDR, USER_AGENT, ask, code_of, pupil


def raw_rows(table: str) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [c[0] for c in cursor.description]
        return columns, cursor.fetchall()


def as_text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def everything_stored() -> str:
    """Every row of every table, as text."""
    found = []
    for table in connection.introspection.table_names():
        _columns, rows = raw_rows(table)
        found.extend(as_text(value) for row in rows for value in row)
    return "\n".join(found)


def test_the_stored_question_holds_no_address_browser_or_session(world):
    sessions = Session.objects.count()
    browser = pupil()
    code = code_of(ask(browser, world, urgent=True).content.decode())
    browser.post(ANSWER, {"code": code})
    columns, rows = raw_rows(PupilQuestion._meta.db_table)
    assert len(rows) == 1
    row = dict(zip(columns, rows[0], strict=True))
    assert sorted(row) == sorted(
        [
            "id",
            "school_id",
            "to_role",
            "topic",
            "urgent",
            "asked_at",
            "question",
            "code_key",
            "code_hash",
            "answer",
            "answered_at",
            "answered_by_id",
            "answered_role",
            "hidden_at",
            "hidden_reason",
        ]
    )
    text = " ".join(as_text(v) for v in row.values())
    assert REMOTE_ADDR not in text and USER_AGENT not in text and "Kanarifugl" not in text
    # The text is sealed, and the time kept to the hour.
    assert QUESTION not in text and "hasj" not in text
    asked = PupilQuestion.objects.get().asked_at
    assert (asked.minute, asked.second, asked.microsecond) == (0, 0, 0)
    # The pupil got no session, so no session key can be stored with anything.
    assert Session.objects.count() == sessions
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    assert not any(key in text for key in Session.objects.values_list("session_key", flat=True))


def test_the_pupils_address_and_browser_appear_nowhere_in_the_database(world):
    browser = pupil()
    code = code_of(ask(browser, world).content.decode())
    browser.post(ANSWER, {"code": code})
    browser.post(ANSWER, {"code": "AAAA-BBBB-CCCC-DDDD"})
    stored = everything_stored()
    assert stored.count("Lunner ungdomsskole") >= 1, "the dump should reach the rows"
    assert REMOTE_ADDR not in stored
    assert USER_AGENT not in stored and "elevens-mobil-7731" not in stored
    assert code not in stored and code.replace("-", "") not in stored


def test_the_access_log_leaves_the_address_browser_and_second_out_on_pupils_pages():
    atoms = {
        "h": REMOTE_ADDR,
        "u": "-",
        "t": "[07/Dec/2026:10:42:13 +0100]",
        "r": "POST /k/lunner/elev/sporsmal/ HTTP/1.1",
        "s": "200",
        "f": "https://lunner.example/k/lunner/elev/",
        "a": USER_AGENT,
        "{user-agent}i": USER_AGENT,
        "{x-forwarded-for}i": REMOTE_ADDR,
        "{remote_addr}e": REMOTE_ADDR,
        "{set-cookie}o": "csrftoken=abc",
    }
    safe = pupil_safe_atoms(dict(atoms), "/k/lunner/elev/sporsmal/")
    assert REMOTE_ADDR not in str(safe) and USER_AGENT not in str(safe)
    assert safe["r"] == atoms["r"] and safe["s"] == "200"
    assert safe["t"].endswith(":00:00 +0100]") or safe["t"].endswith(":00:00 +0000]")
    # Staff pages are logged as gunicorn logs them.
    assert pupil_safe_atoms(dict(atoms), "/ansatt/rad/") == atoms
    assert issubclass(PupilSafeLogger, object)
    moment = dt.datetime(2026, 12, 7, 10, 42, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert hour_stamp(moment) == "[07/Dec/2026:10:00:00 +0100]"


def test_the_logger_class_writes_no_address_for_a_question(capsys):
    from types import SimpleNamespace

    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    logger = PupilSafeLogger(config)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/k/lunner/elev/sporsmal/",
        "PATH_INFO": "/k/lunner/elev/sporsmal/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": REMOTE_ADDR,
        "HTTP_USER_AGENT": USER_AGENT,
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("USER-AGENT", USER_AGENT)])
    logger.access(response, request, environ, dt.timedelta(seconds=0, microseconds=1200))
    written = capsys.readouterr()
    line = written.out + written.err
    assert "POST /k/lunner/elev/sporsmal/" in line
    assert REMOTE_ADDR not in line and USER_AGENT not in line
