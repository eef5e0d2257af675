from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.cases.access import cases_shown, cases_visible_to
from varde.incidents.access import (
    follow_up_for_user,
    incident_for_user,
    incidents_shown,
    incidents_visible_to,
)
from varde.incidents.forms import (
    AdultForm,
    AvertForm,
    FollowUpForm,
    PoliceCallForm,
    PupilSearchForm,
    StartForm,
    StepForm,
)
from varde.incidents.models import Incident
from varde.incidents.routines import Routine, routine_for, routine_or_empty
from varde.incidents.services import (
    IncidentRuleBroken,
    avert_decide,
    follow_up_adults,
    follow_up_choose,
    follow_up_record,
    incident_attach_case,
    incident_pupil_set,
    incident_start,
    police_call_record,
    step_tick,
)
from varde.lib.ids import id_or_404
from varde.people.access import guardians_for, pupils_shown, pupils_visible_to
from varde.people.models import Pupil, School
from varde.web.pages import render_page


def _school(request: HttpRequest) -> School:
    """The school the user works at; with several, the one chosen in the form."""
    ids = request.user.school_ids()  # type: ignore[union-attr]
    schools = School.objects.filter(pk__in=ids).select_related("municipality").order_by("name")
    # Staff at several schools pick one in the address (?skole=); it is never read from a form.
    chosen = request.GET.get("skole")
    school = schools.filter(pk=id_or_404(chosen)).first() if chosen else schools.first()
    if school is None:
        raise Http404
    return school


def _schools_if_many(request: HttpRequest) -> list[School]:
    ids = request.user.school_ids()  # type: ignore[union-attr]
    return list(School.objects.filter(pk__in=ids).order_by("name")) if len(ids) > 1 else []


def _routine(municipality_id: int, kind: str) -> Routine:
    routine = routine_for(municipality_id=municipality_id, kind=kind, at=timezone.now())
    if routine is None:
        raise Http404
    return routine


def _pupils_found(request: HttpRequest, school: School) -> tuple[PupilSearchForm, list[Pupil]]:
    form = PupilSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    if not query:
        return form, []
    pupils = list(
        pupils_visible_to(request.user)
        .filter(school=school, is_active=True)
        .filter(Q(first_name__icontains=query) | Q(last_name__icontains=query))
        .order_by("last_name", "first_name")[:10]
    )
    pupils_shown(request.user, pupils, reason=_lazy("Hendelse: finn eleven"))
    return form, pupils


def _pupil_from_post(request: HttpRequest, school: School) -> Pupil | None:
    """The pupil chosen in the form, only if the user may see them and they attend the school."""
    raw = request.POST.get("pupil")
    if not raw:
        return None
    pupil = pupils_visible_to(request.user).filter(school=school, pk=id_or_404(raw)).first()
    if pupil is None:
        raise Http404
    return pupil


def _token(form: Any) -> uuid.UUID | None:
    return form.cleaned_data.get("token") if form.is_valid() else None


@login_required
@require_http_methods(["GET", "POST"])
def new_intoxicated(request: HttpRequest) -> HttpResponse:
    return _new(request, "intoxicated", "incidents/new_intoxicated.html")


@login_required
@require_http_methods(["GET", "POST"])
def new_sale(request: HttpRequest) -> HttpResponse:
    return _new(request, "drug_sale", "incidents/new_sale.html")


