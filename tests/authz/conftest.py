from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

# Figure lines ("authz: N requests, M mismatches") collected by the tests in this folder and
# printed at the end of the run, so they show even when pytest captures output.
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("authorization figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _quiet_expected_refusals() -> Iterator[None]:
    """Thousands of 404s, 405s and 401s are the point here; only server errors are logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
