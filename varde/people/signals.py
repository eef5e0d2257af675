"""Logins and logouts go into the audit log; the first administrator's password file goes
once that password has been used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.people.middleware import SESSION_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    import time

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED] = time.time()
        request.session[SESSION_SEEN] = time.time()
    audit_record(
        actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk, reason="login"
    )
    first_admin_password_forget(user)


def first_admin_password_file() -> Path:
    """Where `manage.py ensure_admin` leaves the first administrator's password."""
    return Path(settings.DATA_DIR) / "first-admin-password"


def first_admin_password_forget(user: Any) -> None:
    """Remove the first administrator's password file once that password has logged in.

    It has done its work then, and a password lying in a file is one more thing to steal;
    the administrator changes it or keeps it in mind. Only the administrator whose password
    it is removes it by logging in, so another administrator logging in first does not.
    """
    if not user.is_superuser:
        return
    path = first_admin_password_file()
    try:
        password = path.read_text()
    except FileNotFoundError:
        return
    if user.check_password(password):
        path.unlink(missing_ok=True)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT,
            object_type="user",
            object_id=user.pk,
            reason="logout",
        )


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    login = str(credentials.get("email") or credentials.get("username") or "")[:200]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="user",
        object_id="",
        reason="login failed",
        detail={"login": login},
    )
