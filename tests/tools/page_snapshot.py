"""Every page's HTML for every role, written to a folder, to compare two commits' pages.

Not a check, so not collected with the suite. With the clock stopped at one instant, it builds
the test world and fetches every GET of tests/authz/matrix.yaml that answers 200, as each of
the matrix's roles; then it loads the fictional demo data and, as each demo user, follows the
links of the staff pages from the start page. Values that differ on every run (CSRF tokens,
calendar feed tokens, TOTP secrets) are replaced by a placeholder, so two runs of the same code
write the same files. Run it before and after a change and compare the folders:

    VARDE_SNAPSHOT_DIR=/tmp/before .venv/bin/python -m pytest -q tests/tools/page_snapshot.py
    diff -r -w /tmp/before /tmp/after
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction

from tests.authz.harness import (
    Expected,
    fresh_client,
    load_matrix,
    path_for,
    resolve_kwargs,
    symbols,
    url_patterns,
)

# A Tuesday in term time, at 10:40 in Oslo: the child welfare office is open.
INSTANT = dt.datetime(2026, 11, 24, 9, 40, tzinfo=dt.UTC)
CRAWL_LIMIT = 400

VOLATILE = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
        'name="csrfmiddlewaretoken" value="*"',
    ),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "*"'),
    (re.compile(r'name="([a-z-]*)token" value="[0-9a-f-]{36}"'), r'name="\1token" value="*"'),
    (re.compile(r"/kalender/[A-Za-z0-9_-]{20,}"), "/kalender/*"),
    (re.compile(r"secret=[A-Z2-7]+"), "secret=*"),
    (re.compile(r"\b[A-Z2-7]{32}\b"), "*totp*"),
    (re.compile(r'data:image/[^"]+'), "data:image/*"),
]


def normalised(html: str) -> str:
    for pattern, replacement in VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def out_dir() -> Path:
    folder = os.environ.get("VARDE_SNAPSHOT_DIR")
    if not folder:
        pytest.skip("VARDE_SNAPSHOT_DIR names the folder to write")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(folder: Path, name: str, html: str) -> None:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "root"
    (folder / f"{safe}.html").write_text(normalised(html), encoding="utf-8")


@pytest.mark.django_db(transaction=False)
def test_matrix_pages():
    folder = out_dir() / "matrix"
    folder.mkdir(exist_ok=True)
    with time_machine.travel(INSTANT, tick=False):
        from tests.world import build_world

        world = build_world()
        matrix = load_matrix()
        personas = world.personas()
        values = symbols(world)
        named = {pattern.key for pattern in url_patterns() if pattern.named}
        written = 0
        for key, cases in matrix["urls"].items():
            for index, case in enumerate(cases):
                path = path_for(key, resolve_kwargs(case.get("kwargs"), values), named)
                for role, value in case["GET"].items():
                    if Expected.parse(value).status != 200:
                        continue
                    with transaction.atomic():
                        cache.clear()
                        response = fresh_client(personas[role]).get(path)
                        if response.status_code == 200 and "html" in response.get(
                            "Content-Type", ""
                        ):
                            save(folder, f"{key}-{index}-{role}", response.content.decode())
                            written += 1
                        transaction.set_rollback(True)
    print(f"{written} pages written to {folder}")


@pytest.mark.django_db(transaction=False)
def test_demo_pages():
    folder = out_dir() / "demo"
    folder.mkdir(exist_ok=True)
    with time_machine.travel(INSTANT, tick=False):
        from tests.world import PLAN_FILE
        from varde.people.demo import demo_load
        from varde.people.models import User
        from varde.plan.services import plan_load_file

        plan_load_file(path=PLAN_FILE)
        logins = demo_load(stdout=io.StringIO())
        written = 0
        for login in logins:
            user = User.objects.get(email=login.email)
            client = fresh_client(user)
            seen: set[str] = set()
            queue = ["/ansatt/"]
            while queue and len(seen) < CRAWL_LIMIT:
                path = queue.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                response = client.get(path)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                html = response.content.decode()
                save(folder, f"{login.email}-{path}", html)
                written += 1
                for href in re.findall(r'href="([^"#]+)"', html):
                    link = urlsplit(href.replace("&amp;", "&"))
                    if link.netloc or not link.path.startswith(("/ansatt/", "/k/")):
                        continue
                    if "logg" in link.path or link.path.endswith((".csv", ".ics", ".pdf", ".zip")):
                        continue
                    queue.append(link.path + (f"?{link.query}" if link.query else ""))
    print(f"{written} pages written to {folder}")
