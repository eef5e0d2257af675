"""Reminders from incidents, collected by varde.reminders with everything else that is due.

- The follow-up conversation: to the adult the pupil chose (or, until one is chosen, to
  whoever reported the incident) from 07:00 in Oslo on the day it is due.
- An overdue follow-up: to the school's leadership from 07:00 the day after it was due.
- A new incident: to the school's leadership at once, so they know; no pupil is named.

Reminders are worked out from the state of the records, not from a clock event, so a
worker that was down when something fell due finds it on its next run.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.incidents.models import FollowUp, Incident
from varde.reminders.due import Due, leaders_by_school

MORNING = dt.time(7, 0)
# How long a new incident stays on the leadership's start page as news.
NEWS_DAYS = 7


def _morning_passed(now: dt.datetime) -> bool:
    return timezone.localtime(now).time() >= MORNING


def incidents_due(*, now: dt.datetime) -> list[Due]:
    today = timezone.localdate(now)
    # Before 07:00 today's follow-ups are not due yet; yesterday's count as overdue from 07:00.
    due_by = today if _morning_passed(now) else today - dt.timedelta(days=1)
    leaders = leaders_by_school()
    found: list[Due] = []
    follow_ups = FollowUp.objects.filter(held_at__isnull=True, due_on__lte=due_by).values_list(
        "pk", "due_on", "adult_id", "incident__reported_by_id", "incident__school_id"
    )
    for pk, due_on, adult_id, reporter_id, school_id in follow_ups:
        url = reverse("incidents:follow_up", args=[pk])
        key = f"followup:{pk}:{due_on.isoformat()}"
        found.append(Due(adult_id or reporter_id, key, _("Oppfølgingssamtale i dag"), url, due_on))
        if due_on < due_by:
            for leader in leaders.get(school_id, []):
                if leader != adult_id:
                    found.append(
                        Due(
                            leader,
                            f"escalated:{key}",
                            _("Til ledelsen: en oppfølgingssamtale er ikke holdt"),
                            url,
                            due_on,
                        )
                    )
    fresh = Incident.objects.filter(started_at__gte=now - dt.timedelta(days=NEWS_DAYS)).values_list(
        "pk", "kind", "school_id", "reported_by_id", "started_at"
    )
    for pk, kind, school_id, reporter_id, started_at in fresh:
        subject = _("Ny hendelse ved skolen: %(kind)s") % {"kind": Incident.Kind(kind).label}
        for leader in leaders.get(school_id, []):
            if leader != reporter_id:
                found.append(
                    Due(
                        leader,
                        f"incident:{pk}:new",
                        subject,
                        reverse("incidents:incident", args=[pk]),
                        timezone.localdate(started_at),
                    )
                )
    return found
