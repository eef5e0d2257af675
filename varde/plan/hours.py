"""Opening hours of a contact in the plan, and whether it is open at a given moment.

The plan writes hours as Oslo wall-clock times, so all reasoning about days happens on local
dates and local times. Moments are compared in UTC: Python compares two datetimes that share a
tzinfo by their wall-clock reading and ignores `fold`, which would confuse the two 02:30s of the
night summer time ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy

from varde.lib.holidays import is_public_holiday

OSLO = ZoneInfo("Europe/Oslo")

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
# The same days in the reader's language, for describing opening hours.
DAY_LABELS = (
    pgettext_lazy("opening hours", "mandag"),
    pgettext_lazy("opening hours", "tirsdag"),
    pgettext_lazy("opening hours", "onsdag"),
    pgettext_lazy("opening hours", "torsdag"),
    pgettext_lazy("opening hours", "fredag"),
    pgettext_lazy("opening hours", "lørdag"),
    pgettext_lazy("opening hours", "søndag"),
)
DAY_MINUTES = 24 * 60

# How far ahead next_change looks. Beyond this a contact is treated as never changing.
HORIZON = timedelta(days=14)

_TIME = re.compile(r"(\d\d):(\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_KNOWN_KEYS = {"weekly", "closed_on_public_holidays", "exceptions"}
_EXCEPTION_KEYS = {"date", "hours", "note"}


class HoursError(ValueError):
    """The plan's opening hours cannot be understood; the message is for the plan's editor."""


@dataclass(frozen=True)
class Interval:
    """Open from `start` until `end`, in minutes after midnight of the day the interval starts.

    `end` is above 24 * 60 when the interval runs past midnight into the next day.
    """

    start: int
    end: int

    def label(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"

    @property
    def is_whole_day(self) -> bool:
        return self.start == 0 and self.end == DAY_MINUTES


@dataclass(frozen=True)
class DayException:
    """Hours for one date that replace the weekly hours, e.g. Christmas Eve."""

    day: date
    intervals: tuple[Interval, ...]
    note: str = ""


@dataclass(frozen=True)
class OpeningHours:
    weekly: tuple[tuple[Interval, ...], ...]  # Monday first, seven entries
    closed_on_public_holidays: bool = False
    exceptions: tuple[DayException, ...] = ()

    def exception_on(self, day: date) -> DayException | None:
        return next((e for e in self.exceptions if e.day == day), None)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The intervals that start on `day`, after exceptions and holidays are applied."""
        exception = self.exception_on(day)
        if exception is not None:
            return exception.intervals
        if self.closed_on_public_holidays and is_public_holiday(day):
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime) -> bool:
        moment = _to_utc(at)
        today = moment.astimezone(OSLO).date()
        # Yesterday's intervals matter too: one that crosses midnight may still be running.
        days = (today - timedelta(days=1), today)
        return any(start <= moment < end for day in days for start, end in self._spans(day))

    def next_change(self, at: datetime) -> datetime | None:
        """The next moment after `at` when open turns to closed or back, in Europe/Oslo."""
        moment = _to_utc(at)
        today = moment.astimezone(OSLO).date()
        # One day past the horizon, since 14 days of real time can end an hour into that day
        # when summer time starts or ends in between.
        days = [today + timedelta(days=n) for n in range(-1, HORIZON.days + 2)]
        for start, end in _merged(span for day in days for span in self._spans(day)):
            change = end if start <= moment < end else start
            if change > moment:
                return change.astimezone(OSLO) if change <= moment + HORIZON else None
        return None

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's intervals as (start, end) moments in UTC, skipping any left empty."""
        midnight = datetime.combine(day, time())
        spans: list[tuple[datetime, datetime]] = []
        for interval in self.intervals_on(day):
            start = oslo_moment(midnight + timedelta(minutes=interval.start))
            end = oslo_moment(midnight + timedelta(minutes=interval.end))
            if start < end:
                spans.append((start, end))
        return spans