def _new(request: HttpRequest, kind: str, template: str) -> HttpResponse:
    school = _school(request)
    routine = _routine(school.municipality_id, kind)
    data = request.POST if request.method == "POST" else None
    form = StartForm(data)
    police = PoliceCallForm(data)
    if request.method == "POST" and form.is_valid() and police.is_valid():
        incident = incident_start(
            actor=request.user,  # type: ignore[arg-type]
            school=school,
            kind=kind,
            pupil=_pupil_from_post(request, school),
            client_token=form.cleaned_data["token"] or uuid.uuid4(),
            notes=form.cleaned_data["notes"],
            police_called=request.POST.get("called") == "1",
            police_reference=police.cleaned_data["reference"],
        )
        return redirect("incidents:incident", pk=incident.pk)
    search, pupils = _pupils_found(request, school)
    return render_page(
        request,
        template,
        {
            "routine": routine,
            "school": school,
            "form": form,
            "police": police,
            "search": search,
            "pupils": pupils,
            "schools": _schools_if_many(request),
        },
        municipality=school.municipality,
    )


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(
        incidents_visible_to(request.user)
        .select_related("school", "pupil", "reported_by", "follow_up", "follow_up__adult")
        .order_by("-started_at", "-pk")[:200]
    )
    incidents_shown(request.user, incidents, reason=_lazy("Hendelsesliste"))
    return render_page(request, "incidents/list.html", {"incidents": incidents})


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Hendelsens side"))
    return _page(request, incident)


def _page(
    request: HttpRequest, incident: Incident, *, status: int = 200, **bound: Any
) -> HttpResponse:
    """The routine page; `bound` holds a form the user sent with errors, shown as sent."""
    routine = routine_or_empty(
        municipality_id=incident.municipality_id, kind=incident.kind, at=timezone.now()
    )
    ticks = {tick.key: tick for tick in incident.ticks.select_related("done_by")}
    follow_up = getattr(incident, "follow_up", None)
    steps = [
        {
            "step": step,
            "tick": ticks.get(step.key),
            "form": bound.get(f"step:{step.key}") or StepForm(prefix=step.key),
        }
        for step in routine.steps
    ]
    next_step = next((s for s in steps if s["tick"] is None), None)
    avert_options = [(o.key, o.title) for o in routine.avert.options] if routine.avert else []
    adults = [(u.pk, u.full_name) for u in follow_up_adults(incident=incident)] if follow_up else []
    search, pupils = (None, []) if incident.pupil_id else _pupils_found(request, incident.school)
    cases = []
    guardians = []
    if incident.pupil_id and any(step.guardians for step in routine.steps):
        guardians = guardians_for(request.user, incident.pupil, reason=_lazy("Hendelse: foresatte"))
    if incident.pupil_id:
        cases = list(
            cases_visible_to(request.user)
            .filter(pupil_id=incident.pupil_id, status="open")
            .order_by("-opened_at")[:5]
        )
        cases_shown(request.user, cases, reason=_lazy("Hendelse: elevens saker"))
    context = {
        "incident": incident,
        "guardians": guardians,
        "shows_reason": incident.school_id in request.user.leadership_school_ids(),
        "routine": routine,
        "steps": steps,
        "next_step": next_step,
        "follow_up": follow_up,
        "avert_form": bound.get("avert") or AvertForm(options=avert_options),
        "avert_choice": routine.avert.option(incident.avert_option)
        if routine.avert and incident.avert_option
        else None,
        "police_form": bound.get("police") or PoliceCallForm(),
        "adult_form": bound.get("adult") or AdultForm(adults=adults),
        "search": search,
        "pupils": pupils,
        "cases": cases,
        "errors": bound.get("errors") or [],
        "worry_url": (
            reverse("cases:worry_open", args=[incident.pupil_id]) + f"?hendelse={incident.pk}"
            if incident.pupil_id
            else ""
        ),
    }
    return render_page(
        request,
        "incidents/incident.html",
        context,
        municipality=incident.school.municipality,
        status=status,
    )


