from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from varde.lib.ids import id_or_404
from varde.people.models import Municipality, RoleAssignment, School
from varde.people.selectors import staff_municipality
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.web.pages import render_page
from varde.yearplan.access import (
    can_edit,
    event_for_user,
    school_for_user,
    schools_editable,
    schools_readable,
)
from varde.yearplan.forms import CompetenceForm, EventForm, FeedForm, RollForm
from varde.yearplan.ical import calendar_bytes
from varde.yearplan.models import CalendarFeed, StaffCompetence
from varde.yearplan.selectors import (
    COMPETENCE_ROLES,
    OSLO,
    Clash,
    clashes_for,
    competence_at,
    coordination,
    event_counts,
    events_for_school,
    feed_by_token,
    feed_events,
    feeds_of,
    responsible_choices,
    school_year_label,
    school_year_of,
    staff_not_read,
    yearplan_template,
)
from varde.yearplan.services import (
    YearEventChanged,
    calendar_feed_create,
    calendar_feed_revoke,
    competence_set,
    routines_read_confirm,
    year_event_update,
    yearplan_roll,
)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("ar", "")
    this_year = school_year_of(timezone.localdate())
    if raw.isdigit() and this_year - 5 <= int(raw) <= this_year + 5:
        return int(raw)
    return this_year


def _where(user: Any, school: School | None = None) -> Municipality | None:
    """The municipality a year plan page is about: the school's, or the user's with a plan."""
    return school.municipality if school else _plan_municipality(user)


def _plan_municipality(user: Any) -> Municipality | None:
    """The user's municipality with a published plan (the SLT region spans several)."""
    ids = user.municipality_ids()
    return Municipality.objects.filter(
        pk__in=ids, plan_versions__status=PlanVersion.Status.PUBLISHED
    ).order_by("is_fictional", "name").first() or staff_municipality(user)