def oslo_moment(wall: datetime) -> datetime:
    """The UTC moment an Oslo wall-clock reading (naive) stands for.

    A reading that happens twice when summer time ends means its first occurrence (fold=0). A
    reading skipped when summer time starts means the moment the clocks jump, so an interval
    that starts at 02:30 that night starts at 03:00.
    """
    local = wall.replace(tzinfo=OSLO, fold=0)
    moment = local.astimezone(UTC)
    if moment.astimezone(OSLO).replace(tzinfo=None) == wall:
        return moment
    return _jump_moment(before=wall.replace(tzinfo=OSLO, fold=1).astimezone(UTC), after=moment)


def _jump_moment(*, before: datetime, after: datetime) -> datetime:
    """The first second in (before, after] with the offset in force at `after`."""
    offset = after.astimezone(OSLO).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, OSLO).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _to_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Opening hours need a timezone-aware datetime.")
    return at.astimezone(UTC)


def _merged(spans: Iterable[tuple[datetime, datetime]]) -> Iterator[tuple[datetime, datetime]]:
    """Sorted spans with overlapping and touching ones joined, so every edge is a real change."""
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(spans):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


# Parsing


def parse_hours(raw: Mapping[str, Any] | None) -> OpeningHours | None:
    """Opening hours from the plan's `hours` mapping; None means always open."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise HoursError(
            "Åpningstidene må ha weekly, closed_on_public_holidays og/eller exceptions, "
            f"ikke «{raw}»."
        )
    unknown = sorted(set(raw) - _KNOWN_KEYS, key=str)
    if unknown:
        raise HoursError(
            f"Ukjent nøkkel «{unknown[0]}» i åpningstidene. "
            "Tillatt: weekly, closed_on_public_holidays, exceptions."
        )
    return OpeningHours(
        weekly=_parse_weekly(raw.get("weekly")),
        closed_on_public_holidays=_parse_flag(raw.get("closed_on_public_holidays", False)),
        exceptions=_parse_exceptions(raw.get("exceptions")),
    )


def _parse_weekly(raw: Any) -> tuple[tuple[Interval, ...], ...]:
    # Without a weekly table the contact follows only its exceptions and holidays; otherwise
    # it is open around the clock, which matches "no hours means always open".
    if raw is None:
        return tuple((Interval(0, DAY_MINUTES),) for _ in DAY_KEYS)
    if not isinstance(raw, Mapping):
        raise HoursError(f"«weekly» må ha én linje per dag (mon, tue, …), ikke «{raw}».")
    for key in raw:
        if key not in DAY_KEYS:
            raise HoursError(
                f"Ukjent dag «{key}» i åpningstidene. Bruk mon, tue, wed, thu, fri, sat eller sun."
            )
    return tuple(
        _parse_intervals(raw.get(key), name) for key, name in zip(DAY_KEYS, DAY_NAMES, strict=True)
    )


def _parse_flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise HoursError(f"«closed_on_public_holidays» må være true eller false, ikke «{raw}».")
    return raw


def _parse_exceptions(raw: Any) -> tuple[DayException, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise HoursError(f"«exceptions» må være en liste, ikke «{raw}».")
    exceptions = tuple(_parse_exception(item) for item in raw)
    days = [e.day for e in exceptions]
    for day in days:
        if days.count(day) > 1:
            raise HoursError(f"Datoen «{day.isoformat()}» står flere ganger i unntakene.")
    return exceptions


def _parse_exception(raw: Any) -> DayException:
    if not isinstance(raw, Mapping):
        raise HoursError(f"Et unntak må ha date, hours og note, ikke «{raw}».")
    unknown = sorted(set(raw) - _EXCEPTION_KEYS, key=str)
    if unknown:
        raise HoursError(f"Ukjent nøkkel «{unknown[0]}» i et unntak. Tillatt: date, hours, note.")
    day = _parse_date(raw.get("date"))
    note = raw.get("note") or ""
    if not isinstance(note, str):
        raise HoursError(f"Merknaden for {day:%d.%m.%Y} må være tekst, ikke «{note}».")
    # An exception without hours closes the day, e.g. {date: 2026-12-31, note: Stengt}.
    return DayException(day, _parse_intervals(raw.get("hours"), f"{day:%d.%m.%Y}"), note)


def _parse_date(raw: Any) -> date:
    # YAML turns an unquoted 2026-12-24 into a date already; a quoted one stays a string.
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and _DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass  # Shaped like a date but not one, such as 2026-02-30.
    raise HoursError(f"Ugyldig dato «{raw}» i unntakene. Bruk ÅÅÅÅ-MM-DD, for eksempel 2026-12-24.")


def _parse_intervals(raw: Any, where: str) -> tuple[Interval, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise HoursError(
            f'Åpningstiden for {where} må være en liste, for eksempel ["08:00-15:30"], '
            f"ikke «{raw}»."
        )
    return tuple(_parse_interval(item, where) for item in raw)


def _parse_interval(raw: Any, where: str) -> Interval:
    parts = raw.replace("–", "-").split("-") if isinstance(raw, str) else []
    if len(parts) != 2:
        raise HoursError(
            f"Ugyldig tidsrom «{raw}» for {where}. Bruk TT:MM-TT:MM, for eksempel 08:00-15:30."
        )
    start = _parse_time(parts[0].strip(), where)
    end = _parse_time(parts[1].strip(), where)
    if start == DAY_MINUTES:
        raise HoursError(f"Tidsrommet «{raw}» for {where} kan ikke starte 24:00. Bruk 00:00.")
    # An end at or before the start means the interval runs past midnight into the next day.
    return Interval(start, end if end > start else end + DAY_MINUTES)


def _parse_time(raw: str, where: str) -> int:
    match = _TIME.fullmatch(raw)
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if (hours < 24 and minutes < 60) or (hours, minutes) == (24, 0):
            return hours * 60 + minutes
    raise HoursError(f"Ugyldig klokkeslett «{raw}» for {where}. Bruk TT:MM, for eksempel 08:00.")


# Describing


def describe(hours: OpeningHours | None) -> list[str]:
    """Opening hours as short lines in the reader's language, e.g. ["Mandag–fredag 08:00–15:30",
    ...]."""
    if hours is None:
        return [gettext("Døgnåpen")]
    if all(_is_whole_day(day) for day in hours.weekly):
        lines = [gettext("Døgnåpen")]
    else:
        lines = [_describe_days(first, last, hours.weekly[first]) for first, last in _groups(hours)]
    if hours.closed_on_public_holidays:
        lines.append(gettext("Stengt helligdager"))
    lines.extend(_describe_exception(e) for e in sorted(hours.exceptions, key=lambda e: e.day))
    return lines


def _groups(hours: OpeningHours) -> list[tuple[int, int]]:
    """Runs of consecutive weekdays (first, last) that share the same hours."""
    groups: list[tuple[int, int]] = []
    for index, intervals in enumerate(hours.weekly):
        if groups and hours.weekly[groups[-1][0]] == intervals:
            groups[-1] = (groups[-1][0], index)
        else:
            groups.append((index, index))
    return groups


def _describe_days(first: int, last: int, intervals: tuple[Interval, ...]) -> str:
    days = str(DAY_LABELS[first]).capitalize()
    if last != first:
        days += f"–{DAY_LABELS[last]}"
    return f"{days} {_describe_intervals(intervals)}"


def _describe_exception(exception: DayException) -> str:
    label = date_format(exception.day, "d.m.Y")
    if exception.note:
        label += f" ({exception.note})"
    return f"{label}: {_describe_intervals(exception.intervals)}"


def _describe_intervals(intervals: tuple[Interval, ...]) -> str:
    if not intervals:
        return gettext("stengt")
    if _is_whole_day(intervals):
        return gettext("hele døgnet")
    return ", ".join(interval.label() for interval in intervals)


def _is_whole_day(intervals: tuple[Interval, ...]) -> bool:
    return any(interval.is_whole_day for interval in intervals)


def _clock(minutes: int) -> str:
    # Ends past midnight are shown as the next day's clock time: 15:45–08:00.
    if minutes > DAY_MINUTES:
        minutes -= DAY_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
