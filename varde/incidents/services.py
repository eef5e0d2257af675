"""Writes to incidents, each in one transaction with its audit entry.

Forms carry a one-time token. A POST repeated with the same token (a double tap,
or a retry after the connection dropped before the answer came back) finds the
token used and saves nothing a second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.cases.models import Case, CaseEvent
from varde.cases.services import case_event_record
from varde.incidents.models import FollowUp, Incident, StepTick, SubmissionToken
from varde.incidents.routines import Routine, routine_for, routine_or_empty
from varde.incidents.selectors import follow_up_due_on
from varde.people.models import Pupil, School, User


class IncidentRuleBroken(ValueError):
    """A write the routine does not allow; the message tells the user why, in bokmål."""


def _first_use(*, token: uuid.UUID | None, actor: Any) -> bool:
    """Record the form's token; False when it was used before (nothing must be saved again)."""
    if token is None:
        return True
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token, user=actor, used_at=timezone.now())
    except IntegrityError:
        return False
    return True


def _audit(*, actor: Any, incident: Incident, action: str, reason: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="incident",
        object_id=incident.pk,
        pupil_id=incident.pupil_id,
        school_id=incident.school_id,
        municipality_id=incident.municipality_id,
        reason=reason,
    )


def _routine(incident: Incident) -> Routine:
    return routine_or_empty(
        municipality_id=incident.municipality_id, kind=incident.kind, at=timezone.now()
    )


def _pupil_at_school(pupil: Pupil | None, school: School) -> None:
    if pupil is not None and pupil.school_id != school.pk:
        raise IncidentRuleBroken(_("Eleven går ikke på denne skolen."))


@transaction.atomic
def incident_start(
    *,
    actor: User,
    school: School,
    kind: str,
    client_token: uuid.UUID,
    pupil: Pupil | None = None,
    notes: str = "",
    police_called: bool = False,
    police_reference: str = "",
) -> Incident:
    """Start an incident now. Starting it twice with the same token gives the same incident."""
    existing = Incident.objects.filter(client_token=client_token, reported_by=actor).first()
    if existing is not None:
        return existing
    _pupil_at_school(pupil, school)
    now = timezone.now()
    incident = Incident(
        municipality_id=school.municipality_id,
        school=school,
        kind=kind,
        reported_by=actor,
        started_at=now,
        pupil=pupil,
        client_token=client_token,
        notes=notes,
    )
    incident.full_clean()
    routine = routine_for(municipality_id=school.municipality_id, kind=kind, at=now)
    if routine is None:
        raise IncidentRuleBroken(_("Kommunens plan har ikke denne rutinen."))
    incident.save()
    roles = actor.roles()
    for step in routine.steps:
        if step.done_if_reporter & roles:
            StepTick.objects.create(incident=incident, key=step.key, done_at=now, done_by=actor)
    if routine.follow_up_step is not None:
        FollowUp.objects.create(
            incident=incident,
            due_on=follow_up_due_on(
                started_at=now, deadline_days=routine.follow_up_step.deadline_days
            ),
            created_at=now,
        )
    _audit(actor=actor, incident=incident, action=AuditAction.CREATE, reason="Hendelse startet")
    if police_called:
        police_call_record(actor=actor, incident=incident, reference=police_reference)
    return incident


def happened_at(*, incident: Incident, at: dt.time | None, now: dt.datetime) -> dt.datetime | None:
    """The time of day a person gave for a step, as a moment: today in Oslo, or yesterday when
    that time has not come yet today and the incident began yesterday. None when no time was
    given or it is the minute of `now`. A time before the incident began, or later than now,
    is refused."""
    if at is None:
        return None
    local = timezone.localtime(now)
    moment = timezone.make_aware(dt.datetime.combine(local.date(), at))
    if moment > now and timezone.localdate(incident.started_at) < local.date():
        moment = timezone.make_aware(dt.datetime.combine(local.date() - dt.timedelta(days=1), at))
    if moment > now:
        raise IncidentRuleBroken(_("Klokkeslettet er senere enn nå."))
    started = incident.started_at.replace(second=0, microsecond=0)
    if moment < started:
        raise IncidentRuleBroken(
            _("Klokkeslettet er før hendelsen startet (%(time)s).")
            % {"time": timezone.localtime(incident.started_at).strftime("%H:%M")}
        )
    if moment.replace(second=0, microsecond=0) == local.replace(second=0, microsecond=0):
        return None
    return moment


