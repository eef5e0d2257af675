"""Close and archive: the archival package of a closed case, and removal by retention.

The package is one zip file with the whole case as a PDF/A document and a JSON
manifest of its metadata (Noark 5 names where Noark has one), ready for the
municipality's archive (Sikker sak or a Noark 5 archive). It is kept outside the
database, under DATA_DIR/archive, sealed with the keyring (AES-256-GCM, bound to the
case's id) and opened only when it is downloaded; the sha256 kept on the case is that
of the package itself, so it is what the municipality's archive receives.

Varde only holds a working copy. When the plan's retention period has run out
(``casework.retention.archived_days`` after archiving, counted in Europe/Oslo
days), ``case_purge_due`` removes the case with everything under it and the
package file, and leaves a CaseRemoval row without personal data and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.cases.access import case_audit, case_for_user
from varde.cases.arkivmelding import Document, Folder, Party, arkivmeldinger
from varde.cases.concern import concern_pdf, concerns_unfinished
from varde.cases.delivery import delivery_start
from varde.cases.models import ArchiveDelivery, Case, CaseEvent, CaseRemoval
from varde.cases.packages import (
    archive_context,
    archive_dir,
    archive_path,
    message_name,
    package_messages,
    package_read,
)
from varde.cases.rules import CaseRules, case_rules
from varde.lib.crypto import DecryptionError, decrypt_bytes, encrypt_bytes, needs_reencrypt_bytes
from varde.lib.pdf import pdf_archival
from varde.lib.reencrypt import ReencryptReport
from varde.people.access import guardians_for
from varde.plan.selectors import plan_current

OSLO = ZoneInfo("Europe/Oslo")
PACKAGE_NAME = re.compile(r"^\.?case-(\d+)\.zip(\.tmp)?$")
ZIP_MAGIC = b"PK\x03\x04"

logger = logging.getLogger(__name__)


class ArchiveRefused(ValueError):
    """The package cannot be made now; the message tells the user why, in bokmål."""


# ---------------------------------------------------------------- where packages live


def archive_filename(case: Case) -> str:
    """The download's name: no pupil's name in a file name that may end up in a download list."""
    return f"arkivpakke-sak-{case.pk}.zip"


# ---------------------------------------------------------------- who may archive


def case_may_archive(user: Any, case: Case) -> bool:
    """The owner and the school's leadership make and download the package."""
    return case.owner_id == user.pk or case.school_id in user.leadership_school_ids()


def case_archivable_for_user(user: Any, pk: object, *, reason: str) -> Case:
    """A case whose package this user may make or download; 404 (and no audit) for others."""
    return case_for_user(user, pk, reason=reason, related=("school",), may=case_may_archive)


# ---------------------------------------------------------------- what goes into the package


@dataclass(frozen=True)
class CaseRecord:
    """Everything about one case, read once, for the PDF and the manifest."""

    case: Case
    rules: CaseRules
    plan_number: int | None
    plan_hash: str
    conversation: Any
    participants: list[Any]
    parent_decisions: list[Any]
    parent_contacts: list[Any]
    decisions: list[Any]
    measures: list[Any]
    consents: list[Any]
    referrals: list[Any]
    advice: list[Any]
    concern_reports: list[Any]
    events: list[CaseEvent]
    # The pupil's guardians from the register when the package was made.
    guardians: list[Any]

    @property
    def level_reached(self) -> int:
        return max([self.case.level, *(d.to_level for d in self.decisions)])


def case_record(*, case: Case, actor: Any) -> CaseRecord:
    """The whole case with its plan rules, as the package shows it; the guardians read as
    `actor`, who makes the package."""
    case = Case.objects.select_related(
        "pupil", "school", "municipality", "owner", "coordinator"
    ).get(pk=case.pk)
    plan = plan_current(municipality_id=case.municipality_id)
    return CaseRecord(
        case=case,
        rules=case_rules(municipality_id=case.municipality_id),
        plan_number=plan.number if plan else None,
        plan_hash=plan.content_hash if plan else "",
        conversation=getattr(case, "conversation", None),
        participants=list(case.participants.select_related("user", "invited_by")),
        parent_decisions=list(
            case.parent_decisions.select_related("decided_by").prefetch_related("tell")
        ),
        parent_contacts=list(case.parent_contacts.select_related("recorded_by")),
        decisions=list(case.decisions.select_related("decided_by")),
        measures=list(case.measures.select_related("created_by", "evaluated_by")),
        consents=list(case.consents.select_related("recorded_by")),
        referrals=list(case.referrals.select_related("made_by")),
        advice=list(
            case.advice_requests.select_related("asked_by", "adviser").order_by("asked_at")
        ),
        concern_reports=list(
            case.concern_reports.select_related("created_by", "approved_by", "sent_by")
        ),
        events=list(case.events.select_related("actor")),
        guardians=guardians_for(actor, case.pupil, reason="Arkivpakke: foresatte"),
    )


