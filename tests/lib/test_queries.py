"""sorted_rows gives the same order as the database's ORDER BY."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from varde.cases.models import CaseEvent
from varde.lib.queries import sorted_rows


@pytest.mark.django_db
def test_rows_come_in_the_models_own_order_ties_broken_by_id(world) -> None:
    case = world.case
    noon = timezone.now().replace(microsecond=0)
    for minutes in (30, -5, 30, 0, -60, 30):
        CaseEvent.objects.create(
            case=case, at=noon + dt.timedelta(minutes=minutes), actor=world.teacher, kind="note"
        )
    ordered_by_database = list(case.events.all())
    assert len(ordered_by_database) >= 6
    assert sorted_rows(case.events.all()) == ordered_by_database
    assert [e.pk for e in sorted_rows(case.events.all(), "pk")] == sorted(
        e.pk for e in ordered_by_database
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [("-at",), ("case__opened_at",)])
def test_only_ascending_plain_fields_are_taken(world, fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="only ascending plain fields"):
        sorted_rows(world.case.events.all(), *fields)
