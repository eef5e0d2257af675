"""Sessions in the database, as Django keeps them, read with a query compiled once."""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from varde.lib.queries import PreparedQuery


def _live(session_key: str, now: datetime.datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


# Every signed-in request reads its session first.
_live_session = PreparedQuery(_live, str, datetime.datetime)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = _live_session(self.session_key, timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
