"""Delivering archived cases to the municipality's archive, and waiting for its receipt.

One interface, three transports (``VARDE_ARCHIVE["TRANSPORT"]``):

- ``download``: a person downloads the package and uploads it to the archive by hand, then
  confirms the archive's reference in Varde.
- ``folder``: the package is written into the archive system's import folder, atomically,
  one file per case (``varde-sak-<id>.zip``). The archive system answers each arkivmelding
  in it with a file beside it: ``varde-sak-<id>.<n>.kvittering.xml`` (a Fiks Arkiv receipt)
  or ``varde-sak-<id>.<n>.<error>.xml`` (ugyldigforespoersel, ikkefunnet or serverfeil). A
  person can also confirm the reference by hand.
- ``fiks_io``: each arkivmelding is sent through KS's Fiks IO (varde/cases/fiks_io.py); the
  archive's replies come back on the account's queue.

A delivery is received when every arkivmelding in it has a receipt. Until then the working
copy stays, whatever its removal day says (varde/cases/archive.py). A refused package
(invalid request, or not found) waits for a person; a server error or a receipt that does not
come within ``RECEIPT_HOURS`` is sent again, later each time. Everything is kept in the
database, so a restarted worker goes on where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.cases.access import case_audit
from varde.cases.arkivmelding import Reply, reply_read
from varde.cases.fiks_io import FiksIOTransport
from varde.cases.models import ArchiveDelivery, ArchiveMessage, Case, CaseEvent
from varde.cases.packages import PackageMissing, package_messages, package_read
from varde.cases.services import case_event_record
from varde.cases.transports import (
    DownloadTransport,
    FolderTransport,
    Incoming,
    Transport,
    TransportError,
)

logger = logging.getLogger(__name__)

# Minutes before a failed send is tried again: the n-th retry waits the n-th value (the last
# value after that).
RETRY_MINUTES = (15, 60, 240, 1440)
AUTOMATIC = "arkivlevering"


def transport_for(name: str) -> Transport:
    if name == ArchiveDelivery.Transport.FOLDER:
        return FolderTransport()
    if name == ArchiveDelivery.Transport.FIKS_IO:
        return FiksIOTransport()
    return DownloadTransport()


def configured_transport() -> str:
    name = settings.VARDE_ARCHIVE["TRANSPORT"]
    if name not in ArchiveDelivery.Transport.values:
        raise ValueError(f"VARDE_ARCHIVE_TRANSPORT: unknown transport {name!r}")
    return name


# ---------------------------------------------------------------- starting and running


def delivery_start(*, case: Case, messages: int, now: dt.datetime) -> ArchiveDelivery:
    """In the archiving transaction: the delivery of the new package, due at once unless it is
    downloaded by hand."""
    transport = configured_transport()
    delivery = ArchiveDelivery.objects.create(
        case=case,
        transport=transport,
        created_at=now,
        next_attempt_at=None if transport == ArchiveDelivery.Transport.DOWNLOAD else now,
    )
    ArchiveMessage.objects.bulk_create(
        ArchiveMessage(delivery=delivery, number=n) for n in range(1, messages + 1)
    )
    return delivery


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    replies: int = 0
    unanswered: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "replies": self.replies,
            "unanswered": self.unanswered,
        }


def deliveries_run(*, now: dt.datetime | None = None) -> DeliveryReport:
    """One round: read the archive's replies, give up waiting on unanswered packages, and send
    what is due. Safe to run twice or from two workers: every change is a conditional UPDATE."""
    now = now or timezone.now()
    report = DeliveryReport()
    for name in {configured_transport()} | set(
        ArchiveDelivery.objects.exclude(state=ArchiveDelivery.State.RECEIVED)
        .values_list("transport", flat=True)
        .distinct()
    ):
        transport = transport_for(name)
        try:
            for incoming in transport.replies():
                if reply_record(incoming, now=now):
                    report.replies += 1
                if incoming.done:
                    incoming.done()
        except TransportError as exc:
            logger.warning("Reading the archive's replies (%s) failed: %s", name, exc)
    report.unanswered = _unanswered(now=now)
    due = (
        ArchiveDelivery.objects.filter(
            state__in=[ArchiveDelivery.State.WAITING, ArchiveDelivery.State.FAILED],
            next_attempt_at__lte=now,
        )
        .exclude(transport=ArchiveDelivery.Transport.DOWNLOAD)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        if delivery_send(delivery_id=pk, now=now):
            report.sent.append(pk)
        else:
            report.failed.append(pk)
    return report


def _retry_after(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=RETRY_MINUTES[min(max(attempts, 1), len(RETRY_MINUTES)) - 1])


def delivery_send(*, delivery_id: int, now: dt.datetime) -> bool:
    """Send one delivery. The claim (a conditional UPDATE moving its next attempt on) keeps
    a second worker from sending it at the same time."""
    delivery = ArchiveDelivery.objects.select_related("case").get(pk=delivery_id)
    claimed = ArchiveDelivery.objects.filter(
        pk=delivery_id, version=delivery.version, next_attempt_at__lte=now
    ).update(
        version=F("version") + 1,
        attempts=F("attempts") + 1,
        next_attempt_at=now + _retry_after(delivery.attempts + 1),
    )
    if not claimed:
        return False
    delivery.refresh_from_db()
    case = delivery.case
    try:
        package = package_read(case)
        messages = package_messages(package)
        ids = transport_for(delivery.transport).send(
            delivery=delivery, package=package, messages=messages
        )
    except (TransportError, PackageMissing) as exc:
        error = str(exc) or _("Arkivpakken mangler eller er endret.")
        ArchiveDelivery.objects.filter(pk=delivery_id).update(
            state=ArchiveDelivery.State.FAILED, error=error, version=F("version") + 1
        )
        logger.warning("Delivering case %s to the archive failed: %s", case.pk, error)
        return False
    with transaction.atomic():
        for number, message_id in enumerate(ids, start=1):
            ArchiveMessage.objects.filter(delivery=delivery, number=number).update(
                message_id=message_id or None
            )
        ArchiveDelivery.objects.filter(pk=delivery_id).update(
            state=ArchiveDelivery.State.SENT, sent_at=now, error="", version=F("version") + 1
        )
        case_event_record(
            actor=None,
            case=case,
            kind=CaseEvent.Kind.ARCHIVE_SENT,
            reason="Arkivpakke sendt til arkivet",
            summary=transport_label(delivery.transport),
            automatic=AUTOMATIC,
            shown_as=case.owner,
            action=AuditAction.EXPORT,
            detail={"transport": delivery.transport, "attempt": delivery.attempts},
        )
    return True


def transport_label(name: str) -> str:
    return str(ArchiveDelivery.Transport(name).label)


def _unanswered(*, now: dt.datetime) -> list[int]:
    """Packages sent more than RECEIPT_HOURS ago with no receipt: sent again."""
    limit = now - dt.timedelta(hours=settings.VARDE_ARCHIVE["RECEIPT_HOURS"])
    late = list(
        ArchiveDelivery.objects.filter(
            state=ArchiveDelivery.State.SENT, sent_at__lte=limit
        ).values_list("pk", flat=True)
    )
    for pk in late:
        ArchiveDelivery.objects.filter(pk=pk, state=ArchiveDelivery.State.SENT).update(
            state=ArchiveDelivery.State.FAILED,
            error=_("Arkivet har ikke svart innen %(hours)s timer.")
            % {"hours": settings.VARDE_ARCHIVE["RECEIPT_HOURS"]},
            next_attempt_at=now,
            version=F("version") + 1,
        )
    return late


# ---------------------------------------------------------------- the archive's replies


def _message_for(incoming: Incoming) -> ArchiveMessage | None:
    messages = ArchiveMessage.objects.select_related("delivery__case")
    if incoming.message_id:
        return messages.filter(message_id=incoming.message_id).first()
    if incoming.case_id is not None and incoming.number is not None:
        return messages.filter(delivery__case_id=incoming.case_id, number=incoming.number).first()
    return None


@transaction.atomic
def reply_record(incoming: Incoming, *, now: dt.datetime) -> bool:
    """Record one reply. A reply to a message Varde does not know (a case already removed,
    or another system's message) is dropped with a log line."""
    message = _message_for(incoming)
    if message is None:
        logger.info("A reply of type %s matches no waiting package", incoming.message_type)
        return False
    delivery = ArchiveDelivery.objects.select_for_update().get(pk=message.delivery_id)
    case = message.delivery.case
    reply: Reply = reply_read(incoming.message_type, incoming.payload)
    if reply.kind == "received":
        return True  # The archive has the message; the receipt follows.
    if delivery.state == ArchiveDelivery.State.RECEIVED:
        return True
    if reply.kind == "receipt":
        message.received_at = now
        message.reference = reply.reference[:100]
        message.save(update_fields=["received_at", "reference"])
        waiting = delivery.messages.filter(received_at__isnull=True).exists()
        if not waiting:
            references = [m.reference for m in delivery.messages.all() if m.reference]
            delivery_received(delivery=delivery, case=case, reference="; ".join(references))
        return True
    # An error: invalid request and not found wait for a person; a server error is retried.
    retry = reply.kind == "serverfeil"
    delivery.state = ArchiveDelivery.State.FAILED if retry else ArchiveDelivery.State.REFUSED
    delivery.error = f"{reply.kind}: {reply.message}"
    delivery.next_attempt_at = now + _retry_after(delivery.attempts) if retry else None
    delivery.version += 1
    delivery.save()
    said = {"reason": "Arkivet svarte med feil", "detail": {"reply": reply.kind}}
    if retry:
        case_audit(case, actor=None, automatic=AUTOMATIC, **said)
    else:
        case_event_record(
            actor=None,
            case=case,
            kind=CaseEvent.Kind.ARCHIVE_REFUSED,
            summary=delivery.error,
            automatic=AUTOMATIC,
            shown_as=case.owner,
            **said,
        )
    return True


def delivery_received(
    *, delivery: ArchiveDelivery, case: Case, reference: str, by: Any = None
) -> None:
    """The archive has the case: its reference is kept, and the removal day holds again."""
    delivery.state = ArchiveDelivery.State.RECEIVED
    delivery.received_at = timezone.now()
    delivery.reference = reference[:200]
    delivery.confirmed_by = by
    delivery.next_attempt_at = None
    delivery.error = ""
    delivery.version += 1
    delivery.save()
    case_event_record(
        actor=by,
        case=case,
        kind=CaseEvent.Kind.ARCHIVE_RECEIVED,
        reason="Arkivreferanse bekreftet" if by else "Kvittering fra arkivet",
        summary=reference,
        automatic="" if by else AUTOMATIC,
        shown_as=by or case.owner,
        detail={"reference": delivery.reference},
    )


# ---------------------------------------------------------------- what a person does


class DeliveryRefused(ValueError):
    """The message tells the user why, in bokmål."""


REFERENCE = re.compile(r"^[\w /.:;,()-]{1,200}$")


@transaction.atomic
def delivery_confirm(*, actor: Any, case: Case, reference: str) -> ArchiveDelivery:
    """A person confirms that the archive has the case, with the archive's reference."""
    delivery = ArchiveDelivery.objects.select_for_update().filter(case=case).first()
    if delivery is None:
        raise DeliveryRefused(_("Saken har ingen arkivpakke ennå."))
    if delivery.state == ArchiveDelivery.State.RECEIVED:
        raise DeliveryRefused(_("Arkivet har allerede bekreftet saken."))
    reference = reference.strip()
    if not REFERENCE.match(reference):
        raise DeliveryRefused(
            _("Skriv arkivets referanse, for eksempel saksnummer 2026/1234 (høyst 200 tegn).")
        )
    delivery_received(delivery=delivery, case=case, reference=reference, by=actor)
    return delivery


@transaction.atomic
def delivery_retry(*, actor: Any, case: Case) -> ArchiveDelivery:
    """Send a refused or failed package again, now."""
    delivery = ArchiveDelivery.objects.select_for_update().filter(case=case).first()
    if delivery is None or delivery.transport == ArchiveDelivery.Transport.DOWNLOAD:
        raise DeliveryRefused(_("Denne pakken sendes ikke automatisk."))
    if delivery.state == ArchiveDelivery.State.RECEIVED:
        raise DeliveryRefused(_("Arkivet har allerede bekreftet saken."))
    delivery.state = ArchiveDelivery.State.WAITING
    delivery.next_attempt_at = timezone.now()
    delivery.version += 1
    delivery.save()
    case_audit(case, actor=actor, reason="Arkivpakke sendes igjen")
    return delivery