@transaction.atomic
def step_tick(
    *,
    actor: User,
    incident: Incident,
    key: str,
    note: str = "",
    happened: dt.time | None = None,
    token: uuid.UUID | None = None,
) -> StepTick:
    """Tick a step as done, now or at the time of day given in `happened`. A step is ticked
    once; ticking again only adds a missing note or corrects when it happened, and the time
    it was recorded is kept."""
    step = _routine(incident).step(key)
    if step is None:
        raise IncidentRuleBroken(_("Rutinen har ikke dette steget."))
    tick = StepTick.objects.select_for_update().filter(incident=incident, key=key).first()
    if not _first_use(token=token, actor=actor) and tick is not None:
        return tick
    now = timezone.now()
    when = happened_at(incident=incident, at=happened, now=now)
    if tick is None:
        tick = StepTick(
            incident=incident, key=key, done_at=now, happened_at=when, done_by=actor, note=note
        )
    elif (note and not tick.note) or happened is not None:
        tick.note = tick.note or note
        if happened is not None:
            tick.happened_at = when if when is not None else now
            if tick.happened_at.replace(second=0, microsecond=0) == tick.done_at.replace(
                second=0, microsecond=0
            ):
                tick.happened_at = None
    else:
        return tick
    tick.full_clean()
    tick.save()
    _audit(actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Steg utført")
    return tick


@transaction.atomic
def police_call_record(
    *, actor: User, incident: Incident, reference: str = "", token: uuid.UUID | None = None
) -> Incident:
    """Record that the police were called (the first time stands) and any reference they gave."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not _first_use(token=token, actor=actor):
        return incident
    step = _routine(incident).police_step
    now = timezone.now()
    incident.police_called_at = incident.police_called_at or now
    incident.police_reference = reference or incident.police_reference
    incident.full_clean()
    incident.save(update_fields=["police_called_at", "police_reference"])
    if step is not None:
        StepTick.objects.get_or_create(
            incident=incident, key=step.key, defaults={"done_at": now, "done_by": actor}
        )
    _audit(actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Politiet kontaktet")
    return incident


@transaction.atomic
def avert_decide(
    *,
    actor: User,
    incident: Incident,
    option: str,
    reason: str = "",
    token: uuid.UUID | None = None,
) -> Incident:
    """The duty to avert, decided: was anyone alerted, whom, and why."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not _first_use(token=token, actor=actor):
        return incident
    routine = _routine(incident)
    choice = routine.avert.option(option) if routine.avert else None
    if choice is None:
        raise IncidentRuleBroken(_("Velg ett av svarene."))
    if choice.alerted and not reason.strip():
        raise IncidentRuleBroken(_("Skriv kort hvorfor du varslet."))
    incident.avert_option = choice.key
    incident.avert_alerted = choice.alerted
    incident.avert_reason = reason
    incident.avert_by = actor
    incident.avert_at = timezone.now()
    incident.full_clean()
    incident.save()
    _audit(
        actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Avvergingsplikt vurdert"
    )
    return incident


@transaction.atomic
def incident_pupil_set(
    *, actor: User, incident: Incident, pupil: Pupil, token: uuid.UUID | None = None
) -> Incident:
    """Name the pupil the incident is about. Once named, the pupil is not changed."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not _first_use(token=token, actor=actor) or incident.pupil_id == pupil.pk:
        return incident
    if incident.pupil_id is not None:
        raise IncidentRuleBroken(_("Hendelsen gjelder allerede en elev."))
    _pupil_at_school(pupil, incident.school)
    incident.pupil = pupil
    incident.save(update_fields=["pupil"])
    _audit(actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Elev knyttet til")
    return incident


def follow_up_adults(*, incident: Incident) -> list[User]:
    """Active staff at the incident's school: the pupil may choose any of them."""
    return list(
        User.objects.filter(is_active=True, role_assignments__school_id=incident.school_id)
        .distinct()
        .order_by("full_name")
    )


@transaction.atomic
def follow_up_choose(
    *, actor: User, incident: Incident, adult: User, token: uuid.UUID | None = None
) -> FollowUp:
    """The adult the pupil chose to talk to the next school day, besides the leadership."""
    follow_up = FollowUp.objects.select_for_update().filter(incident=incident).first()
    if follow_up is None:
        raise IncidentRuleBroken(_("Denne hendelsen har ingen oppfølging."))
    if not _first_use(token=token, actor=actor):
        return follow_up
    if adult not in follow_up_adults(incident=incident):
        raise IncidentRuleBroken(_("Velg en ansatt ved skolen."))
    follow_up.adult = adult
    follow_up.save(update_fields=["adult"])
    step = _routine(incident).follow_up_step
    if step is not None:
        StepTick.objects.get_or_create(
            incident=incident, key=step.key, defaults={"done_at": timezone.now(), "done_by": actor}
        )
    _audit(actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Oppfølging avtalt")
    return follow_up


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    follow_up: FollowUp,
    pupil_words: str,
    next_steps: str,
    token: uuid.UUID | None = None,
) -> FollowUp:
    """The follow-up conversation: the pupil's words, and what pupil and school decided."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not _first_use(token=token, actor=actor):
        return follow_up
    if not pupil_words.strip() or not next_steps.strip():
        raise IncidentRuleBroken(_("Skriv både det eleven sa og det dere ble enige om."))
    follow_up.held_at = follow_up.held_at or timezone.now()
    follow_up.held_by = follow_up.held_by or actor
    follow_up.pupil_words = pupil_words
    follow_up.next_steps = next_steps
    follow_up.full_clean()
    follow_up.save()
    _audit(
        actor=actor,
        incident=follow_up.incident,
        action=AuditAction.UPDATE,
        reason="Oppfølgingssamtale registrert",
    )
    return follow_up


@transaction.atomic
def incident_attach_case(*, actor: User, incident: Incident, case: Case) -> Incident:
    """Attach the incident to a worry case about the same pupil; the case's chronology says so."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.pupil_id is None or case.pupil_id != incident.pupil_id:
        raise IncidentRuleBroken(_("Saken gjelder en annen elev."))
    if incident.case_id == case.pk:
        return incident
    incident.case = case
    incident.save(update_fields=["case"])
    when = timezone.localtime(incident.started_at).strftime("%d.%m.%Y %H:%M")
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.NOTE,
        reason="Hendelse knyttet til saken",
        summary=_("Hendelse knyttet til saken: %(kind)s, %(when)s")
        % {"kind": incident.get_kind_display(), "when": when},
    )
    _audit(actor=actor, incident=incident, action=AuditAction.UPDATE, reason="Knyttet til sak")
    return incident
