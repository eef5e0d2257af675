"""Reads about incidents: deadlines in school days, lists, and counts for insights."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from varde.incidents.models import Incident
from varde.lib.holidays import school_day_after


def follow_up_due_on(*, started_at: dt.datetime, deadline_days: int | None) -> dt.date:
    """The follow-up's day, counted in Oslo days from when the incident started."""
    return school_day_after(timezone.localdate(started_at), days=deadline_days or 1)


def incidents_for_leadership(*, user: Any) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(school_id__in=user.leadership_school_ids())
        .select_related("school", "pupil", "reported_by", "follow_up", "follow_up__adult")
        .order_by("-started_at", "-pk")
    )


def worry_initial(incident: Incident | None) -> dict[str, Any]:
    """The worry form filled in from the incident: what happened, when, and who knows."""
    if incident is None:
        return {}
    from django.utils.translation import gettext as _

    started = timezone.localtime(incident.started_at)
    lines = [f"{started:%d.%m.%Y %H:%M}: {incident.get_kind_display()}."]
    if incident.notes:
        lines.append(incident.notes)
    ticks = incident.ticks.select_related("done_by").order_by("done_at")
    lines += [f"{timezone.localtime(t.done_at):%H:%M} {t.key}: {t.note}" for t in ticks if t.note]
    people = {incident.reported_by.full_name, *(t.done_by.full_name for t in ticks)}
    return {
        "observed": "\n".join(lines),
        "observed_on": started.strftime("%d.%m.%Y"),
        "seriousness": 4,
        "who_knows": _("Registrert som hendelse i Varde av %(who)s.")
        % {"who": ", ".join(sorted(people))},
    }
