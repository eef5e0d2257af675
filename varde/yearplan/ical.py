"""The year plan as iCalendar (RFC 5545) for Outlook, Google Calendar and Apple Calendar.

Times carry TZID=Europe/Oslo with its VTIMEZONE, so a meeting stays at 18:00 local time
across the change to and from summer time. UID is fixed per meeting; SEQUENCE follows every
change; a cancelled meeting stays in the feed with STATUS:CANCELLED so calendars remove it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from varde.yearplan.models import YearEvent
from varde.yearplan.selectors import OSLO


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "varde.invalid"


def event_uid(event: YearEvent) -> str:
    return f"{event.uid}@{_host()}"


def _description(event: YearEvent) -> str:
    parts = [event.theme, f"Innkaller: {event.called_by}"]
    if event.contributors:
        parts.append("Bidrar:\n" + event.contributors)
    if event.responsible:
        parts.append(f"Ansvarlig: {event.responsible.full_name}")
    if event.leader_name:
        parts.append(f"Leder: {event.leader_name}")
    if event.notes:
        parts.append(event.notes)
    return "\n\n".join(parts)


def _public_description(event: YearEvent) -> str:
    # For parents: what the meeting is about and who calls it; nothing staff wrote for staff.
    return "\n\n".join([event.theme, f"Innkaller: {event.called_by}"])


def calendar_bytes(*, name: str, events: Iterable[YearEvent], public: bool = False) -> bytes:
    """The meetings as a calendar; `public` for the parents' calendar of a school, which shows
    time, place, theme and who calls it, and nothing of responsible staff or notes."""
    calendar = Calendar()
    calendar.add("prodid", "-//Varde//Årshjul//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Oslo")
    for event in events:
        item = Event()
        item.add("uid", event_uid(event))
        item.add("sequence", event.sequence)
        item.add("dtstamp", timezone.now())
        item.add("last-modified", event.updated_at)
        item.add("dtstart", event.starts_at.astimezone(OSLO))
        item.add("dtend", event.ends_at.astimezone(OSLO))
        item.add("summary", f"{event.title} – {event.grade}. trinn, {event.school.name}")
        item.add("description", _public_description(event) if public else _description(event))
        if event.place:
            item.add("location", event.place)
        item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