def _pdf_context(record: CaseRecord, archived_at: dt.datetime) -> dict[str, Any]:
    rules = record.rules
    must_inform = dict(rules.must_inform)

    def decision_title(key: str) -> str:
        rule = rules.decision(key)
        return rule.title if rule else key

    def law(key: str) -> str:
        basis = rules.legal_basis(key) if key else None
        return f"{basis.title} ({basis.law})" if basis else key

    return {
        "r": record,
        "case": record.case,
        "archived_at": archived_at,
        "parent_decisions": [
            (d, [must_inform.get(k, k) for k in d.obligations]) for d in record.parent_decisions
        ],
        "decisions": [(d, decision_title(d.key), law(d.legal_basis)) for d in record.decisions],
        "consents": [(c, rules.service_name(c.service)) for c in record.consents],
        "referrals": [
            (r, rules.service_name(r.service), law(r.legal_basis)) for r in record.referrals
        ],
        "participants": [
            (p, rules.service_name(p.service) if p.service else "", law(p.legal_basis))
            for p in record.participants
        ],
        "no_view_reason": dict(rules.no_view_reasons).get(
            record.conversation.no_view_reason if record.conversation else "", ""
        ),
    }


def archive_pdf(*, record: CaseRecord, archived_at: dt.datetime) -> bytes:
    """The whole case as a tagged PDF/A-3b document, in bokmål and Oslo time."""
    return pdf_archival("cases/archive_pdf.html", _pdf_context(record, archived_at))


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def archive_manifest(
    *, record: CaseRecord, archived_at: dt.datetime, documents: list[Document]
) -> dict[str, Any]:
    """The package's metadata, with Noark 5 names where Noark has one. The arkivmelding
    files beside it are what the archive reads; this is for a person and for Varde."""
    case = record.case
    title = case_title(case)
    return {
        "format": "varde-arkivpakke",
        "format_version": 1,
        "case_id": case.pk,
        "title": title,
        "pupil": {
            "name": case.pupil.full_name,
            "birth_date": case.pupil.birth_date.isoformat(),
            "external_id": case.pupil.external_id,
        },
        "school": {"name": case.school.name, "external_id": case.school.external_id},
        "municipality": {"name": case.municipality.name, "number": case.municipality.number},
        "owner": {"name": case.owner.full_name, "email": case.owner.email},
        "guardians": [
            {
                "name": g.name,
                "relation": g.relation,
                "parental_responsibility": g.parental_responsibility,
                "restriction": g.restriction or None,
            }
            for g in record.guardians
        ],
        "opened_at": _utc(case.opened_at),
        "closed_at": _utc(case.closed_at),
        "archived_at": _utc(archived_at),
        "level_reached": record.level_reached,
        "plan": {"version": record.plan_number, "content_sha256": record.plan_hash},
        "documents": [
            {
                "file": doc.file_name,
                "title": doc.title,
                "format": "PDF/A-3b",
                "mime_type": "application/pdf",
                "sha256": hashlib.sha256(doc.data).hexdigest(),
                "arkivmelding": message_name(number),
            }
            for number, doc in enumerate(documents, start=1)
        ],
        "noark5": {
            "mappetype": "saksmappe",
            "systemID": f"varde-{case.municipality.slug}-{case.pk}",
            "tittel": title,
            "saksdato": timezone.localdate(case.opened_at, OSLO).isoformat(),
            "saksstatus": "Avsluttet",
            "saksansvarlig": case.owner.full_name,
            "administrativEnhet": case.school.name,
            "avsluttetDato": _utc(case.closed_at),
            "skjerming": {
                "tilgangsrestriksjon": "13",
                "skjermingshjemmel": "Offl. § 13, jf. fvl. § 13",
            },
            "dokumentbeskrivelse": [
                {
                    "tittel": doc.title,
                    "dokumentobjekt": {
                        "filnavn": doc.file_name,
                        "format": "PDF/A-3b",
                        "sjekksum": hashlib.sha256(doc.data).hexdigest(),
                        "sjekksumAlgoritme": "SHA-256",
                    },
                }
                for doc in documents
            ],
        },
    }


