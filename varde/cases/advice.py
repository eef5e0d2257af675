"""Asking the school's Kjentmann or school nurse for advice on a case, named or anonymous.

Anyone who sees a case may put a question to one of the school's advisers: the
active staff who hold one of the plan's advice roles at the pupil's school. An
anonymous question shows the adviser only the question and the pupil's age
band. Being asked never lets the adviser into the case; the answer is kept on
the case, where those who see the case read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F
from django.db.models.lookups import IsNull
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record, audit_record_many
from varde.cases.access import cases_visible_to
from varde.cases.models import AdviceRequest, Case, CaseEvent
from varde.cases.rules import CaseRules, case_rules
from varde.cases.selectors import case_list_rows
from varde.cases.services import CaseRuleBroken, case_event_record
from varde.lib.ids import id_or_404
from varde.people.models import RoleAssignment, User

INBOX_PAGE_SIZE = 50

# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class Adviser:
    user: User
    roles: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.user} ({', '.join(self.roles)})"


def advisers_for(*, case: Case, exclude: Any = None) -> list[Adviser]:
    """The active staff holding one of the plan's advice roles at the case's school."""
    rules = case_rules(municipality_id=case.municipality_id)
    assignments = (
        RoleAssignment.objects.filter(
            school_id=case.school_id, role__in=rules.advice_roles, user__is_active=True
        )
        .select_related("user")
        .order_by("user__full_name", "user_id", "role")
    )
    found: dict[int, Adviser] = {}
    for assignment in assignments:
        if exclude is not None and assignment.user_id == exclude.pk:
            continue
        label = str(assignment.get_role_display())
        known = found.get(assignment.user_id)
        roles = (*known.roles, label) if known else (label,)
        found[assignment.user_id] = Adviser(assignment.user, roles)
    return list(found.values())


def adviser_school_ids(user: Any, *, rules: Mapping[int, CaseRules] | None = None) -> set[int]:
    """The schools where the user holds an advice role by the plan of the school's municipality.
    `rules`: the casework rules the caller has read already, by municipality id.

    Read on every request, so an adviser who loses the role loses the questions at once.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    by_municipality: dict[int, set[str]] = {}
    schools = set()
    for assignment in user.assignments:
        if not assignment.school_id:
            continue
        municipality_id = assignment.school.municipality_id
        if municipality_id not in by_municipality:
            known = (rules or {}).get(municipality_id)
            roles = (known or case_rules(municipality_id=municipality_id)).advice_roles
            by_municipality[municipality_id] = set(roles)
        if assignment.role in by_municipality[municipality_id]:
            schools.add(assignment.school_id)
    return schools


def _asked_of(user: Any) -> Any:
    return AdviceRequest.objects.filter(
        adviser=user, case__school_id__in=adviser_school_ids(user)
    ).select_related("case", "case__pupil", "asked_by")


def _subject(question: AdviceRequest) -> AuditSubject:
    # An anonymous question is audited without the pupil: the adviser learns nothing
    # that identifies the pupil, so the read must not appear in the pupil's access log
    # as if the adviser had seen the case.
    pupil_id = None if question.anonymous else question.case.pupil_id
    return AuditSubject(
        question.pk, pupil_id, question.case.school_id, question.case.municipality_id
    )


def advice_for_user(user: Any, pk: object) -> AdviceRequest:
    """A question asked of this user, as its adviser; 404 for everyone else. The read is audited."""
    question = _asked_of(user).filter(pk=id_or_404(pk)).first()
    if question is None:
        raise Http404
    audit_record_many(
        actor=user,
        action=AuditAction.READ,
        object_type="advice",
        subjects=[_subject(question)],
        reason="Spørsmål om råd",
    )
    return question


def advice_inbox(user: Any, *, page: object = None) -> Page[AdviceRequest]:
    """One page of the questions asked of this user, unanswered first, then newest first.

    Sorted and cut in the database, so the page costs the same with ten questions as
    with ten thousand. Only the questions on the page are shown, so only they are audited.
    A page number that is not a number gives the first page; one past the end, the last.
    """
    unanswered = IsNull(F("answered_at"), True)
    ordered = _asked_of(user).order_by(unanswered.desc(), "-asked_at", "-pk")
    shown = Paginator(ordered, INBOX_PAGE_SIZE).get_page(page)
    rows = list(shown.object_list)
    if rows:
        audit_record_many(
            actor=user,
            action=AuditAction.READ,
            object_type="advice",
            subjects=[_subject(r) for r in rows],
            reason="Spørsmål om råd, liste",
        )
    return shown