def _done(request: HttpRequest, incident: Incident, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    url = reverse("incidents:incident", args=[incident.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def step(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Steg i rutinen"))
    form = StepForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            step_tick(
                actor=request.user,  # type: ignore[arg-type]
                incident=incident,
                key=key,
                note=form.cleaned_data["note"],
                happened=form.cleaned_data["happened"],
                token=_token(form),
            )
            return _done(request, incident, _("Lagret."), f"step-{key}")
        except IncidentRuleBroken as exc:
            return _page(request, incident, errors=[str(exc)], **{f"step:{key}": form})
    return _page(request, incident, **{f"step:{key}": form})


@login_required
@require_POST
def police(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Politiet kontaktet"))
    form = PoliceCallForm(request.POST)
    if not form.is_valid():
        return _page(request, incident, police=form)
    police_call_record(
        actor=request.user,  # type: ignore[arg-type]
        incident=incident,
        reference=form.cleaned_data["reference"],
        token=_token(form),
    )
    return _done(request, incident, _("Tidspunktet for samtalen med politiet er lagret."))


@login_required
@require_POST
def avert(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Avvergingsplikt"))
    routine = routine_or_empty(
        municipality_id=incident.municipality_id, kind=incident.kind, at=timezone.now()
    )
    options = [(o.key, o.title) for o in routine.avert.options] if routine.avert else []
    form = AvertForm(request.POST, options=options)
    if form.is_valid():
        try:
            avert_decide(
                actor=request.user,  # type: ignore[arg-type]
                incident=incident,
                option=form.cleaned_data["option"],
                reason=form.cleaned_data["reason"],
                token=_token(form),
            )
            return _done(request, incident, _("Vurderingen er lagret."), "avert")
        except IncidentRuleBroken as exc:
            form.add_error("reason", str(exc))
    return _page(request, incident, avert=form)


@login_required
@require_POST
def pupil(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Hendelse: velg elev"))
    chosen = _pupil_from_post(request, incident.school)
    if chosen is None:
        return _page(request, incident, errors=[_("Velg en elev.")])
    try:
        incident_pupil_set(actor=request.user, incident=incident, pupil=chosen)  # type: ignore[arg-type]
    except IncidentRuleBroken as exc:
        return _page(request, incident, errors=[str(exc)])
    return _done(request, incident, _("Eleven er lagt til."))


@login_required
@require_POST
def adult(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Oppfølging: velg voksen"))
    staff = {u.pk: u for u in follow_up_adults(incident=incident)}
    form = AdultForm(request.POST, adults=[(pk, u.full_name) for pk, u in staff.items()])
    if form.is_valid():
        chosen = staff[form.cleaned_data["adult"]]
        try:
            follow_up_choose(
                actor=request.user,  # type: ignore[arg-type]
                incident=incident,
                adult=chosen,
                token=_token(form),
            )
            return _done(request, incident, _("Oppfølgingen er avtalt."), "follow-up")
        except IncidentRuleBroken as exc:
            form.add_error("adult", str(exc))
    return _page(request, incident, adult=form)


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk, reason=_lazy("Hendelse: knytt til sak"))
    raw = request.POST.get("case")
    case = (
        cases_visible_to(request.user).filter(pk=id_or_404(raw), status="open").first()
        if raw
        else None
    )
    if case is None:
        return _page(request, incident, errors=[_("Velg en åpen sak om eleven.")])
    try:
        incident_attach_case(actor=request.user, incident=incident, case=case)  # type: ignore[arg-type]
    except IncidentRuleBroken as exc:
        return _page(request, incident, errors=[str(exc)])
    return _done(request, incident, _("Hendelsen er knyttet til saken."))


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    item = follow_up_for_user(request.user, pk, reason=_lazy("Oppfølgingssamtale"))
    incident = item.incident
    initial = {"pupil_words": item.pupil_words, "next_steps": item.next_steps}
    form = FollowUpForm(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_record(
                actor=request.user,  # type: ignore[arg-type]
                follow_up=item,
                pupil_words=form.cleaned_data["pupil_words"],
                next_steps=form.cleaned_data["next_steps"],
                token=_token(form),
            )
            messages.success(request, _("Oppfølgingssamtalen er lagret."))
            return redirect("incidents:follow_up", pk=item.pk)
        except IncidentRuleBroken as exc:
            errors.append(str(exc))
    return render_page(
        request,
        "incidents/follow_up.html",
        {"follow_up": item, "incident": incident, "form": form, "errors": errors},
        municipality=incident.school.municipality,
    )
