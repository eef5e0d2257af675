"""Writes to the year plan, feeds, competence and routines read. Each is audited."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.models import School, User
from varde.plan.models import PlanVersion
from varde.yearplan.models import CalendarFeed, RoutinesRead, StaffCompetence, YearEvent
from varde.yearplan.selectors import GRADES, suggested_start, token_digest, yearplan_template

# The fields a school may adjust on a rolled meeting.
ADJUSTABLE = (
    "starts_at",
    "duration_minutes",
    "place",
    "responsible",
    "contributors",
    "leader_name",
    "notes",
    "cancelled",
    "public",
)


class YearEventChanged(Exception):
    """Someone else saved the meeting since the form was opened."""


def _audit(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    school: School,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school_id=school.pk if school else None,
        municipality_id=school.municipality_id if school else None,
        reason=reason,
        detail=detail,
    )


def _contributors_text(entry: dict[str, Any]) -> str:
    return "\n".join(f"{c['who']}: {c['what']}" for c in entry.get("contributors") or [])


@transaction.atomic
def yearplan_roll(*, actor: Any, school: School, school_year: int) -> int:
    """Make the school year's meetings from the plan's template; returns how many are new.

    Rolling again makes only what is missing (a grade or template entry added since), so
    the school's adjustments are never overwritten.
    """
    template = yearplan_template(municipality_id=school.municipality_id)
    grades = set(GRADES.get(school.kind, ()))
    made = 0
    for entry in template.get("events") or []:
        for grade in sorted(grades & set(entry.get("grades") or [])):
            event = YearEvent(
                school=school,
                school_year=school_year,
                template_key=entry["key"],
                grade=grade,
                kind=entry["kind"],
                title=entry["title"],
                theme=entry["theme"],
                called_by=entry["called_by"],
                contributors=_contributors_text(entry),
                starts_at=suggested_start(school_year=school_year, entry=entry),
                duration_minutes=int(entry.get("duration_minutes") or 60),
                public=bool(entry.get("public", False)),
            )
            if YearEvent.objects.filter(
                school=school, school_year=school_year, template_key=entry["key"], grade=grade
            ).exists():
                continue
            event.full_clean()
            event.save()
            made += 1
    _audit(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="yearplan_event",
        object_id=f"roll:{school.pk}:{school_year}",
        school=school,
        reason=_("Årshjulet rullet ut for skoleåret"),
        detail={"school_year": school_year, "created": made},
    )
    return made


@transaction.atomic
def year_event_update(
    *, actor: Any, event: YearEvent, expected_sequence: int, changes: dict[str, Any]
) -> YearEvent:
    """Adjust a meeting for the school; refused if someone saved it since the form was read."""
    current = YearEvent.objects.select_for_update().get(pk=event.pk)
    if current.sequence != expected_sequence:
        raise YearEventChanged
    changed = [
        name for name in ADJUSTABLE if name in changes and getattr(current, name) != changes[name]
    ]
    for name in changed:
        setattr(current, name, changes[name])
    if changed:
        current.sequence += 1
        current.full_clean()
        current.save()
        _audit(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="yearplan_event",
            object_id=current.pk,
            school=current.school,
            reason=_("Møte i årshjulet endret"),
            detail={"fields": changed, "sequence": current.sequence},
        )
    return current


@transaction.atomic
def calendar_feed_create(*, actor: User, school: School | None = None) -> tuple[CalendarFeed, str]:
    """A new secret feed address; the owner's earlier one for the same calendar stops working."""
    now = timezone.now()
    CalendarFeed.objects.filter(owner=actor, school=school, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(owner=actor, school=school, token_hash=token_digest(token), token=token)
    feed.full_clean()
    feed.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="calendar_feed",
        object_id=feed.pk,
        school_id=school.pk if school else None,
        municipality_id=school.municipality_id if school else None,
        reason=_("Kalenderabonnement laget"),
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: User, feed: CalendarFeed) -> None:
    if CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="calendar_feed",
            object_id=feed.pk,
            school_id=feed.school_id,
            reason=_("Kalenderabonnement stoppet"),
        )


@transaction.atomic
def competence_set(
    *, actor: Any, user: User, school: School, trained_on: dt.date | None, days_at_school: str
) -> StaffCompetence:
    competence = StaffCompetence.objects.filter(user=user, school=school).first() or (
        StaffCompetence(user=user, school=school)
    )
    competence.trained_on = trained_on
    competence.days_at_school = days_at_school
    competence.full_clean()
    competence.save()
    _audit(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="staff_competence",
        object_id=competence.pk,
        school=school,
        reason=_("Kompetanse ved skolen endret"),
    )
    return competence


@transaction.atomic
def routines_read_confirm(*, actor: User, plan_version: PlanVersion) -> RoutinesRead:
    """The member of staff has read this version's routines (confirming twice changes nothing)."""
    read, created = RoutinesRead.objects.get_or_create(
        user=actor, plan_version=plan_version, defaults={"read_at": timezone.now()}
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="routines_read",
            object_id=read.pk,
            municipality_id=plan_version.municipality_id,
            reason=_("Bekreftet å ha lest rutinene i planversjon %(number)s")
            % {"number": plan_version.number},
        )
    return read