def case_title(case: Case) -> str:
    return f"Undring om {case.pupil.full_name}"


def archive_documents(*, record: CaseRecord, archived_at: dt.datetime) -> list[Document]:
    """The case's documents, each a journal entry in the archive: the whole case, and each
    report of concern that was sent, as it was sent."""
    case = record.case
    documents = [
        Document(
            file_name=f"sak-{case.pk}.pdf",
            title=case_title(case),
            data=archive_pdf(record=record, archived_at=archived_at),
            dated=timezone.localdate(case.closed_at or archived_at, OSLO),
            journalposttype="X",
            dokumenttype="NOTAT",
            author=case.owner.full_name,
        )
    ]
    for report in record.concern_reports:
        if report.sent_at is None:
            continue
        documents.append(
            Document(
                file_name=f"bekymringsmelding-{report.pk}.pdf",
                title=f"Bekymringsmelding til barneverntjenesten om {case.pupil.full_name}",
                data=concern_pdf(report=report, guardians=record.guardians),
                dated=timezone.localdate(report.sent_at, OSLO),
                journalposttype="U",
                dokumenttype="MELDING",
                author=(report.approved_by or report.created_by).full_name,
                recipient=record.rules.service_name("barnevern"),
            )
        )
    return documents


def archive_folder(
    *, record: CaseRecord, archived_at: dt.datetime, documents: list[Document]
) -> Folder:
    """The case as the archive files it: parties, dates and its documents."""
    case = record.case
    slug = case.municipality.slug
    pupil_key = f"{slug}:elev:{case.pupil.external_id or case.pupil.pk}"
    parties = [Party(case.pupil.full_name, "K")]
    parties += [
        # A guardian with parental responsibility is the pupil's guardian in law (F); others
        # are next of kin (P).
        Party(g.name, "F" if g.parental_responsibility else "P")
        for g in record.guardians
    ]
    return Folder(
        key=f"{slug}:sak:{case.pk}",
        pupil_key=pupil_key,
        title=case_title(case),
        public_title="Undringssak om elev",
        opened_at=case.opened_at,
        closed_at=case.closed_at or archived_at,
        archived_at=archived_at,
        owner=case.owner.full_name,
        owner_email=case.owner.email,
        school=case.school.name,
        pupil_name=case.pupil.full_name,
        parties=tuple(parties),
        documents=tuple(documents),
    )


