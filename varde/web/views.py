from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from varde.people.selectors import staff_municipality
from varde.plan.selectors import default_municipality, plan_current
from varde.reminders.selectors import notices_for
from varde.web.pages import render_page
from varde.web.start import start_context


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    municipality = default_municipality()
    if municipality is None:
        return render_page(request, "web/empty.html")
    return redirect("plan:front", slug=municipality.slug)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: what is tested, against which standard, what is known not
    to meet it, and where feedback goes."""
    from email.utils import parseaddr

    email = settings.VARDE_ACCESSIBILITY_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return render_page(
        request,
        "web/accessibility.html",
        {"email": email, "answer_days": settings.VARDE_ACCESSIBILITY_ANSWER_DAYS},
        municipality=default_municipality(),
    )


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    municipality = staff_municipality(request.user)
    version = plan_current(municipality=municipality, content=False)
    context = start_context(request.user, municipality=municipality, version=version)
    return render_page(request, "web/start.html", context, municipality=municipality, plan=version)


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """What needs the person (the e-mail is only a copy of it), and what was done lately."""
    municipality = staff_municipality(request.user)
    return render_page(
        request,
        "web/notices.html",
        {"notices": notices_for(request.user)},
        municipality=municipality,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render_page(request, "web/csrf_failure.html", status=403)
