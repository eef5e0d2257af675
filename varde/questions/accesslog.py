"""gunicorn's access log without the pupil: no address, browser or exact time on pupils' pages.

A pupil's anonymous question stores nothing about who asked, but gunicorn's access log would
still write the address, the browser and the second of every request to the question pages,
beside the municipality in the path. On the pupils' pages (`/k/<municipality>/elev/...`) this
logger writes "-" for every request and response header and for the address, the user and
the referrer, and the time to the hour only; every other page is logged as gunicorn does.

Used with `gunicorn --logger-class varde.questions.accesslog.PupilSafeLogger` (see the
Makefile). A reverse proxy in front of Varde keeps its own log and must leave the address out
for these paths in the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gunicorn.glogging import Logger

PUPIL_PATHS = re.compile(r"^/k/[^/]+/elev/")
# Atoms of gunicorn's access log format that can tell one pupil from another.
IDENTIFYING = ("h", "u", "f", "a")


def is_pupil_path(path: str) -> bool:
    return bool(PUPIL_PATHS.match(path or ""))


def hour_stamp(now: dt.datetime | None = None) -> str:
    """The time as gunicorn's %(t)s writes it, to the hour."""
    moment = (now or dt.datetime.now().astimezone()).replace(minute=0, second=0, microsecond=0)
    return moment.strftime("[%d/%b/%Y:%H:%M:%S %z]")


def pupil_safe_atoms(atoms: dict[str, Any], path: str) -> dict[str, Any]:
    """The atoms to log: unchanged, or on a pupils' page without anything identifying."""
    if not is_pupil_path(path):
        return atoms
    safe = {
        key: value
        for key, value in atoms.items()
        if not (key.startswith("{") and key[-2:] in ("}i", "}e", "}o"))
    }
    safe.update({key: "-" for key in IDENTIFYING})
    safe["t"] = hour_stamp()
    return safe


class PupilSafeLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        return pupil_safe_atoms(atoms, environ.get("PATH_INFO", ""))
