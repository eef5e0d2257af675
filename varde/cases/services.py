"""Writes to cases, each in one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.cases.access import case_audit
from varde.cases.consent_rules import consent_check, role_service
from varde.cases.models import (
    Case,
    CaseEvent,
    CaseParticipant,
    Conversation,
    Decision,
    Handover,
    Measure,
    ParentContact,
    ParentDecision,
)
from varde.cases.rules import case_rules
from varde.cases.selectors import close_missing
from varde.people.models import Guardian, Pupil


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


def case_event_record(
    *,
    actor: Any,
    case: Case,
    kind: str,
    reason: str,
    summary: str = "",
    automatic: str = "",
    shown_as: Any = None,
    action: str = AuditAction.UPDATE,
    detail: dict[str, Any] | None = None,
) -> None:
    """A line in the case's chronology and its audit entry, in the caller's transaction.
    What Varde does with no person behind it names itself in the log (`automatic`), and the
    chronology names `shown_as` instead."""
    CaseEvent.objects.create(
        case=case, at=timezone.now(), actor=shown_as or actor, kind=kind, summary=summary
    )
    case_audit(case, actor=actor, reason=reason, action=action, automatic=automatic, detail=detail)


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
    case_event_record(
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
    *,
    actor: Any,
    case: Case,
    what_was_said: str,
    pupil_view: str,
    weighing: str,
    no_view_reason: str = "",
    version: int | None = None,
) -> Conversation:
    """Record the conversation, with the pupil's view in the pupil's own words.

    With ``version`` (the one the user's form was opened at), a save over
    someone else's newer record is refused instead of overwriting it.
    """
    conversation = Conversation.objects.select_for_update().filter(case=case).first()
    if conversation is None:
        raise ConversationNotPlanned
    if version is not None and conversation.version != version:
        raise CaseChanged
    conversation.held_at = conversation.held_at or timezone.now()
    conversation.what_was_said = what_was_said
    if not pupil_view.strip():
        reasons = case_rules(municipality_id=case.municipality_id).no_view_reasons
        if no_view_reason not in dict(reasons):
            raise CaseRuleBroken(
                _("Skriv elevens syn, eller velg hvorfor eleven ikke har sagt noe.")
            )
    conversation.pupil_view = pupil_view
    conversation.no_view_reason = "" if pupil_view.strip() else no_view_reason
    conversation.weighing = weighing
    conversation.version += 1
    conversation.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.CONVERSATION_HELD,
        reason="Undringssamtale registrert",
    )
    return conversation


class CaseRuleBroken(ValueError):
    """A write the plan's rules do not allow; the message tells the user why, in bokmål."""


class CaseChanged(ValueError):
    """Someone else saved the record after the user opened it; nothing was overwritten."""


def invitation_seen(*, user: Any, case: Case) -> None:
    """The invited person has opened the case: their invitation is no longer a notice."""
    CaseParticipant.objects.filter(case=case, user=user, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )


def case_may_steer(user: Any, case: Case) -> bool:
    """The owner, the school's leadership and the named coordinator make the case's decisions."""
    return (
        case.owner_id == user.pk
        or case.coordinator_id == user.pk
        or case.school_id in user.leadership_school_ids()
    )


def _locked(case: Case, *, version: int | None = None) -> Case:
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and fresh.version != version:
        raise CaseChanged
    return fresh


@transaction.atomic
def handover_offer(*, actor: Any, case: Case, to_user: Any, message: str = "") -> Handover:
    """Offer ownership to a colleague at the school; it moves only when they accept."""
    case = _locked(case)
    if not case_may_steer(actor, case):
        raise CaseRuleBroken(_("Bare eieren eller skolens ledelse kan overføre saken."))
    if to_user.pk == case.owner_id or not to_user.is_active:
        raise CaseRuleBroken(_("Velg en aktiv kollega som ikke allerede eier saken."))
    if case.school_id not in to_user.school_ids():
        raise CaseRuleBroken(_("Saken kan bare overføres til en ansatt ved elevens skole."))
    if case.handovers.filter(state=Handover.State.WAITING).exists():
        raise CaseRuleBroken(_("En overføring venter allerede på svar."))
    handover = Handover(
        case=case, from_user=actor, to_user=to_user, offered_at=timezone.now(), message=message
    )
    handover.full_clean()
    handover.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.HANDOVER_OFFERED,
        reason="Overføring foreslått",
        summary=str(to_user),
    )
    return handover


