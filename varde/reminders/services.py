"""Reminders: collected from what is due, shown in the app, e-mailed once.

Collecting is idempotent (one row per person and due thing, by a unique key).
Sending goes through an outbox: see outbox_fill and outbox_deliver for what is
guaranteed when a worker is killed part-way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from varde.cases.reminders import cases_due
from varde.incidents.reminders import incidents_due
from varde.reminders.due import BATCH
from varde.reminders.models import OutboxMessage, Reminder
from varde.yearplan.reminders import yearplan_due


@transaction.atomic
def reminders_collect(*, now: dt.datetime | None = None) -> int:
    """Create the reminders that are due; retire those whose step is done. Returns new rows."""
    now = now or timezone.now()
    # Stored and e-mailed text is in the site's language, whatever this thread served last.
    with translation.override(settings.LANGUAGE_CODE):
        due = cases_due(now=now) + incidents_due(now=now) + yearplan_due(now=now)
    existing = set(Reminder.objects.filter(done_at__isnull=True).values_list("user_id", "key"))
    wanted = {(d.user_id, d.key) for d in due}
    new = [
        Reminder(
            user_id=d.user_id,
            key=d.key,
            subject=d.subject[:200],
            url=d.url,
            due_on=d.due_on,
            created_at=now,
        )
        for d in due
        if (d.user_id, d.key) not in existing
    ]
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=BATCH)
    gone = existing - wanted
    for user_id, key in gone:
        Reminder.objects.filter(user_id=user_id, key=key, done_at__isnull=True).update(done_at=now)
    return len(new)


def reminders_send(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """E-mail the reminders not sent yet: into the outbox, then delivered. Returns deliveries."""
    now = now or timezone.now()
    outbox_fill(now=now, limit=limit)
    return outbox_deliver(limit=limit)


def _message_id(reminder: Reminder) -> str:
    digest = hashlib.sha256(f"{reminder.pk}:{reminder.user_id}:{reminder.key}".encode()).hexdigest()
    host = urlsplit(settings.SITE_URL).hostname or "varde.invalid"
    return f"<reminder-{reminder.pk}-{digest[:16]}@{host}>"


def _message_body(subject: str, link: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Hei!\n\nDu har noe som venter i Varde: %(subject)s.\n"
            "Logg inn for å se hva det gjelder:\n%(link)s\n"
        ) % {"subject": subject, "link": link}


def outbox_fill(*, now: dt.datetime, limit: int = 200) -> int:
    """Turn unsent reminders into outbox messages, each in one transaction with its mark.

    The reminder is marked sent only if it was not already (a conditional UPDATE), and its
    message is written in the same transaction, so a kill at any point leaves either both
    or neither: a reminder never gets two messages, and none is marked without one.
    """
    pending = Reminder.objects.filter(
        sent_at__isnull=True, done_at__isnull=True, user__is_active=True
    ).select_related("user")
    made = 0
    for reminder in pending[:limit]:
        with transaction.atomic():
            if not Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                sent_at=now, claimed_at=now
            ):
                continue
            link = settings.SITE_URL.rstrip("/") + reminder.url
            OutboxMessage.objects.create(
                reminder=reminder,
                message_id=_message_id(reminder),
                to=reminder.user.email,
                subject=f"Varde: {reminder.subject}"[:250],
                body=_message_body(reminder.subject, link),
                created_at=now,
            )
            made += 1
    return made


def _claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "VARDE_OUTBOX_CLAIM_SECONDS", 600))


def outbox_deliver(*, limit: int = 200) -> int:
    """Deliver outbox messages not yet delivered, each claimed first. Returns deliveries.

    What is guaranteed when a worker is killed (SIGKILL) at any point and started again:

    - No message is lost. A message stays undelivered until delivery is recorded; a claim
      left by a killed worker is taken over after the claim timeout.
    - No message is delivered twice by two workers at once: each claims the message with a
      conditional UPDATE, and only the one that changed the row goes on.
    - The one window left is between handing the message to the e-mail backend and
      recording that in the database. A message claimed before (attempts > 0) may have been
      delivered in that window, so before delivering it again the backend is asked whether
      it already has a message with this Message-ID. Django's file and in-memory backends
      can answer, so with them each message is delivered exactly once. An SMTP server
      cannot be asked: there a kill in that window (a few milliseconds per message) can
      deliver a message twice, with the same Message-ID, which mail programs use to show
      it once. That is at least once, not exactly once, and this docstring says so.
    """
    timeout = _claim_timeout()
    delivered = 0
    connection = get_connection()
    for message in OutboxMessage.objects.filter(delivered_at__isnull=True).order_by("pk")[:limit]:
        stale = timezone.now() - timeout
        claimable = Q(attempted_at__isnull=True) | Q(attempted_at__lt=stale)
        claimed = OutboxMessage.objects.filter(
            claimable, pk=message.pk, delivered_at__isnull=True
        ).update(attempted_at=timezone.now(), attempts=F("attempts") + 1)
        if not claimed:
            continue
        if not (message.attempts and _backend_has(connection, message.message_id)):
            EmailMessage(
                subject=message.subject,
                body=message.body,
                to=[message.to],
                headers={"Message-ID": message.message_id},
                connection=connection,
            ).send()
        OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


def _backend_has(connection: object, message_id: str) -> bool:
    """Whether the e-mail backend already holds a message with this Message-ID, if it can tell."""
    if isinstance(connection, MemoryBackend):
        return any(
            m.extra_headers.get("Message-ID") == message_id for m in getattr(mail, "outbox", [])
        )
    if isinstance(connection, FileBackend):
        needle = f"Message-ID: {message_id}".encode()
        return any(
            needle in path.read_bytes()
            for path in Path(connection.file_path).glob("*")
            if path.is_file()
        )
    return False
