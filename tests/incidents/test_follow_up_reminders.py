"""The next-day follow-up: due the next school day in Oslo, reminded from 07:00 that morning
to the adult the pupil chose, escalated to leadership when it was not held; across midnight,
weekends, public holidays and both summer-time changes. Clocks are frozen, never timed."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from varde.incidents.models import FollowUp
from varde.incidents.services import follow_up_choose, follow_up_record, incident_start
from varde.lib.holidays import school_day_after
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect, reminders_send

OSLO = ZoneInfo("Europe/Oslo")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def incident_at(world, moment: dt.datetime) -> FollowUp:
    with time_machine.travel(moment, tick=False):
        incident = incident_start(
            actor=world.principal,
            school=world.school,
            kind="intoxicated",
            pupil=world.pupil,
            client_token=uuid.uuid4(),
        )
        return follow_up_choose(actor=world.principal, incident=incident, adult=world.kjentmann)


def reminded(world, moment: dt.datetime, user=None) -> bool:
    with time_machine.travel(moment, tick=False):
        reminders_collect(now=moment)
    return Reminder.objects.filter(
        user=user or world.kjentmann, key__startswith="followup:", done_at__isnull=True
    ).exists()


@pytest.mark.parametrize(
    ("started", "due"),
    [
        (at(2026, 12, 1, 23, 50), dt.date(2026, 12, 2)),  # Tuesday just before midnight
        (at(2026, 12, 2, 0, 10), dt.date(2026, 12, 3)),  # just after: Wednesday's next day
        (at(2026, 12, 4, 14, 0), dt.date(2026, 12, 7)),  # Friday: Monday
        (at(2026, 12, 5, 20, 0), dt.date(2026, 12, 7)),  # Saturday evening: Monday
        (at(2026, 5, 13, 11, 0), dt.date(2026, 5, 15)),  # before Ascension Day (14 May)
        (at(2026, 12, 23, 9, 0), dt.date(2026, 12, 24)),  # Christmas Eve is no public holiday
        (at(2026, 12, 24, 9, 0), dt.date(2026, 12, 28)),  # 25 and 26 December, then Sunday
        (at(2026, 3, 27, 13, 0), dt.date(2026, 3, 30)),  # Friday before summer time starts
        (at(2026, 10, 23, 13, 0), dt.date(2026, 10, 26)),  # Friday before summer time ends
    ],
)
def test_the_follow_up_is_due_the_next_school_day_in_oslo(world, started, due):
    assert incident_at(world, started).due_on == due


def test_school_days_skip_weekends_and_public_holidays():
    assert school_day_after(dt.date(2026, 4, 1)) == dt.date(2026, 4, 7)  # Easter
    assert school_day_after(dt.date(2026, 12, 4), days=2) == dt.date(2026, 12, 8)


def test_the_adult_is_reminded_from_seven_in_the_morning_not_before(world):
    incident_at(world, at(2026, 12, 1, 23, 50))
    assert not reminded(world, at(2026, 12, 2, 0, 5))
    assert not reminded(world, at(2026, 12, 2, 6, 59))
    assert reminded(world, at(2026, 12, 2, 7, 0))


def test_nothing_is_reminded_over_the_weekend_and_on_monday_morning_it_is(world):
    incident_at(world, at(2026, 12, 4, 14, 0))
    for moment in (at(2026, 12, 5, 9, 0), at(2026, 12, 6, 9, 0), at(2026, 12, 7, 6, 30)):
        assert not reminded(world, moment), moment
    assert reminded(world, at(2026, 12, 7, 7, 5))


@pytest.mark.parametrize(
    ("started", "monday"),
    [(at(2026, 3, 27, 13, 0), (2026, 3, 30)), (at(2026, 10, 23, 13, 0), (2026, 10, 26))],
    ids=["summer time starts", "summer time ends"],
)
def test_seven_in_the_morning_is_oslo_time_across_the_summer_time_change(world, started, monday):
    incident_at(world, started)
    assert not reminded(world, at(*monday, 6, 55))
    assert reminded(world, at(*monday, 7, 0))


def test_an_overdue_follow_up_is_escalated_to_leadership_the_next_morning(world):
    follow_up = incident_at(world, at(2026, 12, 1, 10, 0))
    key = f"escalated:followup:{follow_up.pk}:2026-12-02"
    assert not reminded(world, at(2026, 12, 2, 15, 0), world.principal)
    reminded(world, at(2026, 12, 3, 6, 0))
    assert not Reminder.objects.filter(user=world.principal, key=key).exists()
    reminded(world, at(2026, 12, 3, 7, 0))
    assert Reminder.objects.filter(user=world.principal, key=key).exists()


def test_a_worker_that_was_down_when_it_fell_due_still_reminds_once(world):
    incident_at(world, at(2026, 12, 4, 14, 0))
    # The worker was down all Monday and comes back on Tuesday afternoon.
    moment = at(2026, 12, 8, 15, 0)
    with time_machine.travel(moment, tick=False):
        reminders_collect(now=moment)
        reminders_send(now=moment)
        reminders_collect(now=moment)
        reminders_send(now=moment)
    to_kari = [m for m in mail.outbox if m.to == [world.kjentmann.email]]
    assert len(to_kari) == 1
    assert "Petter" not in to_kari[0].body and "/ansatt/oppfolging/" in to_kari[0].body


def test_holding_the_follow_up_retires_its_reminders(world):
    follow_up = incident_at(world, at(2026, 12, 1, 10, 0))
    assert reminded(world, at(2026, 12, 2, 8, 0))
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        follow_up_record(
            actor=world.kjentmann, follow_up=follow_up, pupil_words="Ok.", next_steps="Ny prat."
        )
    assert not reminded(world, at(2026, 12, 2, 9, 5))
    assert not reminded(world, at(2026, 12, 3, 9, 0), world.principal)


def test_until_an_adult_is_chosen_the_reporter_is_reminded(world):
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        incident_start(
            actor=world.teacher,
            school=world.school,
            kind="intoxicated",
            pupil=world.pupil,
            client_token=uuid.uuid4(),
        )
    assert reminded(world, at(2026, 12, 2, 7, 30), world.teacher)
