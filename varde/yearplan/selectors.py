"""Reads of the year plan: the plan's template, a school's meetings, feeds, competence, routines."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from varde.lib.holidays import next_school_day
from varde.people.models import RoleAssignment, School, User
from varde.people.roles import SCHOOL_ROLES, Role
from varde.plan.document import PlanDocument
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.yearplan.access import schools_readable
from varde.yearplan.models import CalendarFeed, RoutinesRead, StaffCompetence, YearEvent

OSLO = ZoneInfo("Europe/Oslo")
# The grades each kind of school teaches (videregående Vg1–Vg3 count as 11–13).
GRADES = {
    School.Kind.PRIMARY: range(1, 8),
    School.Kind.LOWER_SECONDARY: range(8, 11),
    School.Kind.COMBINED: range(1, 11),
    School.Kind.UPPER_SECONDARY: range(11, 14),
}
# The roles the competence page lists, in this order.
COMPETENCE_ROLES = [Role.KJENTMANN, Role.SCHOOL_NURSE, Role.LOS, Role.PPT_CONTACT]


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in, named by its autumn year (August–July)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}–{year + 1}"


def yearplan_template(*, municipality_id: int) -> dict[str, Any]:
    """The `yearplan` section of the municipality's current plan ({} without a plan)."""
    version = plan_current(municipality_id=municipality_id)
    return dict(version.content.get("yearplan") or {}) if version else {}


def coordination(*, municipality_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The plan's `coordination` section and the attachment it names as the routine."""
    version = plan_current(municipality_id=municipality_id)
    if version is None:
        return {}, None
    content = dict(version.content.get("coordination") or {})
    routine = next(
        (
            a
            for a in PlanDocument(version.content).attachments
            if a.get("key") == content.get("routine")
        ),
        None,
    )
    return content, routine


def suggested_start(*, school_year: int, entry: dict[str, Any]) -> dt.datetime:
    """The template's month and day in that school year, moved to the next working day."""
    month = int(entry["month"])
    year = school_year if month >= 8 else school_year + 1
    day = dt.date(year, month, int(entry.get("day") or 15))
    day = next_school_day(day)
    hour, minute = (int(part) for part in str(entry.get("time") or "18:00").split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OSLO)


def events_for_school(*, school: School, school_year: int) -> QuerySet[YearEvent]:
    return YearEvent.objects.filter(school=school, school_year=school_year).select_related(
        "responsible"
    )


def event_counts(*, schools: list[School], school_year: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for school_id in YearEvent.objects.filter(
        school__in=schools, school_year=school_year
    ).values_list("school_id", flat=True):
        counts[school_id] = counts.get(school_id, 0) + 1
    return counts


def responsible_choices(*, school: School) -> QuerySet[User]:
    """Who can be responsible for a meeting: staff of the school and the region's SLT."""
    where = Q(role_assignments__school=school)
    if school.municipality.slt_region_id:
        where |= Q(
            role_assignments__role=Role.SLT_COORDINATOR,
            role_assignments__slt_region_id=school.municipality.slt_region_id,
        )
    return User.objects.filter(where, is_active=True).distinct().order_by("full_name")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_by_token(token: str) -> CalendarFeed | None:
    """A live feed: not revoked, its owner still active and still allowed to read the school."""
    feed = (
        CalendarFeed.objects.filter(token_hash=token_digest(token), revoked_at__isnull=True)
        .select_related("owner", "school")
        .first()
    )
    if feed is None or not feed.owner.is_active:
        return None
    if feed.school_id and not schools_readable(feed.owner).filter(pk=feed.school_id).exists():
        return None
    return feed


def feed_events(feed: CalendarFeed) -> QuerySet[YearEvent]:
    """The school's meetings, or the owner's own meetings at schools they may still read."""
    since = school_year_of(timezone.localdate()) - 1
    events = YearEvent.objects.filter(school_year__gte=since).select_related(
        "school", "responsible"
    )
    if feed.school_id:
        return events.filter(school_id=feed.school_id)
    return events.filter(responsible=feed.owner, school__in=schools_readable(feed.owner))


def feeds_of(user: Any) -> list[CalendarFeed]:
    return list(
        CalendarFeed.objects.filter(owner=user, revoked_at__isnull=True).select_related("school")
    )


@dataclass(frozen=True)
class Competent:
    assignment: RoleAssignment
    competence: StaffCompetence | None


def competence_at(*, school: School) -> list[Competent]:
    assignments = (
        RoleAssignment.objects.filter(
            school=school, role__in=COMPETENCE_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    known = {c.user_id: c for c in StaffCompetence.objects.filter(school=school)}
    order = {role: index for index, role in enumerate(COMPETENCE_ROLES)}
    found = [Competent(a, known.get(a.user_id)) for a in assignments]
    return sorted(found, key=lambda c: order[c.assignment.role])


def routines_unread(*, user: Any, version: PlanVersion | None) -> bool:
    """Whether a member of staff at a school has yet to confirm this plan version's routines."""
    if version is None or not user.school_ids():
        return False
    return not RoutinesRead.objects.filter(user=user, plan_version=version).exists()


def staff_not_read(*, school: School) -> list[User]:
    """Active staff of the school who have not confirmed the current plan version's routines."""
    version = plan_current(municipality_id=school.municipality_id)
    if version is None:
        return []
    read = RoutinesRead.objects.filter(plan_version=version).values("user_id")
    return list(
        User.objects.filter(
            is_active=True, role_assignments__school=school, role_assignments__role__in=SCHOOL_ROLES
        )
        .exclude(pk__in=read)
        .distinct()
        .order_by("full_name")
    )


@dataclass(frozen=True)
class Clash:
    """One person responsible for two meetings that overlap in time."""

    person: User
    first: YearEvent
    second: YearEvent


def clashes_for(events: list[YearEvent]) -> list[Clash]:
    """Meetings among `events` whose responsible person also has another meeting, at any
    school, that overlaps in time. Cancelled meetings clash with nothing."""
    people = {e.responsible_id for e in events if e.responsible_id and not e.cancelled}
    if not people:
        return []
    theirs = list(
        YearEvent.objects.filter(
            responsible_id__in=people,
            cancelled=False,
            school_year__in={e.school_year for e in events},
        )
        .select_related("responsible", "school")
        .order_by("starts_at", "pk")
    )
    shown = {e.pk for e in events}
    found = []
    for i, first in enumerate(theirs):
        ends = first.starts_at + dt.timedelta(minutes=first.duration_minutes)
        for second in theirs[i + 1 :]:
            if second.starts_at >= ends:
                break
            if second.responsible_id == first.responsible_id and {first.pk, second.pk} & shown:
                found.append(Clash(first.responsible, first, second))
    return found
