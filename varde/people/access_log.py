"""Who has seen a pupil's records, told as visits: an answer to a parent's request for access.

A page that shows a pupil writes several audit entries (the case, the pupil, the measures);
the log keeps each, and this page folds the entries one person made in one sitting into one
row: when, who, in which role, what they saw or did, and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from varde.audit.models import AuditAction, AuditEntry
from varde.audit.selectors import audit_entries_for_pupil
from varde.people.models import RoleAssignment
from varde.people.roles import Role

# Entries by one person closer together than this are one visit.
VISIT_GAP = dt.timedelta(minutes=2)

WHAT = {
    "case": gettext_lazy("saken"),
    "pupil": gettext_lazy("elevens opplysninger"),
    "incident": gettext_lazy("en akutt hendelse"),
    "advice": gettext_lazy("et spørsmål om råd"),
}


@dataclass
class Visit:
    at: dt.datetime
    who: str
    roles: list[str]
    what: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    actor_id: int | None = None
    last: dt.datetime | None = None


def _what(entry: AuditEntry) -> str:
    thing = str(WHAT.get(entry.object_type, entry.object_type))
    if entry.action == AuditAction.READ:
        return thing
    return f"{thing} ({entry.get_action_display().lower()})"


def pupil_visits(*, pupil_id: int, school_id: int) -> list[Visit]:
    """The pupil's audit entries as visits, newest first. Roles are the person's roles at the
    pupil's school now; a reason is translated into the page's language where Varde knows it."""
    entries = list(audit_entries_for_pupil(pupil_id=pupil_id).order_by("at", "pk"))
    actors = {e.actor_id for e in entries if e.actor_id}
    roles: dict[int, list[str]] = {}
    for user_id, role in RoleAssignment.objects.filter(
        user_id__in=actors, school_id=school_id
    ).values_list("user_id", "role"):
        roles.setdefault(user_id, []).append(str(Role(role).label))
    visits: list[Visit] = []
    open_visits: dict[str, Visit] = {}
    for entry in entries:
        visit = open_visits.get(entry.actor_label)
        if visit is None or visit.last is None or entry.at - visit.last > VISIT_GAP:
            visit = Visit(
                at=entry.at,
                who=entry.actor_label,
                roles=sorted(roles.get(entry.actor_id or 0, [])),
                actor_id=entry.actor_id,
            )
            visits.append(visit)
            open_visits[entry.actor_label] = visit
        visit.last = entry.at
        what = _what(entry)
        if what not in visit.what:
            visit.what.append(what)
        why = _(entry.reason) if entry.reason else ""
        if why and why not in visit.why:
            visit.why.append(why)
    visits.reverse()
    return visits
