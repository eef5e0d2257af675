"""Chromium through Playwright against pytest-django's live server.

The live server runs in a thread of this process, so the test database has to be
committed for it to see the rows. Asking for `live_server` makes pytest-django
use `transactional_db` for the test, and the shared `world` fixture (which asks
for `db`) is then built inside that transactional database, so it works here
unchanged.
"""

from __future__ import annotations

import pytest

from tests.browser.support import AXE_TALLY, WIDE, ConsoleWatch

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": LAUNCH_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": WIDE,
        "locale": "nb-NO",
        "timezone_id": "Europe/Oslo",
    }


@pytest.fixture
def console(page) -> ConsoleWatch:
    """Console messages and page errors of the test's page, CSP reports among them."""
    watch = ConsoleWatch()
    watch.attach(page)
    return watch


def pytest_terminal_summary(terminalreporter):
    if AXE_TALLY["runs"]:
        pages = len(AXE_TALLY["pages"])
        terminalreporter.write_line(
            f"axe: {pages} pages × 2 widths, {AXE_TALLY['violations']} violations"
        )
