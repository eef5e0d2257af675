"""Writes to cases, each in one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.cases.models import Case, CaseEvent
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
