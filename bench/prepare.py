"""Sign in the staff the benchmark plays, server-side: one session per person.

Each gets a TOTP authenticator (the app asks for one before anything else) and a session
made the way django.contrib.auth.login makes it. Writes a JSON list of
{"session": ..., "role": ..., "cases": [...]} to the path given.
"""

from __future__ import annotations

import json
import os
import random
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "varde.settings")
django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from varde.cases.models import Case  # noqa: E402
from varde.people.models import RoleAssignment  # noqa: E402
from varde.people.roles import Role  # noqa: E402

MIX = ((Role.TEACHER, 40), (Role.PRINCIPAL, 6), (Role.KJENTMANN, 4))


def main(path: str) -> None:
    people = []
    for role, count in MIX:
        assignments = (
            RoleAssignment.objects.filter(role=role, user__email__endswith="@generert.test")
            .select_related("user")
            .order_by("pk")
        )
        if role == Role.TEACHER:
            assignments = assignments.filter(user__in=Case.objects.values("owner"))
        for assignment in assignments[:count]:
            user = assignment.user
            if not Authenticator.objects.filter(user=user, type="totp").exists():
                TOTP.activate(user, generate_totp_secret())
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cases = list(
                Case.objects.filter(owner=user, status=Case.Status.OPEN).values_list(
                    "pk", flat=True
                )[:5]
            )
            people.append({"session": session.session_key, "role": role, "cases": cases})
    # Mixed, so that fewer locust users than people still get every role.
    random.Random(1).shuffle(people)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(people, out)
    print(f"bench: {len(people)} staff signed in", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
