from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

# A fixed day, so the school year, the default period and the world's own records
# (opened "now") fall in the same months on every run.
TODAY = dt.datetime(2026, 12, 10, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world(frozen, db):
    from tests.world import build_world

    return build_world()