def _moved_message(school: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Eleven har byttet skole til %(school)s. Saken flyttes når skolen tar imot den."
        ) % {"school": school}


def school_move_offer(*, case: Case, to_school: Any, to_user: Any, actor: Any) -> Handover:
    """The pupil has moved to `to_school`: the case is offered to its leadership (`to_user`),
    from the case's owner. Called inside the import's transaction."""
    handover = Handover(
        case=case,
        from_user_id=case.owner_id,
        to_user=to_user,
        to_school=to_school,
        offered_at=timezone.now(),
        message=_moved_message(to_school.name),
    )
    handover.full_clean()
    handover.save()
    # An import from the command line has no person behind it: the chronology names the owner
    # the case is offered from, and the audit log the import.
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.HANDOVER_OFFERED,
        reason="Eleven har byttet skole: saken tilbys den nye skolen",
        summary=f"{to_user} ({to_school.name})",
        automatic="" if actor else "import fra skoleadministrativt system",
        shown_as=actor or case.owner,
    )
    return handover


@transaction.atomic
def handover_answer(*, actor: Any, handover: Handover, accept: bool) -> Handover:
    """The receiver accepts (and becomes the owner) or declines; both stay in the history."""
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.to_user_id != actor.pk or handover.state != Handover.State.WAITING:
        raise CaseRuleBroken(_("Denne overføringen venter ikke på svar fra deg."))
    case = _locked(handover.case)
    handover.state = Handover.State.ACCEPTED if accept else Handover.State.DECLINED
    handover.answered_at = timezone.now()
    handover.save()
    if accept and handover.to_school_id:
        # The pupil has moved school: the case moves with them, and nobody at the old school
        # keeps access (its leadership loses it with the school).
        case.participants.all().delete()
        case.school_id = handover.to_school_id
        case.owner = actor
        case.coordinator = None
        case.version += 1
        case.save(update_fields=["school", "owner", "coordinator", "version"])
    elif accept:
        # The former owner keeps seeing the case as a participant: they know the pupil.
        CaseParticipant.objects.get_or_create(
            case=case,
            user_id=case.owner_id,
            defaults={"invited_by": actor, "invited_at": handover.answered_at},
        )
        CaseParticipant.objects.filter(case=case, user=actor).delete()
        case.owner = actor
        case.version += 1
        case.save(update_fields=["owner", "version"])
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.HANDOVER_ACCEPTED if accept else CaseEvent.Kind.HANDOVER_DECLINED,
        reason="Overføring besvart",
        summary=str(handover.from_user),
    )
    return handover


@transaction.atomic
def parents_decide(
    *,
    actor: Any,
    case: Case,
    choice: str,
    reason: str,
    obligations: list[str],
    maturity: str = "",
    pupil_wishes: str = "",
    tell: Sequence[Any] = (),
    told_by: str = "",
) -> ParentDecision:
    """Record how the guardians are involved, in consultation with the pupil, and why."""
    rules = case_rules(municipality_id=case.municipality_id)
    known = dict(rules.must_inform)
    unknown = [key for key in obligations if key not in known]
    if unknown:
        raise CaseRuleBroken(_("Ukjent situasjon."))
    if obligations and choice == ParentDecision.Choice.NOT_NOW:
        raise CaseRuleBroken(
            _("Skolen må informere foresatte når: %(what)s.")
            % {"what": ", ".join(known[key] for key in obligations)}
        )
    decision = ParentDecision(
        case=case,
        decided_at=timezone.now(),
        decided_by=actor,
        choice=choice,
        obligations=obligations,
        pupil_age=case.pupil.age_on(timezone.localdate()),
        maturity=maturity,
        pupil_wishes=pupil_wishes,
        reason=reason,
        told_by=told_by,
    )
    decision.full_clean()
    decision.save()
    chosen = list(Guardian.objects.filter(pupil_id=case.pupil_id, pk__in=[str(g) for g in tell]))
    if len(chosen) != len(set(map(str, tell))):
        raise CaseRuleBroken(_("Velg foresatte til eleven."))
    decision.tell.set(chosen)
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.PARENTS_DECIDED,
        reason="Foreldreinvolvering vurdert",
        summary=str(decision.get_choice_display()),
    )
    return decision