def archive_package_make(*, record: CaseRecord, archived_at: dt.datetime) -> bytes:
    """The package: each document, its arkivmelding (validated against KS's schema), and
    the manifest."""
    documents = archive_documents(record=record, archived_at=archived_at)
    folder = archive_folder(record=record, archived_at=archived_at, documents=documents)
    messages = arkivmeldinger(folder)
    manifest = archive_manifest(record=record, archived_at=archived_at, documents=documents)
    files = [(doc.file_name, doc.data) for doc in documents]
    files += [(message_name(n), xml) for n, xml in enumerate(messages, start=1)]
    files.append(("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
    return _zip(files, archived_at)


def _zip(files: list[tuple[str, bytes]], when: dt.datetime) -> bytes:
    stamp = when.astimezone(OSLO).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files:
            package.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a crash never leaves half a package under its name."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _snapshot(case_id: int) -> tuple[int, int | None]:
    """What the package was made from: a write to the case adds an event or bumps its version."""
    row = Case.objects.filter(pk=case_id).annotate(last_event=Max("events__pk"))
    values = row.values_list("version", "last_event").get()
    return values[0], values[1]


def case_archive(*, actor: Any, case: Case) -> Case:
    """Make the archival package of a closed case, store it, and set the removal day.

    The PDF is rendered before the transaction opens (it takes a second or two, and
    a write transaction holds the database's write lock); the transaction then
    checks that nothing was written to the case in between.
    """
    _check_archivable(actor=actor, case=Case.objects.get(pk=case.pk))
    snapshot = _snapshot(case.pk)
    archived_at = timezone.now()
    record = case_record(case=case, actor=actor)
    package = archive_package_make(record=record, archived_at=archived_at)
    path = archive_path(case.pk)
    try:
        return _case_archive_store(
            actor=actor,
            case_id=case.pk,
            snapshot=snapshot,
            archived_at=archived_at,
            package=package,
            messages=len(package_messages(package)),
            path=path,
        )
    except BaseException:
        # The database said no: no package may stay behind for a case that is not archived.
        if not Case.objects.filter(pk=case.pk, archived_at__isnull=False).exists():
            path.unlink(missing_ok=True)
        raise


def _check_archivable(*, actor: Any, case: Case) -> None:
    if not case_may_archive(actor, case):
        raise ArchiveRefused(_("Bare eieren eller skolens ledelse kan lage arkivpakken."))
    if case.status != Case.Status.CLOSED:
        raise ArchiveRefused(_("Saken må avsluttes før den kan arkiveres."))
    if case.archived_at is not None:
        raise ArchiveRefused(_("Arkivpakken er allerede laget."))
    if concerns_unfinished(case):
        raise ArchiveRefused(
            _(
                "Bekymringsmeldingen til barnevernet er ikke fulgt opp: registrer at den er "
                "sendt og kvitteringen fra barneverntjenesten før saken arkiveres."
            )
        )


@transaction.atomic
def _case_archive_store(
    *,
    actor: Any,
    case_id: int,
    snapshot: tuple[int, int | None],
    archived_at: dt.datetime,
    package: bytes,
    messages: int,
    path: Path,
) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    _check_archivable(actor=actor, case=case)
    if _snapshot(case_id) != snapshot:
        raise ArchiveRefused(_("Saken ble endret mens pakken ble laget. Prøv igjen."))
    rules = case_rules(municipality_id=case.municipality_id)
    sha256 = hashlib.sha256(package).hexdigest()
    _write_private(path, encrypt_bytes(package, context=archive_context(case_id)))
    case.archived_at = archived_at
    case.archive_sha256 = sha256
    case.purge_after = rules.purge_day(timezone.localdate(archived_at, OSLO))
    case.version += 1
    case.full_clean()
    case.save()
    CaseEvent.objects.create(
        case=case,
        at=archived_at,
        actor=actor,
        kind=CaseEvent.Kind.ARCHIVED,
        summary=f"sha256 {sha256}",
    )
    case_audit(
        case,
        actor=actor,
        reason="Arkivpakke laget",
        action=AuditAction.EXPORT,
        detail={"sha256": sha256, "purge_after": case.purge_after.isoformat()},
    )
    delivery_start(case=case, messages=messages, now=archived_at)
    return case


def archive_package(*, actor: Any, case: Case) -> bytes:
    """The stored package, checked against its sha256; the download is audited as an export."""
    if case.archived_at is None or not case.archive_sha256:
        raise Http404
    data = package_read(case)
    case_audit(
        case,
        actor=actor,
        reason="Arkivpakke lastet ned",
        action=AuditAction.EXPORT,
        detail={"sha256": case.archive_sha256},
    )
    return data


# ---------------------------------------------------------------- sealing again after a rotation


def archive_packages_reseal(*, report: ReencryptReport) -> None:
    """Seal every stored package again under the keyring's current key.

    A package made before packages were sealed is sealed too, if it is exactly the
    package whose sha256 the case keeps. One case at a time, under the case's row lock,
    so a package being made or removed by the purge meanwhile is never written back.
    Running it again changes nothing.
    """
    archived = Case.objects.filter(archived_at__isnull=False).order_by("pk")
    for case_id in list(archived.values_list("pk", flat=True)):
        _package_reseal(case_id=case_id, report=report)


@transaction.atomic
def _package_reseal(*, case_id: int, report: ReencryptReport) -> None:
    case = (
        Case.objects.select_for_update()
        .filter(pk=case_id, archived_at__isnull=False)
        .only("pk", "archive_sha256")
        .first()
    )
    if case is None:
        return  # Removed by the purge meanwhile; its file goes with it.
    path = archive_path(case_id)
    where = f"{path} (case {case_id})"
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        report.refused.append(f"{where}: the package file is missing")
        return
    report.rows_checked += 1
    context = archive_context(case_id)
    if stored.startswith(ZIP_MAGIC):
        # Made before packages were sealed: seal it only if it is the package that was made.
        # It is never handed out unsealed. This branch can go once the retention period has
        # passed since every installation began sealing packages.
        if hashlib.sha256(stored).hexdigest() != case.archive_sha256:
            report.refused.append(f"{where}: an unsealed package that is not the one made")
            return
        plain = stored
    else:
        try:
            if not needs_reencrypt_bytes(stored):
                report.values_current += 1
                return
            plain = decrypt_bytes(stored, context=context)
        except DecryptionError as exc:
            report.refused.append(f"{where}: {exc}")
            return
    _write_private(path, encrypt_bytes(plain, context=context))
    report.values_rewritten += 1


# ---------------------------------------------------------------- removal by retention


@dataclass(frozen=True)
class PurgeReport:
    removed: list[int]
    files_removed: int

    def as_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "files_removed": self.files_removed}


def _purgeable() -> QuerySet[Case]:
    """Archived cases whose package the archive has confirmed: no other case is ever removed,
    whatever its removal day says."""
    return Case.objects.filter(
        archived_at__isnull=False, delivery__state=ArchiveDelivery.State.RECEIVED
    )


def cases_due_for_purge(*, today: dt.date) -> list[int]:
    """Archived cases whose removal day (a date in Europe/Oslo) has come and whose package
    the archive has confirmed."""
    return list(
        _purgeable()
        .filter(purge_after__lte=today)
        .order_by("purge_after", "pk")
        .values_list("pk", flat=True)
    )


def case_purge_due(*, now: dt.datetime | None = None) -> PurgeReport:
    """Remove every working copy whose removal day has come. Running it again changes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now, OSLO)
    removed = [pk for pk in cases_due_for_purge(today=today) if _case_purge(case_id=pk, now=now)]
    return PurgeReport(removed=removed, files_removed=_sweep_packages())


@transaction.atomic
def _case_purge(*, case_id: int, now: dt.datetime) -> bool:
    today = timezone.localdate(now, OSLO)
    # The claim: only one runner's conditional UPDATE matches the row; the other
    # (or a second run) matches nothing and moves on.
    claimed = (
        _purgeable().filter(pk=case_id, purge_after__lte=today).update(version=F("version") + 1)
    )
    if not claimed:
        return False
    case = Case.objects.select_related("delivery").get(pk=case_id)
    removal = CaseRemoval(
        case_id_removed=case.pk,
        municipality_id=case.municipality_id,
        school_id=case.school_id,
        opened_at=case.opened_at,
        archived_at=case.archived_at,
        archive_sha256=case.archive_sha256,
        archive_reference=case.delivery.reference,
        purge_after=case.purge_after,
        retention_days=(
            (case.purge_after - timezone.localdate(case.archived_at, OSLO)).days
            if case.purge_after and case.archived_at
            else None
        ),
        removed_at=now,
    )
    removal.full_clean()
    removal.save()
    case_audit(
        case,
        actor=None,
        reason="Arbeidskopien slettet etter arkivering (oppbevaringstid)",
        action=AuditAction.DELETE,
        automatic="sletting etter oppbevaringstid",
        detail={"purge_after": case.purge_after.isoformat() if case.purge_after else None},
    )
    case.delete()
    path = archive_path(case_id)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return True


def _sweep_packages() -> int:
    """Remove package files whose case is gone (e.g. a crash between commit and unlink)."""
    found: dict[int, list[Path]] = {}
    for path in archive_dir().iterdir():
        match = PACKAGE_NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(path)
    if not found:
        return 0
    alive = set(Case.objects.filter(pk__in=found).values_list("pk", flat=True))
    gone = [path for pk, paths in found.items() if pk not in alive for path in paths]
    for path in gone:
        path.unlink(missing_ok=True)
    return len(gone)


def removals_visible_to(user: Any) -> QuerySet[CaseRemoval]:
    """The register of removed working copies: a school's leadership sees its school's, the
    municipal administrator the municipality's. Rows hold no personal data."""
    return CaseRemoval.objects.filter(
        Q(school_id__in=user.leadership_school_ids())
        | Q(municipality_id__in=user.admin_municipality_ids())
    ).select_related("school")


def may_see_removals(user: Any) -> bool:
    return bool(user.leadership_school_ids() or user.admin_municipality_ids())


def next_purge_run(*, now: dt.datetime) -> dt.datetime:
    """Five minutes past the next midnight in Oslo, when a new removal day has begun."""
    tomorrow = timezone.localdate(now, OSLO) + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0, 5), tzinfo=OSLO)
