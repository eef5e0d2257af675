"""Norwegian public holidays (helligdager).

Offices in the plan close on these days, so "who to call now" must know them for any year
without a table that someone has to remember to extend.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    # A tuple rather than a dict so the cached value cannot be changed by a caller.
    easter = easter_sunday(year)
    movable = [
        (-3, "Skjærtorsdag"),
        (-2, "Langfredag"),
        (0, "1. påskedag"),
        (1, "2. påskedag"),
        (39, "Kristi himmelfartsdag"),
        (49, "1. pinsedag"),
        (50, "2. pinsedag"),
    ]
    fixed = [
        (date(year, 1, 1), "1. nyttårsdag"),
        (date(year, 5, 1), "Offentlig høytidsdag"),
        (date(year, 5, 17), "Grunnlovsdag"),
        (date(year, 12, 25), "1. juledag"),
        (date(year, 12, 26), "2. juledag"),
    ]
    names: dict[date, list[str]] = {}
    for day, name in fixed + [(easter + timedelta(days=n), name) for n, name in movable]:
        # Ascension falls on 1 or 17 May in some years; keep both names rather than lose one.
        names.setdefault(day, []).append(name)
    return tuple((day, " og ".join(names[day])) for day in sorted(names))


def public_holidays(year: int) -> dict[date, str]:
    """The year's public holidays, in date order, with their Norwegian names."""
    return dict(_holidays(year))


def is_public_holiday(d: date) -> bool:
    return any(day == d for day, _ in _holidays(d.year))


def is_school_day(d: date) -> bool:
    """Monday to Friday, except public holidays. A school's own holidays (its skolerute) are
    not known to Varde, so they count as school days."""
    return d.weekday() < 5 and not is_public_holiday(d)


def next_school_day(d: date) -> date:
    """`d` itself when it is a school day, else the first school day after it."""
    while not is_school_day(d):
        d += timedelta(days=1)
    return d


def school_day_after(d: date, *, days: int = 1) -> date:
    """The school day `days` school days after `d` (a Friday's next school day is Monday)."""
    current = d
    for _ in range(max(days, 0)):
        current = next_school_day(current + timedelta(days=1))
    return current


# How a deadline in the plan is counted.
SCHOOL_DAYS = "school_days"
CALENDAR_DAYS = "calendar_days"
COUNTS = (SCHOOL_DAYS, CALENDAR_DAYS)


def deadline(start: date, days: int, counts: str = CALENDAR_DAYS) -> tuple[date, bool]:
    """The day a deadline of `days` from `start` falls on, and whether it was moved.

    School days count only school days; a deadline that would fall on a day without school
    (a count of 0 from a Saturday, or calendar days ending on a Sunday or a holiday) moves to
    the next school day, and the second value says so.
    """
    if counts == SCHOOL_DAYS:
        day = school_day_after(start, days=days) if days else start
    else:
        day = start + timedelta(days=days)
    due = next_school_day(day)
    return due, due != day
