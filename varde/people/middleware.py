"""Session timeouts and the MFA requirement, enforced on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_STARTED = "varde_started"
SESSION_SEEN = "varde_seen"
# How stale the last-seen time may be: writing it on every request would make every page
# view a write to the session table. The idle timeout is counted to within this.
SEEN_RESOLUTION_SECONDS = 30


class SessionTimeoutMiddleware:
    """End a session after a period without activity, and after a fixed lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            idle = now - seen > settings.VARDE_SESSION_IDLE_SECONDS
            expired = now - started > settings.VARDE_SESSION_ABSOLUTE_SECONDS
            if idle or expired:
                logout(request)
                messages.info(
                    request, _("Du ble logget ut fordi økten var utløpt. Logg inn igjen.")
                )
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if SESSION_SEEN not in request.session or now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


# Paths a user who must set up MFA may still use.
MFA_SETUP_ALLOWED_PREFIXES = ("/konto/", "/static/", "/healthz", "/i18n/")


class RequireMfaMiddleware:
    """Staff who can see pupil data must activate TOTP before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_SETUP_ALLOWED_PREFIXES)
            and user.requires_mfa()
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _("Du må sette opp tofaktorinnlogging før du kan bruke Varde."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_totp(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
