from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from varde.cases.access import (
    case_for_user,
    cases_shown,
    cases_visible_to,
    handover_for_user,
    measure_for_user,
)
from varde.cases.advice import advice_on_case
from varde.cases.archive import case_may_archive
from varde.cases.consent import sharing_overview
from varde.cases.consent_rules import consent_check, guardians_asked
from varde.cases.forms import (
    ConversationPlanForm,
    ConversationRecordForm,
    CoordinatorForm,
    DecisionForm,
    HandoverForm,
    MeasureEvaluationForm,
    MeasureForm,
    ParentContactForm,
    ParentDecisionForm,
    WorryForm,
)
from varde.cases.models import Case, Handover
from varde.cases.reminders import handovers_due
from varde.cases.rules import case_rules, case_rules_of
from varde.cases.selectors import (
    CASE_FREE_TEXT,
    case_events,
    case_list_rows,
    case_lists_present,
    case_next_steps,
    case_step_facts,
    close_missing,
    invitations_unseen,
    step_url,
)
from varde.cases.services import (
    CaseChanged,
    CaseRuleBroken,
    ConversationNotPlanned,
    case_decide,
    case_may_steer,
    case_open,
    conversation_plan,
    conversation_record,
    coordinator_appoint,
    handover_answer,
    handover_offer,
    invitation_seen,
    measure_add,
    measure_evaluate,
    parents_contact_record,
    parents_decide,
)
from varde.incidents.access import incident_for_worry
from varde.incidents.selectors import worry_initial
from varde.incidents.services import incident_attach_case
from varde.people.access import guardians_for, pupil_for_user
from varde.people.models import RoleAssignment, User
from varde.plan.selectors import plan_current
from varde.web.pages import render_page


@login_required
@require_http_methods(["GET", "POST"])
def worry_open(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pupil_pk, reason=_lazy("Ny undring"))
    incident = incident_for_worry(request.user, pupil, request.GET.get("hendelse"))
    form = WorryForm(request.POST or None, initial=worry_initial(incident))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            case = case_open(actor=request.user, pupil=pupil, **form.cleaned_data)
            if incident is not None:
                incident_attach_case(actor=request.user, incident=incident, case=case)
        messages.success(request, _("Undringen er registrert. Du eier saken."))
        return redirect("cases:case", pk=case.pk)
    return render_page(request, "cases/worry_open.html", {"pupil": pupil, "form": form})


