"""Incidents counted for the municipality's insights: by month, school and kind, no person."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import time_machine

from varde.incidents.selectors import incident_counts
from varde.incidents.services import incident_start

OSLO = ZoneInfo("Europe/Oslo")


def start(world, moment: dt.datetime, kind: str, school=None) -> None:
    with time_machine.travel(moment, tick=False):
        incident_start(
            actor=world.principal,
            school=school or world.school,
            kind=kind,
            client_token=uuid.uuid4(),
        )


def test_incidents_are_counted_by_oslo_month_school_and_kind(world):
    # 00:30 on 1 December in Oslo is still 30 November in UTC: it counts for December.
    start(world, dt.datetime(2025, 12, 1, 0, 30, tzinfo=OSLO), "drug_sale")
    start(world, dt.datetime(2025, 12, 9, 10, 0, tzinfo=OSLO), "drug_sale")
    start(world, dt.datetime(2025, 12, 9, 11, 0, tzinfo=OSLO), "intoxicated")
    start(world, dt.datetime(2025, 11, 30, 23, 0, tzinfo=OSLO), "intoxicated")
    counts = incident_counts(
        municipality_id=world.lunner.pk,
        since=dt.datetime(2025, 11, 30, tzinfo=OSLO),
        until=dt.datetime(2026, 1, 1, tzinfo=OSLO),
    )
    rows = {(c.month, c.school_name, c.kind): c.count for c in counts}
    assert rows[(dt.date(2025, 12, 1), "Lunner ungdomsskole", "drug_sale")] == 2
    assert rows[(dt.date(2025, 12, 1), "Lunner ungdomsskole", "intoxicated")] == 1
    assert rows[(dt.date(2025, 11, 1), "Lunner ungdomsskole", "intoxicated")] == 1
    fields = {f.name for f in dataclasses.fields(counts[0])}
    assert fields == {"month", "school_id", "school_name", "kind", "count"}


def test_other_municipalities_are_not_counted(world):
    counts = incident_counts(
        municipality_id=world.lunner.pk,
        since=dt.datetime(2000, 1, 1, tzinfo=OSLO),
        until=dt.datetime(2100, 1, 1, tzinfo=OSLO),
    )
    assert {c.school_id for c in counts} == {world.school.pk}
    assert sum(c.count for c in counts) == 1  # Tina's incident; Gran's is not Lunner's
