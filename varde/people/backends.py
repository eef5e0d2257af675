"""Authentication backends that load the signed-in user with what every request asks next.

Each request reads the user from the session. The same query also answers whether the user
has a TOTP authenticator (the MFA requirement, checked on every request) and whether any
fictional municipality exists (the demo banner on every page), so neither costs a query of
its own. Both are read afresh on every request, as before.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from varde.people.models import Municipality, User


def user_for_request(user_id: Any) -> User | None:
    """The user with `varde_has_totp` and `varde_has_demo`, in one query of plain SQL (this
    runs on every request, and the ORM's compiling of two EXISTS costs more than the query)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    users = User._meta.db_table
    found = list(
        User.objects.raw(
            f"SELECT u.*,"  # noqa: S608 - table names from the models, values as parameters.
            f" EXISTS(SELECT 1 FROM {Authenticator._meta.db_table} a"
            f" WHERE a.user_id = u.id AND a.type = %s) AS varde_has_totp,"
            f" EXISTS(SELECT 1 FROM {Municipality._meta.db_table} m"
            f" WHERE m.is_fictional) AS varde_has_demo"
            f" FROM {users} u WHERE u.id = %s",
            [Authenticator.Type.TOTP, user_id],
        )
    )
    if not found:
        return None
    user = found[0]
    user.varde_has_totp = bool(user.varde_has_totp)
    user.varde_has_demo = bool(user.varde_has_demo)
    return user


class RequestUserMixin:
    def get_user(self, user_id: Any) -> User | None:
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RequestUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(RequestUserMixin, AllauthBackend):
    pass