def _years(year: int) -> dict[str, Any]:
    this_year = school_year_of(timezone.localdate())
    return {
        "year": year,
        "year_label": school_year_label(year),
        "years": [(y, school_year_label(y)) for y in (this_year, this_year + 1)],
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    where = _where(request.user)
    schools = list(schools_readable(request.user).order_by("municipality__name", "name"))
    counts = event_counts(schools=schools, school_year=year)
    editable = schools_editable(request.user)
    templated = {
        mid
        for mid in {s.municipality_id for s in editable}
        if yearplan_template(municipality_id=mid).get("events")
    }
    waiting = [
        s
        for s in editable.order_by("name")
        if not counts.get(s.pk) and s.municipality_id in templated
    ]
    roll_form = RollForm(
        initial={"school_year": year}, schools=editable.filter(pk__in=[s.pk for s in waiting])
    )
    return render_page(
        request,
        "yearplan/index.html",
        {
            "schools": [(s, counts.get(s.pk, 0)) for s in schools],
            "roll_form": roll_form if waiting else None,
            **_years(year),
        },
        municipality=where,
    )


@login_required
@require_POST
def roll(request: HttpRequest) -> HttpResponse:
    editable = schools_editable(request.user)
    form = RollForm(request.POST, schools=editable)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("yearplan:index")
    year = form.cleaned_data["school_year"]
    made = 0
    for school in editable.filter(pk__in=form.cleaned_data["schools"]):
        made += yearplan_roll(actor=request.user, school=school, school_year=year)
    messages.success(
        request,
        _("%(count)s møter er lagt inn for %(year)s. Sett dato, sted og ansvarlig for hver skole.")
        % {"count": made, "year": school_year_label(year)},
    )
    return redirect(f"{reverse('yearplan:index')}?ar={year}")


@login_required
@require_GET
def school_page(request: HttpRequest, pk: int) -> HttpResponse:
    school = school_for_user(request.user, pk)
    where = _where(request.user, school)
    year = _year(request)
    events = list(events_for_school(school=school, school_year=year))
    return render_page(
        request,
        "yearplan/school.html",
        {
            "school": school,
            "events": events,
            "missing_responsible": sum(
                1 for e in events if not e.responsible_id and not e.cancelled
            ),
            "clashes": clashes_for(events),
            "editable": can_edit(request.user, school),
            **_years(year),
        },
        municipality=where,
    )


def clash_message(clash: Clash) -> str:
    """A clash in a sentence: who, which two meetings, when; names isolated (FSI … PDI), so
    that a name cannot turn the text around it."""

    def isolated(text: str) -> str:
        return f"\u2068{text}\u2069"

    return _(
        "%(person)s er ansvarlig for to møter samtidig: %(first)s (%(first_school)s, "
        "%(first_grade)s. trinn) og %(second)s (%(second_school)s, %(second_grade)s. trinn), "
        "%(when)s."
    ) % {
        "person": isolated(clash.person.full_name),
        "first": isolated(clash.first.title),
        "first_school": isolated(clash.first.school.name),
        "first_grade": clash.first.grade,
        "second": isolated(clash.second.title),
        "second_school": isolated(clash.second.school.name),
        "second_grade": clash.second.grade,
        "when": date_format(timezone.localtime(clash.second.starts_at), _("j. F H:i")),
    }


def _event_initial(event: Any) -> dict[str, Any]:
    local = event.starts_at.astimezone(OSLO)
    return {
        "day": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": event.duration_minutes,
        "place": event.place,
        "responsible": event.responsible_id,
        "contributors": event.contributors,
        "leader_name": event.leader_name,
        "notes": event.notes,
        "cancelled": event.cancelled,
        "public": event.public,
        "sequence": event.sequence,
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for_user(request.user, pk, edit=request.method == "POST")
    where = _where(request.user, event.school)
    editable = can_edit(request.user, event.school)
    people = responsible_choices(school=event.school)
    if request.method == "POST":
        form = EventForm(request.POST, people=people)
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                "starts_at": dt.datetime.combine(data["day"], data["time"], tzinfo=OSLO),
                "duration_minutes": data["duration_minutes"],
                "place": data["place"],
                "responsible": data["responsible"],
                "contributors": data["contributors"],
                "leader_name": data["leader_name"],
                "notes": data["notes"],
                "cancelled": data["cancelled"],
                "public": data["public"],
            }
            try:
                year_event_update(
                    actor=request.user,
                    event=event,
                    expected_sequence=data["sequence"],
                    changes=changes,
                )
            except YearEventChanged:
                form.add_error(
                    None,
                    _(
                        "Noen andre har endret møtet mens du skrev. Se gjennom det som er lagret "
                        "nå, og lagre igjen; det du skrev står fortsatt i skjemaet."
                    ),
                )
                form.data = {**form.data.dict(), "sequence": str(event.sequence)}
            else:
                messages.success(request, _("Møtet er lagret."))
                event.refresh_from_db()
                for clash in clashes_for([event]):
                    messages.warning(request, clash_message(clash))
                return redirect(
                    f"{reverse('yearplan:school', args=[event.school_id])}?ar={event.school_year}"
                )
    else:
        form = EventForm(initial=_event_initial(event), people=people)
    return render_page(
        request,
        "yearplan/event.html",
        {
            "event": event,
            "form": form,
            "editable": editable,
            "clashes": clashes_for([event]),
        },
        municipality=where,
    )


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    where = _where(request.user)
    feeds = [
        (feed, request.build_absolute_uri(reverse("yearplan:feed", args=[feed.token])))
        for feed in feeds_of(request.user)
    ]
    return render_page(
        request,
        "yearplan/calendar.html",
        {
            "feeds": [(f, url, "webcal" + url[url.index(":") :]) for f, url in feeds],
            "own_feed": any(f.school_id is None for f, _url in feeds),
            "schools": schools_readable(request.user).order_by("name"),
        },
        municipality=where,
    )


@login_required
@require_POST
def feed_new(request: HttpRequest) -> HttpResponse:
    schools = schools_readable(request.user)
    form = FeedForm(request.POST, schools=schools)
    if not form.is_valid():
        raise Http404
    chosen = form.cleaned_data["school"]
    school = schools.get(pk=chosen) if chosen else None
    calendar_feed_create(actor=request.user, school=school)
    messages.success(
        request, _("Kalenderen er klar. Kopier adressen inn i kalenderprogrammet ditt.")
    )
    return redirect("yearplan:calendar")


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = CalendarFeed.objects.filter(
        pk=id_or_404(pk), owner=request.user, revoked_at__isnull=True
    ).first()
    if feed is None:
        raise Http404
    calendar_feed_revoke(actor=request.user, feed=feed)
    messages.info(
        request, _("Adressen er stoppet. Kalendere som bruker den, får ikke flere møter.")
    )
    return redirect("yearplan:calendar")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_by_token(token)
    if found is None:
        raise Http404
    name = (
        _("Årshjul – %(school)s") % {"school": found.school.name}
        if found.school
        else _("Mine møter i årshjulet")
    )
    body = calendar_bytes(name=name, events=feed_events(found))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="arshjul.ics"'
    response["Cache-Control"] = "no-store, private"
    return response


def _competence_school(request: HttpRequest) -> School:
    schools = schools_readable(request.user).order_by("name")
    chosen = request.GET.get("skole")
    school = schools.filter(pk=id_or_404(chosen)).first() if chosen else schools.first()
    if school is None:
        raise Http404
    return school


def _manages_staff(user: Any, school: School) -> bool:
    """The school's leadership and the municipal administrator keep the competence list."""
    return school.pk in user.leadership_school_ids() or (
        school.municipality_id in user.admin_municipality_ids()
    )


@login_required
@require_GET
def competence(request: HttpRequest) -> HttpResponse:
    school = _competence_school(request)
    where = _where(request.user, school)
    manages = _manages_staff(request.user, school)
    schools = list(schools_readable(request.user).order_by("name"))
    return render_page(
        request,
        "yearplan/competence.html",
        {
            "school": school,
            "schools": schools if len(schools) > 1 else [],
            "people": competence_at(school=school),
            "roles": COMPETENCE_ROLES,
            "manages": manages,
            "not_read": staff_not_read(school=school) if manages else [],
        },
        municipality=where,
    )


@login_required
@require_http_methods(["GET", "POST"])
def competence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = (
        RoleAssignment.objects.filter(
            pk=id_or_404(pk), role__in=COMPETENCE_ROLES, school__isnull=False, user__is_active=True
        )
        .select_related("user", "school", "school__municipality")
        .first()
    )
    if assignment is None or not _manages_staff(request.user, assignment.school):
        raise Http404
    school = assignment.school
    where = _where(request.user, school)
    known = StaffCompetence.objects.filter(user=assignment.user, school=school).first()
    if request.method == "POST":
        form = CompetenceForm(request.POST)
        if form.is_valid():
            competence_set(
                actor=request.user,
                user=assignment.user,
                school=school,
                trained_on=form.cleaned_data["trained_on"],
                days_at_school=form.cleaned_data["days_at_school"],
            )
            messages.success(request, _("Lagret."))
            return redirect(f"{reverse('yearplan:competence')}?skole={school.pk}")
    else:
        form = CompetenceForm(
            initial={
                "trained_on": known.trained_on if known else None,
                "days_at_school": known.days_at_school if known else "",
            }
        )
    return render_page(
        request,
        "yearplan/competence_edit.html",
        {"assignment": assignment, "form": form},
        municipality=where,
    )


@login_required
@require_POST
def routines_read(request: HttpRequest) -> HttpResponse:
    municipality = _plan_municipality(request.user)
    version = plan_current(municipality=municipality) if municipality else None
    if version is None or not request.user.school_ids():  # type: ignore[union-attr]
        raise Http404
    routines_read_confirm(actor=request.user, plan_version=version)  # type: ignore[arg-type]
    messages.success(request, _("Takk! Du har bekreftet at du har lest rutinene."))
    return redirect("web:start")


@login_required
@require_GET
def coordination_page(request: HttpRequest) -> HttpResponse:
    municipality = _where(request.user)
    content, routine = coordination(municipality_id=municipality.pk) if municipality else ({}, None)
    return render_page(
        request,
        "yearplan/coordination.html",
        {"coordination": content, "routine": routine, "municipality": municipality},
        municipality=municipality,
    )
