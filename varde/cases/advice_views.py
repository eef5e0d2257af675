"""Pages for asking advice on a case, the adviser's questions, and the printable chronology."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.access import case_for_user
from varde.cases.advice import (
    Adviser,
    advice_adviser_sees_case,
    advice_answer,
    advice_ask,
    advice_for_user,
    advice_inbox,
    advice_unanswered_count,
    advisers_for,
)
from varde.cases.chronology import case_chronology
from varde.cases.models import Case
from varde.cases.rules import case_rules
from varde.cases.services import CaseRuleBroken
from varde.people.forms import StyledForm
from varde.questions.selectors import question_inbox
from varde.web.pages import render_page

ANONYMOUS, NAMED = "anonymous", "named"


class AdviceAskForm(StyledForm):
    adviser = forms.TypedChoiceField(
        label=gettext_lazy("Hvem vil du spørre?"), coerce=int, widget=forms.RadioSelect
    )
    question = forms.CharField(
        label=gettext_lazy("Spørsmålet ditt"),
        help_text=gettext_lazy("Skriv det du lurer på. Ikke skriv navn hvis du spør anonymt."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5_000,
    )
    anonymous = forms.ChoiceField(
        label=gettext_lazy("Skal rådgiveren få vite hvem eleven er?"),
        widget=forms.RadioSelect,
        initial=ANONYMOUS,
    )

    def __init__(self, *args: Any, advisers: list[Adviser], age_band: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"].choices = [(a.user.pk, a.label) for a in advisers]
        self.fields["anonymous"].choices = [
            (
                ANONYMOUS,
                _("Nei, spør anonymt. Rådgiveren ser bare spørsmålet og alderen: %(band)s.")
                % {"band": age_band},
            ),
            (NAMED, _("Ja, med elevens navn.")),
        ]


class AdviceAnswerForm(StyledForm):
    answer = forms.CharField(
        label=gettext_lazy("Svaret ditt"),
        help_text=gettext_lazy("Svaret lagres i saken og leses av dem som arbeider med den."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice_ask_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask one of the school's advisers about the case, anonymous unless chosen otherwise."""
    case = case_for_user(request.user, pk, reason=_lazy("Spør om råd"))
    advisers = advisers_for(case=case, exclude=request.user)
    rules = case_rules(municipality_id=case.municipality_id)
    age_band = rules.age_band(case.pupil.age_on(timezone.localdate()))
    form = AdviceAskForm(request.POST or None, advisers=advisers, age_band=age_band)
    if request.method == "POST" and form.is_valid():
        chosen = next(a.user for a in advisers if a.user.pk == form.cleaned_data["adviser"])
        try:
            advice_ask(
                actor=request.user,
                case=case,
                adviser=chosen,
                question=form.cleaned_data["question"],
                anonymous=form.cleaned_data["anonymous"] == ANONYMOUS,
            )
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Spørsmålet er sendt til %(name)s.") % {"name": chosen})
            return redirect("cases:case", pk=case.pk)
    return render_page(
        request,
        "cases/advice_ask.html",
        {
            "case": case,
            "form": form,
            "advisers": advisers,
            "is_open": case.status == Case.Status.OPEN,
        },
    )


@login_required
@require_GET
def advice_inbox_view(request: HttpRequest) -> HttpResponse:
    """The questions put to this member of staff as Kjentmann or school nurse, by staff and,
    anonymously, by pupils."""
    page = advice_inbox(request.user, page=request.GET.get("side"))
    waiting = advice_unanswered_count(request.user)
    # Pupils' anonymous questions to the adviser (varde/questions), in a section of their own.
    pupil_inbox = question_inbox(request.user, page=request.GET.get("elevside"))
    return render_page(
        request,
        "cases/advice_inbox.html",
        {"page": page, "waiting": waiting, "pupil_inbox": pupil_inbox},
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice_question_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One question to the adviser, and the answer. An anonymous one never names the pupil."""
    question = advice_for_user(request.user, pk)
    form = AdviceAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            advice_answer(actor=request.user, question=question, answer=form.cleaned_data["answer"])
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Svaret er sendt og lagret i saken."))
            return redirect("cases:advice_inbox")
    sees_case = not question.anonymous and advice_adviser_sees_case(
        user=request.user, question=question
    )
    return render_page(
        request,
        "cases/advice_question.html",
        {"question": question, "form": form, "sees_case": sees_case},
    )


@login_required
@require_GET
def chronology(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything that happened on the case, in order, made to be printed."""
    case = case_for_user(request.user, pk, reason=_lazy("Kronologi"), related=("school",))
    return render_page(
        request,
        "cases/chronology.html",
        {"case": case, "entries": case_chronology(case=case), "printed_at": timezone.localtime()},
    )
