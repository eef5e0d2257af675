"""Writes to cases, each in one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.cases.models import Case, CaseEvent, Conversation
from varde.people.models import Pupil


@transaction.atomic
def case_open(
    *,
    actor: Any,
    pupil: Pupil,
    observed: str,
    observed_on: dt.date,
    seriousness: int,
    place: str = "",
    duration: str = "",
    earlier_worries: str = "",
    who_knows: str = "",
    parents_thoughts: str = "",
) -> Case:
    """Register a worry (undringsskjema). Whoever opens it owns it."""
    now = timezone.now()
    case = Case(
        municipality_id=pupil.municipality_id,
        school_id=pupil.school_id,
        pupil=pupil,
        owner=actor,
        opened_at=now,
        observed=observed,
        observed_on=observed_on,
        seriousness=seriousness,
        place=place,
        duration=duration,
        earlier_worries=earlier_worries,
        who_knows=who_knows,
        parents_thoughts=parents_thoughts,
    )
    case.full_clean()
    case.save()
    CaseEvent.objects.create(case=case, at=now, actor=actor, kind=CaseEvent.Kind.OPENED)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="case",
        object_id=case.pk,
        pupil_id=pupil.pk,
        school_id=pupil.school_id,
        municipality_id=pupil.municipality_id,
        reason="Undring registrert",
    )
    return case


def _case_write(*, actor: Any, case: Case, kind: str, reason: str) -> None:
    CaseEvent.objects.create(case=case, at=timezone.now(), actor=actor, kind=kind)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="case",
        object_id=case.pk,
        pupil_id=case.pupil_id,
        school_id=case.school_id,
        municipality_id=case.municipality_id,
        reason=reason,
    )


@transaction.atomic
def conversation_plan(
    *, actor: Any, case: Case, planned_for: dt.datetime, attendees: str, trusted_adult: str = ""
) -> Conversation:
    conversation, _created = Conversation.objects.update_or_create(
        case=case,
        defaults={
            "planned_for": planned_for,
            "attendees": attendees,
            "trusted_adult": trusted_adult,
        },
    )
    _case_write(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONVERSATION_PLANNED,
        reason="Undringssamtale planlagt",
    )
    return conversation


class ConversationNotPlanned(ValueError):
    pass


@transaction.atomic
def conversation_record(
    *, actor: Any, case: Case, what_was_said: str, pupil_view: str, weighing: str
) -> Conversation:
    """Record the conversation, with the pupil's view in the pupil's own words."""
    conversation = Conversation.objects.select_for_update().filter(case=case).first()
    if conversation is None:
        raise ConversationNotPlanned
    conversation.held_at = conversation.held_at or timezone.now()
    conversation.what_was_said = what_was_said
    conversation.pupil_view = pupil_view
    conversation.weighing = weighing
    conversation.version += 1
    conversation.save()
    _case_write(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONVERSATION_HELD,
        reason="Undringssamtale registrert",
    )
    return conversation
