"""Reminders from the year plan, collected by varde.reminders with everything else that is due.

The responsible person of a meeting is reminded the plan's number of days before it
(yearplan.remind_days_before), until the day of the meeting. Cancelled meetings remind nobody.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.reminders.due import Due
from varde.yearplan.models import YearEvent
from varde.yearplan.selectors import yearplan_template

DEFAULT_DAYS = 14


def yearplan_due(*, now: dt.datetime) -> list[Due]:
    today = timezone.localdate(now)
    days: dict[int, int] = {}
    found: list[Due] = []
    soon = YearEvent.objects.filter(
        cancelled=False,
        responsible__isnull=False,
        starts_at__gte=now - dt.timedelta(days=1),
        starts_at__lte=now + dt.timedelta(days=91),
    ).values_list("pk", "title", "grade", "starts_at", "responsible_id", "school__municipality_id")
    for pk, title, grade, starts_at, responsible_id, municipality_id in soon:
        if municipality_id not in days:
            template = yearplan_template(municipality_id=municipality_id)
            days[municipality_id] = int(template.get("remind_days_before", DEFAULT_DAYS))
        day = timezone.localdate(starts_at)
        if not today <= day <= today + dt.timedelta(days=days[municipality_id]):
            continue
        found.append(
            Due(
                responsible_id,
                f"yearplan:{pk}:{day.isoformat()}",
                _("%(title)s for %(grade)s. trinn nærmer seg") % {"title": title, "grade": grade},
                reverse("yearplan:event", args=[pk]),
                day,
            )
        )
    return found
