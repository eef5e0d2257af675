"""The public doors for parents and for pupils: the plan told to them, whom to call now, and
for parents the coming public meetings of their child's school, with a calendar to subscribe to.

The text is plan data (the plan's `doors` section), so each municipality tells its own plan.
Meetings are the year plan's meetings a school has marked public (YearEvent.public).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from varde.people.models import Municipality, School
from varde.plan.callnow import CallStep, steps_at
from varde.plan.models import PlanVersion
from varde.plan.selectors import municipality_or_404, plan_version_or_404
from varde.plan.translations import content_for_reader
from varde.web.pages import render_page
from varde.yearplan.ical import calendar_bytes
from varde.yearplan.models import YearEvent

# Meetings of this long ago still show, so one that started an hour ago is not gone at once.
SHOWN_AFTER_START = dt.timedelta(hours=3)


def _door(slug: str, name: str) -> tuple[Municipality, PlanVersion, dict[str, Any]]:
    municipality = municipality_or_404(slug)
    version = plan_version_or_404(municipality=municipality, number=None)
    door = (content_for_reader(version.content).get("doors") or {}).get(name)
    if not door:
        raise Http404
    return municipality, version, door


def door_steps(version: PlanVersion, door: dict[str, Any], at: dt.datetime) -> list[CallStep]:
    """Whom to call now, from the door's list, as "who to call now" works out a situation."""
    return steps_at(content_for_reader(version.content), door.get("call") or [], at)


def public_meetings(school: School, *, now: dt.datetime) -> list[YearEvent]:
    """The school's coming public meetings, cancelled ones too (marked), soonest first."""
    return list(
        YearEvent.objects.filter(
            school=school, public=True, starts_at__gte=now - SHOWN_AFTER_START
        ).order_by("starts_at", "grade", "pk")
    )


def _ask_url(municipality: Municipality) -> str:
    try:
        return reverse("questions:ask", args=[municipality.slug])
    except NoReverseMatch:
        return ""


def _render_door(request: HttpRequest, slug: str, name: str, template: str) -> HttpResponse:
    municipality, version, door = _door(slug, name)
    now = timezone.now()
    context: dict[str, Any] = {
        "municipality": municipality,
        "door": door,
        "steps": door_steps(version, door, now),
        "now": timezone.localtime(now),
    }
    if name == "parents":
        context["schools"] = School.objects.filter(municipality=municipality).order_by("name")
    else:
        context["ask_url"] = _ask_url(municipality)
    return render_page(request, template, context, municipality=municipality, plan=version)


@require_GET
def parents(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_door(request, slug, "parents", "web/door_parents.html")


@require_GET
def pupils(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_door(request, slug, "pupils", "web/door_pupils.html")


def _school(slug: str, pk: int) -> tuple[Municipality, PlanVersion, School]:
    municipality, version, _door_data = _door(slug, "parents")
    return municipality, version, get_object_or_404(School, pk=pk, municipality=municipality)


def meetings_in_reader_language(
    meetings: list[YearEvent], version: PlanVersion
) -> list[tuple[YearEvent, str, str]]:
    """Each meeting with its title and theme as the reader reads them: the plan template's own
    words in the reader's language while the school has kept them, else what the school wrote."""
    raw = {e.get("key"): e for e in (version.content.get("yearplan") or {}).get("events") or []}
    shown = {
        e.get("key"): e
        for e in (content_for_reader(version.content).get("yearplan") or {}).get("events") or []
    }
    result = []
    for meeting in meetings:
        template, text = raw.get(meeting.template_key) or {}, shown.get(meeting.template_key) or {}
        title = text.get("title", "") if meeting.title == template.get("title") else meeting.title
        theme = text.get("theme", "") if meeting.theme == template.get("theme") else meeting.theme
        result.append((meeting, title, theme))
    return result


@require_GET
def school_meetings(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    municipality, version, school = _school(slug, pk)
    feed = reverse("web:school_calendar", args=[municipality.slug, school.pk])
    return render_page(
        request,
        "web/door_school.html",
        {
            "municipality": municipality,
            "school": school,
            "meetings": meetings_in_reader_language(
                public_meetings(school, now=timezone.now()), version
            ),
            "feed_url": request.build_absolute_uri(feed),
            "webcal_url": "webcal://" + request.get_host() + feed,
        },
        municipality=municipality,
        plan=version,
    )


@require_GET
def school_calendar(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The school's public meetings as a calendar parents subscribe to; public data only."""
    _municipality, _version, school = _school(slug, pk)
    events = YearEvent.objects.filter(school=school, public=True).select_related("school")
    name = _("Foreldremøter – %(school)s") % {"school": school.name}
    body = calendar_bytes(name=name, events=events.order_by("starts_at", "pk"), public=True)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="foreldremoter.ics"'
    return response
