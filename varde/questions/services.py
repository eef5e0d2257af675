"""Writes: a pupil asks, an adviser answers or hides, and the worker deletes by the plan's days.

Nothing about the pupil is stored
---------------------------------
`question_ask` takes the school, the chosen adviser role, the topic, the urgency and the text,
and nothing else: it is never handed the request, so no address, browser, device, session or
user can reach the row. The time is kept to the hour. The pupil's own writing and reading are
not audited, for the same reason: an audit entry carries the exact time, which could be
matched against the school network's logs. Every adviser's read and write is audited.

Rate limit
----------
Without identity, the limit is per school: at most the plan's `per_school_per_hour` questions
in one clock hour, counted from the questions themselves under a lock on the school's row, so
two pupils at once cannot both take the last place. A flood can use up a school's hour, but
cannot reach other schools, keeps the table to a known size, and ends at the next hour; the
pupil who is refused keeps the text and is shown 116 111 and 112. The form's signed time
token (varde/questions/forms.py) keeps out scripts that post without loading the form first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import AuditSubject, audit_record_many
from varde.lib.crypto import DecryptionError
from varde.people.models import Municipality, RoleAssignment, School
from varde.people.roles import Role
from varde.questions.access import OBJECT_TYPE, adviser_roles_by_school, questions_audit
from varde.questions.codes import code_hash, code_new, code_normal
from varde.questions.models import PupilQuestion, QuestionTally
from varde.questions.rules import QuestionRules, question_rules

HOUR = dt.timedelta(hours=1)


class QuestionRefused(Exception):
    """The question or answer is not saved; the message says why, in the user's language."""


def hour_of(moment: dt.datetime) -> dt.datetime:
    """The start of the hour `moment` falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def deleted_from(asked_at: dt.datetime, *, days: int) -> dt.datetime:
    """When a question asked in the hour starting at `asked_at` is deleted: `days` after the
    end of that hour, so never less than `days` after it was asked."""
    return asked_at + HOUR + dt.timedelta(days=days)


def month_of(moment: dt.datetime) -> dt.date:
    """The month (its first day) `moment` falls in, in Oslo."""
    return timezone.localtime(moment).date().replace(day=1)


def schools_taking_questions(
    *, municipality: Municipality, rules: QuestionRules
) -> list[tuple[School, set[str]]]:
    """The municipality's schools with an active adviser, each with the advice roles held
    there, by name."""
    holders: dict[int, set[str]] = {}
    for school_id, role in RoleAssignment.objects.filter(
        school__municipality=municipality, role__in=rules.roles, user__is_active=True
    ).values_list("school_id", "role"):
        holders.setdefault(school_id, set()).add(role)
    schools = School.objects.filter(pk__in=holders).order_by("name")
    return [(school, holders[school.pk]) for school in schools]


@transaction.atomic
def question_ask(
    *,
    school: School,
    to_role: str,
    topic: str,
    urgent: bool,
    question: str,
    now: dt.datetime | None = None,
) -> tuple[PupilQuestion, str]:
    """Store a pupil's question and return it with its pickup code, which is kept nowhere."""
    rules = question_rules(municipality_id=school.municipality_id)
    text = question.strip()
    if not rules.offered:
        raise QuestionRefused(_("Kommunen tar ikke imot spørsmål her ennå."))
    if topic not in dict(rules.topics):
        raise QuestionRefused(_("Velg et tema fra listen."))
    if to_role and to_role not in rules.roles:
        raise QuestionRefused(_("Velg hvem du vil spørre fra listen."))
    if not text:
        raise QuestionRefused(_("Skriv spørsmålet ditt."))
    holders = RoleAssignment.objects.filter(
        school=school, role__in=[to_role] if to_role else rules.roles, user__is_active=True
    )
    if not holders.exists():
        raise QuestionRefused(
            _("Skolen har ingen %(role)s som svarer her ennå. Velg «Den som svarer først».")
            % {"role": Role(to_role).label.lower()}
            if to_role
            else _("Skolen tar ikke imot spørsmål her ennå. Velg en annen skole, eller ring.")
        )
    hour = hour_of(now or timezone.now())
    # Pupils asking at the same school take turns here, so the count below is exact.
    list(School.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True))
    if (
        PupilQuestion.objects.filter(school=school, asked_at=hour).count()
        >= rules.per_school_per_hour
    ):
        raise QuestionRefused(
            _(
                "Skolen har fått veldig mange spørsmål denne timen, så spørsmålet ditt er ikke "
                "sendt. Teksten din står her fortsatt. Prøv igjen om en time. Haster det, ring "
                "et av numrene på siden."
            )
        )
    code = code_new()
    key_id, digest = code_hash(code)
    asked = PupilQuestion(
        school=school,
        to_role=to_role,
        topic=topic,
        urgent=urgent,
        asked_at=hour,
        question=text,
        code_key=key_id,
        code_hash=digest,
    )
    asked.full_clean()
    asked.save()
    _tally(school_id=school.pk, month=month_of(hour), topic=topic, hidden=False, change=1)
    return asked, code