def advice_unanswered_count(user: Any) -> int:
    """How many questions wait for this user's answer. A count only: nothing to audit."""
    return _asked_of(user).filter(answered_at__isnull=True).count()


def advice_waiting(user: Any, *, rules: Mapping[int, CaseRules] | None = None) -> int | None:
    """How many questions wait for the user's answer; None for someone who advises nowhere.
    `rules` as for adviser_school_ids."""
    schools = adviser_school_ids(user, rules=rules)
    if not schools:
        return None
    return AdviceRequest.objects.filter(
        adviser=user, case__school_id__in=schools, answered_at__isnull=True
    ).count()


def advice_adviser_sees_case(*, user: Any, question: AdviceRequest) -> bool:
    """Whether the adviser of a named question may open its case on their own account."""
    return cases_visible_to(user).filter(pk=question.case_id).exists()


def advice_on_case(*, case: Case, present: frozenset[str] | None = None) -> list[AdviceRequest]:
    """The questions asked on a case, for those who already reached the case; no query when
    `present` (from case_lists_present) says there are none."""
    return case_list_rows(
        case, "advice_requests", present, "asked_at", "pk", related=("asked_by", "adviser")
    )


# ---------------------------------------------------------------- writes


@transaction.atomic
def advice_ask(
    *, actor: Any, case: Case, adviser: User, question: str, anonymous: bool = True
) -> AdviceRequest:
    """Put a question on the case to one of the school's advisers, anonymous unless asked."""
    if case.status != Case.Status.OPEN:
        raise CaseRuleBroken(_("Saken er avsluttet."))
    if adviser.pk not in {a.user.pk for a in advisers_for(case=case, exclude=actor)}:
        raise CaseRuleBroken(_("Velg en Kjentmann eller helsesykepleier ved elevens skole."))
    if not question.strip():
        raise CaseRuleBroken(_("Skriv spørsmålet ditt."))
    rules = case_rules(municipality_id=case.municipality_id)
    now = timezone.now()
    asked = AdviceRequest(
        case=case,
        asked_by=actor,
        adviser=adviser,
        anonymous=anonymous,
        age_band=rules.age_band(case.pupil.age_on(timezone.localdate(now))),
        asked_at=now,
        question=question.strip(),
    )
    asked.full_clean()
    asked.save()
    case_event_record(
        actor=actor,
        case=case,
        kind=CaseEvent.Kind.ADVICE_ASKED,
        reason="Råd spurt om",
        summary=f"{adviser} ({_('anonymt') if anonymous else _('med navn')})",
    )
    return asked


@transaction.atomic
def advice_answer(*, actor: Any, question: AdviceRequest, answer: str) -> AdviceRequest:
    """The adviser's answer, kept on the case. A question is answered once."""
    question = AdviceRequest.objects.select_for_update().select_related("case").get(pk=question.pk)
    if question.adviser_id != actor.pk:
        raise CaseRuleBroken(_("Spørsmålet er stilt til en annen."))
    if question.answered_at is not None:
        raise CaseRuleBroken(_("Du har allerede svart på dette spørsmålet."))
    if not answer.strip():
        raise CaseRuleBroken(_("Skriv svaret ditt."))
    question.answer = answer.strip()
    question.answered_at = timezone.now()
    question.full_clean()
    question.save(update_fields=["answer", "answered_at"])
    case = question.case
    CaseEvent.objects.create(
        case=case,
        at=question.answered_at,
        actor=actor,
        kind=CaseEvent.Kind.ADVICE_ANSWERED,
        summary=str(actor),
    )
    # The same rule as for reading: an adviser answering an anonymous question
    # has learnt nothing identifying, so the entry carries no pupil.
    subject = _subject(question)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="advice",
        object_id=subject.object_id,
        pupil_id=subject.pupil_id,
        school_id=subject.school_id,
        municipality_id=subject.municipality_id,
        reason="Råd gitt",
    )
    return question