@transaction.atomic
def parents_contact_record(
    *,
    actor: Any,
    case: Case,
    at: dt.datetime,
    with_whom: str,
    channel: str,
    summary: str,
    guardian: Guardian | None = None,
    interpreter: str = "",
) -> ParentContact:
    if guardian is not None and guardian.pupil_id != case.pupil_id:
        raise CaseRuleBroken(_("Velg foresatte til eleven."))
    contact = ParentContact(
        case=case,
        at=at,
        recorded_by=actor,
        with_whom=guardian.name if guardian is not None else with_whom,
        guardian=guardian,
        channel=channel,
        summary=summary,
        interpreter=interpreter,
    )
    contact.full_clean()
    contact.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.PARENTS_CONTACTED,
        reason="Kontakt med foresatte registrert",
        summary=f"{contact.with_whom} ({channel})",
    )
    return contact


@transaction.atomic
def case_decide(
    *, actor: Any, case: Case, key: str, reason: str, version: int, no_parents_reason: str = ""
) -> Decision:
    """A decision at the case's level of Lunnermodellen, as the plan's casework allows it.

    Closing needs every measure evaluated, and a decision on involving the guardians or
    `no_parents_reason`, why none was made."""
    case = _locked(case, version=version)
    if not case_may_steer(actor, case):
        raise CaseRuleBroken(_("Bare eieren, koordinatoren eller skolens ledelse kan beslutte."))
    if case.status != Case.Status.OPEN:
        raise CaseRuleBroken(_("Saken er avsluttet."))
    rules = case_rules(municipality_id=case.municipality_id)
    rule = next((d for d in rules.decisions_at(case.level) if d.key == key), None)
    if rule is None:
        raise CaseRuleBroken(_("Denne beslutningen kan ikke tas på saksens nivå."))
    missing = close_missing(case) if rule.closes else None
    if missing and missing.unevaluated:
        raise CaseRuleBroken(
            ngettext(
                "Saken kan ikke avsluttes før tiltakene er evaluert: %(n)s tiltak er ikke "
                "evaluert.",
                "Saken kan ikke avsluttes før tiltakene er evaluert: %(n)s tiltak er ikke "
                "evaluert.",
                missing.unevaluated,
            )
            % {"n": missing.unevaluated}
        )
    if missing and missing.no_parents_decision and not no_parents_reason.strip():
        raise CaseRuleBroken(
            _(
                "Foreldreinvolvering er ikke vurdert. Registrer vurderingen, eller skriv hvorfor "
                "den ikke er gjort."
            )
        )
    now = timezone.now()
    decision = Decision(
        case=case,
        decided_at=now,
        decided_by=actor,
        key=key,
        from_level=case.level,
        to_level=rule.to_level if rule.to_level is not None else case.level,
        reason=reason,
        legal_basis=rule.legal_basis,
        no_parents_reason=no_parents_reason.strip() if missing else "",
    )
    decision.full_clean()
    decision.save()
    if rule.closes:
        case.status = Case.Status.CLOSED
        case.closed_at = now
    if rule.to_level is not None and rule.to_level != case.level:
        case.level = rule.to_level
        case.level_since = now
    case.version += 1
    case.save()
    basis = rules.legal_basis(rule.legal_basis) if rule.legal_basis else None
    summary = rule.title + (f" ({basis.law})" if basis else "")
    case_event_record(
        actor=actor, case=case, kind=CaseEvent.Kind.DECISION, reason="Beslutning", summary=summary
    )
    if rule.closes:
        case_event_record(
            actor=actor, case=case, kind=CaseEvent.Kind.CLOSED, reason="Saken avsluttet"
        )
    return decision


