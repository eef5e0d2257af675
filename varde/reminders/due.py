"""What each app says is due, and who leads each school: shared by the apps that work out
reminders (cases, incidents, yearplan) and by varde.reminders, which collects them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from varde.people.models import RoleAssignment
from varde.people.roles import LEADERSHIP_ROLES

# Rows read or written at a time when reminders are collected.
BATCH = 500


@dataclass(frozen=True)
class Due:
    """One thing due for one person: the reminder's key makes collecting it twice harmless."""

    user_id: int
    key: str
    subject: str
    url: str
    due_on: dt.date


def leaders_by_school() -> dict[int, list[int]]:
    """The active leadership (principal, deputy) of every school, by school id."""
    leaders: dict[int, list[int]] = {}
    for school_id, user_id in RoleAssignment.objects.filter(
        role__in=LEADERSHIP_ROLES, user__is_active=True, school__isnull=False
    ).values_list("school_id", "user_id"):
        leaders.setdefault(school_id, []).append(user_id)
    return leaders
