"""Pages for the pupil's anonymous question, the adviser's answer, and the topics per month.

The pupil's pages use nothing from the request but the form: no session, no message, no
address. The pickup code is shown in the answer to the form's POST and kept nowhere, not in
a session, a cookie or an address a log could hold, so that answer is not a redirect. The
code is sent back by POST for the same reason. None of these pages may be cached.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.audit.models import AuditAction
from varde.cases.rules import case_rules_of
from varde.insights.access import insight_scope, insights_shown
from varde.insights.forms import TrendFilterForm
from varde.insights.report import SMALL_NOTE
from varde.people.models import Municipality
from varde.people.roles import Role
from varde.plan.models import PlanVersion
from varde.plan.selectors import municipality_or_404, plan_version_or_404
from varde.questions.access import question_for_adviser
from varde.questions.forms import AnswerForm, AskForm, CodeForm, HideForm, form_token
from varde.questions.models import PupilQuestion
from varde.questions.rules import QuestionRules, question_rules, rules_of
from varde.questions.selectors import cannot_wait, topic_table
from varde.questions.services import (
    HOUR,
    QuestionRefused,
    deleted_from,
    question_answer,
    question_ask,
    question_by_code,
    question_hide,
    schools_taking_questions,
)
from varde.web.pages import render_page

# ---------------------------------------------------------------- the pupil's pages


def _public(slug: str) -> tuple[Municipality, PlanVersion, QuestionRules]:
    municipality = municipality_or_404(slug)
    version = plan_version_or_404(municipality=municipality, number=None)
    rules = rules_of(case_rules_of(version))
    if not rules.offered:
        raise Http404
    return municipality, version, rules


def _pupil_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    municipality: Municipality,
    version: PlanVersion,
    rules: QuestionRules,
) -> HttpResponse:
    now = timezone.now()
    return render_page(
        request,
        template,
        {
            **context,
            "municipality": municipality,
            "rules": rules,
            "steps": cannot_wait(version=version, rules=rules, at=now),
            "now": timezone.localtime(now),
        },
        municipality=municipality,
        plan=version,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    """The pupil writes a question to the school's Kjentmann or nurse, and gets a pickup code."""
    municipality, version, rules = _public(slug)
    schools = schools_taking_questions(municipality=municipality, rules=rules)
    posted = request.POST if request.method == "POST" else None
    form = AskForm(posted, schools=schools, rules=rules)
    if posted is not None and form.is_valid():
        try:
            question, code = question_ask(
                school=form.chosen_school,
                to_role=form.chosen_role,
                topic=form.cleaned_data["topic"],
                urgent=form.cleaned_data["urgent"],
                question=form.cleaned_data["question"],
            )
        except QuestionRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _pupil_page(
                request,
                "questions/receipt.html",
                {
                    "code": code,
                    "question": question,
                    "deleted_from": deleted_from(question.asked_at, days=rules.delete_after_days),
                },
                municipality=municipality,
                version=version,
                rules=rules,
            )
    return _pupil_page(
        request,
        "questions/ask.html",
        {"form": form, "token": form_token(), "has_schools": bool(schools)},
        municipality=municipality,
        version=version,
        rules=rules,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    """The pupil types the pickup code and reads the question and its answer."""
    municipality, version, rules = _public(slug)
    posted = request.POST if request.method == "POST" else None
    form = CodeForm(posted)
    found = None
    if posted is not None and form.is_valid():
        found = question_by_code(municipality=municipality, code=form.cleaned_data["code"])
        if found is None:
            form.add_error(
                "code",
                _(
                    "Vi fant ikke noe spørsmål med denne koden. Sjekk at du har skrevet av hele "
                    "koden riktig. Spørsmål og svar slettes etter %(days)s dager."
                )
                % {"days": rules.delete_after_days},
            )
    return _pupil_page(
        request,
        "questions/answer.html",
        {
            "form": form,
            "found": found,
            "topic": rules.topic_title(found.topic) if found else "",
            "answered_as": Role(found.answered_role).label if found and found.answered_role else "",
            "deleted_from": (
                deleted_from(found.asked_at, days=rules.delete_after_days) if found else None
            ),
        },
        municipality=municipality,
        version=version,
        rules=rules,
    )


# ---------------------------------------------------------------- the adviser's pages


def _question_page(
    request: HttpRequest,
    question: PupilQuestion,
    *,
    form: AnswerForm,
    hide_form: HideForm,
    status: int | None = None,
) -> HttpResponse:
    rules = question_rules(municipality_id=question.school.municipality_id)
    return render_page(
        request,
        "questions/question.html",
        {
            "question": question,
            "form": form,
            "hide_form": hide_form,
            "topic": rules.topic_title(question.topic),
            "to_role": Role(question.to_role).label if question.to_role else "",
            "answered_as": Role(question.answered_role).label if question.answered_role else "",
            "asked_until": question.asked_at + HOUR,
        },
        municipality=question.school.municipality,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's question to the adviser, and the answer. Nothing in it names the pupil."""
    question = question_for_adviser(request.user, pk, reason=_lazy("Spørsmål fra elev"))
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            question_answer(
                actor=request.user, question=question, answer=form.cleaned_data["answer"]
            )
        except QuestionRefused as exc:
            form.add_error(None, str(exc))
            question.refresh_from_db()
        else:
            messages.success(request, _("Svaret er lagret. Eleven leser det med hentekoden."))
            return redirect("cases:advice_inbox")
    return _question_page(request, question, form=form, hide_form=HideForm())


@login_required
@require_POST
def hide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide a question as abuse: its text is deleted, and it is only counted."""
    question = question_for_adviser(request.user, pk, reason=_lazy("Skjul spørsmål fra elev"))
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            question_hide(actor=request.user, question=question, reason=form.cleaned_data["reason"])
        except QuestionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Spørsmålet er skjult, og teksten er slettet."))
            return redirect("cases:advice_inbox")
    return _question_page(request, question, form=AnswerForm(), hide_form=form)


# ---------------------------------------------------------------- the SLT coordinator's figures


@login_required
@require_GET
def topics(request: HttpRequest) -> HttpResponse:
    """Pupils' questions per month and topic, with the trend page's small-count rules."""
    scope = insight_scope(request.user)
    form = TrendFilterForm(request.GET or None, choices=scope.choices())
    period = form.period()
    valid = form.is_bound and form.is_valid()
    if request.GET.get("skole") and form.is_bound and "skole" in form.errors:
        # A school outside the user's reach answers like one that does not exist.
        raise Http404
    selection, schools = scope.selection((form.cleaned_data.get("skole") if valid else "") or "")
    insights_shown(
        request.user,
        action=AuditAction.READ,
        schools=schools,
        detail={
            "figures": "pupil_questions",
            "from": period.first_month.isoformat(),
            "to": period.last_month.isoformat(),
            "schools": [s.pk for s in schools],
        },
    )
    return render_page(
        request,
        "questions/topics.html",
        {
            "form": form,
            "period": period,
            "table": topic_table(selection=selection, schools=schools, period=period),
            "note": SMALL_NOTE,
        },
        municipality=schools[0].municipality,
    )