def _staff_joins(*, actor: Any, case: Case, user: Any, refusal: str) -> None:
    """A member of staff given a task in the case (coordinator, responsible for a measure):
    the owner, someone in the case, or active staff at the case's school, who then joins it.
    Anyone else is refused with `refusal`."""
    if not user.is_active:
        raise CaseRuleBroken(refusal)
    if user.pk == case.owner_id:
        return
    in_case = case.participants.filter(user=user).exists()
    if not in_case and case.school_id not in user.school_ids():
        raise CaseRuleBroken(refusal)
    if in_case:
        return
    # Staff from a service outside the school (the school nurse) join on the same terms as
    # when they are invited: valid consent to that service.
    rules = case_rules(municipality_id=case.municipality_id)
    service = role_service(rules, user, case)
    if service:
        check = consent_check(case=case, service=service, rules=rules)
        if not check.ok:
            raise CaseRuleBroken(
                " ".join(
                    [
                        _(
                            "%(name)s kommer fra %(service)s og kan bare få en oppgave i saken "
                            "når hen kan inviteres inn i den:"
                        )
                        % {"name": user, "service": check.service_name},
                        *check.missing,
                    ]
                )
            )
    CaseParticipant.objects.create(
        case=case, user=user, invited_by=actor, invited_at=timezone.now(), service=service
    )


@transaction.atomic
def coordinator_appoint(*, actor: Any, case: Case, user: Any) -> Case:
    case = _locked(case)
    if not case_may_steer(actor, case):
        raise CaseRuleBroken(_("Bare eieren eller skolens ledelse kan oppnevne koordinator."))
    if case.level < 3:
        raise CaseRuleBroken(_("Koordinator oppnevnes på nivå 3."))
    _staff_joins(
        actor=actor,
        case=case,
        user=user,
        refusal=_("Koordinatoren må være med i saken eller ansatt ved skolen."),
    )
    case.coordinator = user
    case.version += 1
    case.save(update_fields=["coordinator", "version"])
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.COORDINATOR,
        reason="Koordinator oppnevnt",
        summary=str(user),
    )
    return case


@transaction.atomic
def measure_add(
    *,
    actor: Any,
    case: Case,
    description: str,
    goal: str,
    evaluate_on: dt.date,
    responsible: str = "",
    responsible_user: Any = None,
) -> Measure:
    """Agree a measure (tiltak) with a goal, a responsible person and an evaluation date.

    The responsible person is a member of staff (`responsible_user`: the owner, someone in the
    case, or staff at the case's school, who then joins the case), or a person outside the
    school named in `responsible`."""
    if case.status != Case.Status.OPEN:
        raise CaseRuleBroken(_("Saken er avsluttet."))
    if responsible_user is not None:
        _staff_joins(
            actor=actor,
            case=case,
            user=responsible_user,
            refusal=_("Den ansvarlige må være med i saken eller ansatt ved skolen."),
        )
        responsible = responsible_user.full_name or responsible_user.email
    if not responsible.strip():
        raise CaseRuleBroken(_("Skriv hvem som er ansvarlig."))
    measure = Measure(
        case=case,
        created_at=timezone.now(),
        created_by=actor,
        level=case.level,
        description=description,
        goal=goal,
        responsible=responsible,
        responsible_user=responsible_user,
        evaluate_on=evaluate_on,
    )
    measure.full_clean()
    measure.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.MEASURE_ADDED,
        reason="Tiltak avtalt",
        summary=responsible,
    )
    return measure


@transaction.atomic
def measure_evaluate(*, actor: Any, measure: Measure, evaluation: str, version: int) -> Measure:
    """Record how a measure worked. A save over someone else's newer one is refused."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.version != version:
        raise CaseChanged
    measure.evaluation = evaluation
    measure.evaluated_at = timezone.now()
    measure.evaluated_by = actor
    measure.version += 1
    measure.save()
    case_event_record(
        actor=actor,
        case=measure.case,
        kind=CaseEvent.Kind.MEASURE_EVALUATED,
        reason="Tiltak evaluert",
    )
    return measure
