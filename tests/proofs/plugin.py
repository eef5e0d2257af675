"""Proofs: tests that stand for a promise in docs/quality.md and report what they measured.

A proof test carries `@pytest.mark.proof("<row>")` and may take the `proof_figures`
fixture to count what it did:

    proof_figures.add(requests=1, checked=3)

Each proof test's outcome and figures are written as one JSON line to the file named by
VARDE_PROOFS_FILE (when set), and shown at the end of the run. Each line also says which
code it measured (the git commit, and whether the working tree had changes not in it) and
whether it ran at full counts, so a table of figures can refuse lines that do not belong to
it. `tests/proofs/summary.py` turns that file into one table. VARDE_PROOFS_FULL=1 asks for
the full counts (`make proofs`); without it the proofs run lighter, as part of `make test`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

FIGURE_NAMES = ("requests", "inputs", "faults", "checked", "lost")
_STASH = pytest.StashKey[dict[str, Any]]()
_LINES: list[str] = []
REPOSITORY = Path(__file__).resolve().parents[2]


def proofs_full() -> bool:
    return os.environ.get("VARDE_PROOFS_FULL", "") == "1"


def scale(light: int, full: int) -> int:
    """How many examples, races or kills a proof runs: `full` under `make proofs`."""
    return full if proofs_full() else light


@cache
def code_version() -> dict[str, object]:
    """The commit the proofs ran on, and whether the working tree differed from it.

    Asked of git once per process. Outside a git checkout (an unpacked release) the commit
    is "unknown", which no figures table accepts.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPOSITORY, capture_output=True, text=True, check=True
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        # Untracked files count: a new test file not yet committed changes what ran.
        dirty = bool(git("status", "--porcelain").strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "dirty": True}
    return {"commit": commit, "dirty": dirty}


class Figures:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter({name: 0 for name in FIGURE_NAMES})
        self.notes: dict[str, str] = {}

    def add(self, **counts: int) -> None:
        unknown = set(counts) - set(FIGURE_NAMES)
        if unknown:
            raise ValueError(f"unknown figures {sorted(unknown)}; use {FIGURE_NAMES}")
        self.counts.update(counts)

    def note(self, name: str, value: object) -> None:
        """A figure that is not a count, such as how long a restore took."""
        self.notes[name] = str(value)

    def line(self) -> str:
        parts = [f"{self.counts[name]} {name}" for name in FIGURE_NAMES]
        parts += [f"{name} {value}" for name, value in self.notes.items()]
        return ", ".join(parts)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "proof(row): the test proves a row of docs/quality.md and reports figures"
    )


@pytest.fixture
def proof_figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    figures = Figures()
    request.node.stash.setdefault(_STASH, {})["figures"] = figures
    yield figures


@pytest.fixture(autouse=True)
def _count_test_client_requests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Count the requests a proof makes through Django's test client, for proofs that do not
    count their own."""
    if request.node.get_closest_marker("proof") is None:
        yield
        return
    from django.test.client import Client

    state = request.node.stash.setdefault(_STASH, {})
    state["client_requests"] = 0
    original = Client.request

    def counting(self: Client, **kwargs: Any) -> Any:
        state["client_requests"] += 1
        return original(self, **kwargs)

    Client.request = counting  # type: ignore[method-assign]
    try:
        yield
    finally:
        Client.request = original  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    marker = item.get_closest_marker("proof")
    if marker is None:
        return report
    state = item.stash.setdefault(_STASH, {})
    if report.failed or (report.when == "call" and report.skipped):
        state["failed"] = True
    if report.when == "call":
        state["ran"] = True
    if report.when == "teardown":
        _record(item, marker, state)
    return report


def _record(item: pytest.Item, marker: pytest.Mark, state: dict[str, Any]) -> None:
    figures: Figures = state.get("figures") or Figures()
    if not figures.counts["requests"]:
        figures.add(requests=state.get("client_requests", 0))
    passed = state.get("ran", False) and not state.get("failed", False)
    row = marker.args[0] if marker.args else item.name
    entry = {
        "row": row,
        "test": item.nodeid,
        "passed": passed,
        "figures": dict(figures.counts),
        "notes": figures.notes,
        "database": _vendor(),
        "full": proofs_full(),
        **code_version(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
    }
    _LINES.append(f"{'ok  ' if passed else 'FAIL'} {row}: {figures.line()}  [{item.nodeid}]")
    path = os.environ.get("VARDE_PROOFS_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _vendor() -> str:
    try:
        from django.db import connection

        return connection.vendor
    except Exception:  # Django not configured: a proof that needs no database.
        return "-"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _LINES:
        terminalreporter.section("proof figures")
        for line in _LINES:
            terminalreporter.write_line(line)