CASES_PER_PAGE = 50


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = (
        cases_visible_to(request.user)
        .filter(status=Case.Status.OPEN)
        .defer(*CASE_FREE_TEXT)
        .select_related("pupil", "school", "owner")
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("side"))
    shown = list(page.object_list)
    cases_shown(request.user, shown, reason=_lazy("Saksliste"))
    return render_page(
        request,
        "cases/case_list.html",
        {
            "cases": shown,
            "page": page,
            "offers": handovers_due(to_user_id=request.user.pk),
            "invited_to": invitations_unseen(request.user, shown),
        },
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_user(
        request.user, pk, reason=_lazy("Sakens side"), related=("coordinator", "conversation")
    )
    invitation_seen(user=request.user, case=case)
    version = plan_current(municipality_id=case.municipality_id, content=False)
    rules = case_rules_of(version)
    events = case_events(case)
    present = case_lists_present(case)
    measures = case_list_rows(case, "measures", present)
    facts = case_step_facts(case, measures=measures)
    steps = case_next_steps(case=case, rules=rules, events=events, facts=facts)
    waiting = [
        handover
        for handover in case_list_rows(case, "handovers", present, related=("to_user",))
        if handover.state == Handover.State.WAITING
    ]
    parent_decisions = case_list_rows(case, "parent_decisions", present)
    next_step = next((s for s in steps if not s.done), None)
    return render_page(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "steps": steps,
            "next_step": next_step,
            "next_url": step_url(case=case, step=next_step) if next_step else "",
            "level_title": rules.level_title(case.level),
            "no_view_reason": dict(rules.no_view_reasons).get(
                getattr(getattr(case, "conversation", None), "no_view_reason", ""), ""
            ),
            "may_steer": case_may_steer(request.user, case),
            "may_archive": case_may_archive(request.user, case),
            "waiting_handover": waiting[0] if waiting else None,
            "measures": measures,
            "parent_decision": parent_decisions[-1] if parent_decisions else None,
            "events": events,
            "sharing": sharing_overview(case=case, user=request.user, rules=rules, present=present),
            "questions": advice_on_case(case=case, present=present),
            "concern_reports": case_list_rows(case, "concern_reports", present),
        },
        municipality=case.municipality,
        plan=version,
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the wondering conversation, then record it on the same page."""
    case = case_for_user(request.user, pk, reason=_lazy("Undringssamtale"))
    existing = getattr(case, "conversation", None)
    plan_form = ConversationPlanForm(
        request.POST if request.POST.get("step") == "plan" else None,
        initial={
            "planned_for": timezone.localtime(existing.planned_for).strftime("%d.%m.%Y %H:%M")
            if existing
            else "",
            "attendees": existing.attendees if existing else "",
            "trusted_adult": existing.trusted_adult if existing else "",
        },
    )
    reasons = list(case_rules(municipality_id=case.municipality_id).no_view_reasons)
    record_form = ConversationRecordForm(
        request.POST if request.POST.get("step") == "record" else None,
        no_view_reasons=reasons,
        initial={
            "what_was_said": existing.what_was_said if existing else "",
            "pupil_view": existing.pupil_view if existing else "",
            "no_view_reason": existing.no_view_reason if existing else "",
            "weighing": existing.weighing if existing else "",
            "version": existing.version if existing else None,
        },
    )
    if request.method == "POST":
        if request.POST.get("step") == "plan" and plan_form.is_valid():
            conversation_plan(actor=request.user, case=case, **plan_form.cleaned_data)
            messages.success(request, _("Samtalen er planlagt."))
            return redirect("cases:case", pk=case.pk)
        if request.POST.get("step") == "record" and record_form.is_valid():
            try:
                conversation_record(actor=request.user, case=case, **record_form.cleaned_data)
            except ConversationNotPlanned:
                messages.error(request, _("Planlegg samtalen først: når og hvem deltar."))
            except CaseRuleBroken as exc:
                record_form.add_error("pupil_view", str(exc))
            except CaseChanged:
                existing.refresh_from_db()
                record_form.add_error(
                    None,
                    _(
                        "Noen andre har lagret samtalen mens du skrev. Din tekst står i feltene; "
                        "den lagrede står over skjemaet. Slå dem sammen og lagre igjen."
                    ),
                )
                record_form.data = record_form.data.copy()
                record_form.data["version"] = str(existing.version)
            else:
                messages.success(request, _("Samtalen er registrert."))
                return redirect("cases:case", pk=case.pk)
    return render_page(
        request,
        "cases/conversation.html",
        {
            "case": case,
            "conversation": existing,
            "plan_form": plan_form,
            "record_form": record_form,
            "no_view_reason": dict(reasons).get(existing.no_view_reason, "") if existing else "",
        },
    )


def _school_staff(
    case: Case, *, exclude: list[int], joining: bool = False
) -> list[tuple[int, str]]:
    """Active staff at the case's school. `joining`: those a task would bring into the case,
    so staff from an outside service (the school nurse) only where that service has the
    consent an invitation needs, unless they are in the case already."""
    people = (
        User.objects.filter(is_active=True, role_assignments__school_id=case.school_id)
        .exclude(pk__in=exclude)
        .distinct()
        .order_by("full_name")
    )
    barred: set[int] = set()
    if joining:
        rules = case_rules(municipality_id=case.municipality_id)
        from_service = dict(
            RoleAssignment.objects.filter(
                school_id=case.school_id, role__in=list(rules.role_services)
            ).values_list("user_id", "role")
        )
        inside = {case.owner_id, *case.participants.values_list("user_id", flat=True)}
        given, asked = list(case.consents.all()), guardians_asked(case)
        allowed = {
            service: consent_check(
                case=case, service=service, rules=rules, consents=given, asked=asked
            ).ok
            for service in {rules.role_services[role] for role in from_service.values()}
        }
        barred = {
            user_id
            for user_id, role in from_service.items()
            if user_id not in inside and not allowed[rules.role_services[role]]
        }
    return [(u.pk, u.full_name or u.email) for u in people if u.pk not in barred]


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the case to a colleague who knows the pupil better."""
    case = case_for_user(request.user, pk, reason=_lazy("Overføring av sak"))
    form = HandoverForm(
        request.POST or None, colleagues=_school_staff(case, exclude=[case.owner_id])
    )
    if request.method == "POST" and form.is_valid():
        to_user = User.objects.get(pk=form.cleaned_data["to_user"])
        try:
            handover_offer(
                actor=request.user, case=case, to_user=to_user, message=form.cleaned_data["message"]
            )
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(name)s må godta overføringen før saken flyttes.") % {"name": to_user}
            )
            return redirect("cases:case", pk=case.pk)
    return render_page(request, "cases/handover.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def handover_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiver reads the offer and accepts or declines it."""
    offer = handover_for_user(request.user, pk)
    answer = request.POST.get("answer")
    if request.method == "POST" and answer not in ("accept", "decline"):
        messages.error(request, _("Velg om du overtar saken eller avslår."))
    elif request.method == "POST":
        accept = answer == "accept"
        handover_answer(actor=request.user, handover=offer, accept=accept)
        if accept:
            messages.success(request, _("Du eier nå saken."))
            return redirect("cases:case", pk=offer.case_id)
        messages.info(request, _("Du har avslått overføringen."))
        return redirect("web:start")
    return render_page(request, "cases/handover_reply.html", {"offer": offer})


@login_required
@require_http_methods(["GET", "POST"])
def parents(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide the guardians' involvement with the pupil, and record contacts with them."""
    case = case_for_user(request.user, pk, reason=_lazy("Foresatte"))
    rules = case_rules(municipality_id=case.municipality_id)
    guardians = guardians_for(request.user, case.pupil, reason=_lazy("Foresatte"))
    step = request.POST.get("step")
    decision_form = ParentDecisionForm(
        request.POST if step == "decide" else None,
        must_inform=list(rules.must_inform),
        guardians=guardians,
    )
    contact_form = ParentContactForm(
        request.POST if step == "contact" else None, guardians=guardians
    )
    if request.method == "POST":
        if step == "decide" and decision_form.is_valid():
            try:
                parents_decide(actor=request.user, case=case, **decision_form.cleaned_data)
            except CaseRuleBroken as exc:
                decision_form.add_error(None, str(exc))
            else:
                messages.success(request, _("Vurderingen er lagret."))
                return redirect("cases:parents", pk=case.pk)
        if step == "contact" and contact_form.is_valid():
            try:
                parents_contact_record(actor=request.user, case=case, **contact_form.cleaned_data)
            except CaseRuleBroken as exc:
                contact_form.add_error(None, str(exc))
            else:
                messages.success(request, _("Kontakten er registrert."))
                return redirect("cases:parents", pk=case.pk)
    return render_page(
        request,
        "cases/parents.html",
        {
            "case": case,
            "age": case.pupil.age_on(timezone.localdate()),
            "guardians": guardians,
            "shows_reason": case.school_id in request.user.leadership_school_ids(),
            "decisions": case.parent_decisions.select_related("decided_by").prefetch_related(
                "tell"
            ),
            "contacts": case.parent_contacts.select_related("recorded_by"),
            "decision_form": decision_form,
            "contact_form": contact_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision at the case's level of Lunnermodellen; the choices come from the plan."""
    case = case_for_user(request.user, pk, reason=_lazy("Beslutning"))
    rules = case_rules(municipality_id=case.municipality_id)
    available = rules.decisions_at(case.level) if case.status == Case.Status.OPEN else []
    form = DecisionForm(
        request.POST or None,
        initial={"version": case.version},
        decisions=[(d.key, d.title) for d in available],
    )
    if request.method == "POST" and form.is_valid():
        try:
            case_decide(actor=request.user, case=case, **form.cleaned_data)
        except CaseChanged:
            form.add_error(
                None,
                _(
                    "Noen andre har endret saken mens du skrev. Teksten din er beholdt: "
                    "se saken på nytt, og lagre igjen hvis beslutningen fortsatt gjelder."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = str(Case.objects.get(pk=case.pk).version)
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            rule = rules.decision(form.cleaned_data["key"])
            if rule and rule.service == "barnevern":
                # The decision to report: the report itself is the next step.
                messages.success(
                    request, _("Beslutningen er lagret. Skriv bekymringsmeldingen nå.")
                )
                return redirect("cases:concern_new", pk=case.pk)
            messages.success(request, _("Beslutningen er lagret."))
            return redirect("cases:case", pk=case.pk)
    return render_page(
        request,
        "cases/decide.html",
        {
            "case": case,
            "form": form,
            "available": available,
            "rules": rules,
            "level_title": rules.level_title(case.level),
            "may_steer": case_may_steer(request.user, case),
            "decisions": case.decisions.select_related("decided_by"),
            "close_missing": close_missing(case) if available else None,
            "may_close": any(d.closes for d in available),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measures(request: HttpRequest, pk: int) -> HttpResponse:
    """The stafettlogg: measures with goal, responsible person and evaluation date."""
    case = case_for_user(request.user, pk, reason=_lazy("Tiltak"))
    form = MeasureForm(request.POST or None, people=_school_staff(case, exclude=[], joining=True))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("responsible_user")
        try:
            measure_add(
                actor=request.user,
                case=case,
                responsible_user=User.objects.get(pk=chosen) if chosen else None,
                **data,
            )
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Tiltaket er lagret."))
            return redirect("cases:measures", pk=case.pk)
    return render_page(
        request,
        "cases/measures.html",
        {"case": case, "form": form, "measures": case.measures.select_related("evaluated_by")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_evaluation(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    case = case_for_user(request.user, pk, reason=_lazy("Evaluering av tiltak"))
    measure = measure_for_user(request.user, case, measure_pk)
    form = MeasureEvaluationForm(
        request.POST or None,
        initial={"evaluation": measure.evaluation, "version": measure.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            measure_evaluate(actor=request.user, measure=measure, **form.cleaned_data)
        except CaseChanged:
            measure.refresh_from_db()
            form.add_error(
                None,
                _(
                    "Noen andre har lagret en evaluering mens du skrev. Din tekst står i feltet, "
                    "den andre under. Slå dem sammen og lagre igjen."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = str(measure.version)
        else:
            messages.success(request, _("Evalueringen er lagret."))
            return redirect("cases:measures", pk=case.pk)
    return render_page(
        request, "cases/measure_evaluation.html", {"case": case, "measure": measure, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def coordinator(request: HttpRequest, pk: int) -> HttpResponse:
    """Level 3: a named coordinator for the joint effort."""
    case = case_for_user(request.user, pk, reason=_lazy("Koordinator"))
    exclude: list[int] = []
    people = _school_staff(case, exclude=exclude, joining=True)
    known = {p[0] for p in people}
    people += [
        (p.user_id, str(p.user))
        for p in case.participants.select_related("user")
        if p.user_id not in known and p.user.is_active
    ]
    form = CoordinatorForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        user = User.objects.get(pk=form.cleaned_data["user"])
        try:
            coordinator_appoint(actor=request.user, case=case, user=user)
        except CaseRuleBroken as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Koordinatoren er oppnevnt."))
            return redirect("cases:case", pk=case.pk)
    return render_page(request, "cases/coordinator.html", {"case": case, "form": form})