def question_by_code(*, municipality: Municipality, code: str) -> PupilQuestion | None:
    """The question of the municipality whose pickup code this is, or None."""
    if code_normal(code) is None:
        return None
    questions = PupilQuestion.objects.filter(school__municipality=municipality)
    digests = []
    for key_id in questions.order_by().values_list("code_key", flat=True).distinct():
        try:
            digests.append(code_hash(code, key_id=key_id)[1])
        except DecryptionError:
            # A key no longer in the keyring: no code made with it can be found again.
            continue
    return questions.select_related("school").filter(code_hash__in=digests).first()


def _answer_role(*, actor: Any, question: PupilQuestion, rules: QuestionRules) -> str:
    """The role the answer is signed with: the one the pupil chose, else the adviser's first
    in the plan's order."""
    if question.to_role:
        return question.to_role
    held = adviser_roles_by_school(actor).get(question.school_id, set())
    return next((role for role in rules.roles if role in held), "")


@transaction.atomic
def question_answer(*, actor: Any, question: PupilQuestion, answer: str) -> PupilQuestion:
    """The adviser's answer, which the pupil reads with the code. A question is answered once:
    the second of two advisers answering at the same time is told, and keeps the text."""
    locked = (
        PupilQuestion.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(pk=question.pk, hidden_at__isnull=True)
        .first()
    )
    if locked is None:
        raise QuestionRefused(_("Spørsmålet er skjult eller slettet."))
    if locked.answered_at is not None:
        raise QuestionRefused(
            _("Spørsmålet er allerede besvart. Svaret ditt er ikke lagret, men står under.")
        )
    text = answer.strip()
    if not text:
        raise QuestionRefused(_("Skriv svaret ditt."))
    rules = question_rules(municipality_id=locked.school.municipality_id)
    locked.answer = text
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    locked.answered_role = _answer_role(actor=actor, question=locked, rules=rules)
    locked.full_clean()
    locked.save(update_fields=["answer", "answered_at", "answered_by", "answered_role"])
    questions_audit(actor, [locked], action=AuditAction.UPDATE, reason="Svar på spørsmål fra elev")
    return locked


@transaction.atomic
def question_hide(*, actor: Any, question: PupilQuestion, reason: str) -> PupilQuestion:
    """Hide a question as abuse: its text and any answer are removed at once, and it is
    counted as hidden. Hiding it again changes nothing."""
    if reason not in PupilQuestion.HiddenReason.values:
        raise QuestionRefused(_("Velg hvorfor spørsmålet skjules."))
    locked = (
        PupilQuestion.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(pk=question.pk)
        .first()
    )
    if locked is None or locked.hidden_at is not None:
        return locked or question
    locked.question = ""
    locked.answer = ""
    locked.hidden_at = timezone.now()
    locked.hidden_reason = reason
    locked.save(update_fields=["question", "answer", "hidden_at", "hidden_reason"])
    month = month_of(locked.asked_at)
    _tally(school_id=locked.school_id, month=month, topic=locked.topic, hidden=False, change=-1)
    _tally(school_id=locked.school_id, month=month, topic=locked.topic, hidden=True, change=1)
    questions_audit(
        actor,
        [locked],
        action=AuditAction.UPDATE,
        reason="Spørsmål fra elev skjult som misbruk",
        detail={"reason": reason},
    )
    return locked


def _tally(*, school_id: int, month: dt.date, topic: str, hidden: bool, change: int) -> None:
    """Add `change` to the count of the school's month, topic and hiddenness."""
    row, _created = QuestionTally.objects.get_or_create(
        school_id=school_id, month=month, topic=topic, hidden=hidden
    )
    QuestionTally.objects.filter(pk=row.pk).update(count=F("count") + change)


# ---------------------------------------------------------------- deletion


def questions_purge_due(*, now: dt.datetime | None = None) -> int:
    """Delete every question, with its answer, whose plan's number of days has passed since
    the end of the hour it was asked in: never a moment early. Each deletion is audited.
    Running it again, or in two workers at once, deletes nothing more."""
    now = now or timezone.now()
    municipality_ids = (
        PupilQuestion.objects.order_by()
        .values_list("school__municipality_id", flat=True)
        .distinct()
    )
    return sum(
        _purge(municipality_id=municipality_id, now=now)
        for municipality_id in list(municipality_ids)
    )


@transaction.atomic
def _purge(*, municipality_id: int, now: dt.datetime) -> int:
    days = question_rules(municipality_id=municipality_id).delete_after_days
    # Due when deleted_from(asked_at, days=days) <= now.
    latest = now - dt.timedelta(days=days) - HOUR
    due = list(
        PupilQuestion.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(school__municipality_id=municipality_id, asked_at__lte=latest)
        .values_list("pk", "school_id")
    )
    if not due:
        return 0
    audit_record_many(
        actor=None,
        automatic="sletting etter oppbevaringstid",
        action=AuditAction.DELETE,
        object_type=OBJECT_TYPE,
        subjects=[AuditSubject(pk, None, school_id, municipality_id) for pk, school_id in due],
        reason="Spørsmål fra elev slettet etter planens antall dager",
        detail={"days": days},
    )
    PupilQuestion.objects.filter(pk__in=[pk for pk, _school in due]).delete()
    return len(due)
