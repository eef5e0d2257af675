from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from varde.people.models import Municipality
from varde.plan.models import PlanVersion


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


def default_municipality() -> Municipality | None:
    slug = getattr(settings, "VARDE_DEFAULT_MUNICIPALITY", "")
    with_plan = Municipality.objects.filter(
        plan_versions__status=PlanVersion.Status.PUBLISHED
    ).distinct()
    if slug:
        chosen = with_plan.filter(slug=slug).first()
        if chosen:
            return chosen
    return with_plan.order_by("is_fictional", "name").first()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    municipality = default_municipality()
    if municipality is None:
        return render(request, "web/empty.html")
    return redirect("plan:front", slug=municipality.slug)


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    from varde.web.start import start_context

    return render(request, "web/start.html", start_context(request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/csrf_failure.html", status=403)
