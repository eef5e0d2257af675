"""Fiks Arkiv v1 messages for a closed case: the arkivmelding, and the archive's replies.

A case goes to the municipality's archive as one arkivmelding per document (the schema lets
one message create one folder and one registration): the first creates the folder with its
first journal entry, each next one adds a journal entry to that folder, found by Varde's
key for it. The folder is the case's own case folder (saksmappe), or, where the municipality
archives that way (``VARDE_ARCHIVE["FOLDER"] = "elevmappe"``), the pupil's folder.

Every message is validated against KS's published schema (varde/standards/fiks-arkiv-v1)
before it leaves Varde, and every code written comes from KS's code lists there.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from lxml import etree

STANDARD_DIR = Path(__file__).resolve().parent.parent / "standards" / "fiks-arkiv-v1"
OSLO = ZoneInfo("Europe/Oslo")

MESSAGE_TYPE = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett"
RECEIPT_TYPE = f"{MESSAGE_TYPE}.kvittering"
RECEIVED_TYPE = f"{MESSAGE_TYPE}.mottatt"
ERROR_TYPES = {
    "no.ks.fiks.arkiv.v1.feilmelding.ugyldigforespoersel": "ugyldigforespoersel",
    "no.ks.fiks.arkiv.v1.feilmelding.ikkefunnet": "ikkefunnet",
    "no.ks.fiks.arkiv.v1.feilmelding.serverfeil": "serverfeil",
}
PAYLOAD_NAME = "arkivmelding.xml"
RECEIPT_NAME = "arkivmelding-kvittering.xml"

BASE = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv"
NS = f"{BASE}/arkivmelding/opprett/v1"
# The metadata catalogue's own types (code, external key, identifiers) have their children in
# the catalogue's namespace.
NS_MDK = f"{BASE}/metadatakatalog/v1"
NS_RECEIPT = f"{BASE}/arkivmelding/opprett/kvittering/v1"
NS_ERRORS = {name: f"{BASE}/feil/{name}/v1" for name in ERROR_TYPES.values()}
NS_FEIL = f"{BASE}/feil/feilmelding/v1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

SYSTEM = "Varde"
# Offentleglova § 13 with forvaltningsloven § 13: the duty of confidentiality. Noark's
# tilgangsrestriksjon for it is "13" in every municipal archive this was checked against.
SCREENING_CODE = ("13", "Taushetsplikt")
SCREENING_BASIS = "Offl. § 13, jf. fvl. § 13"


class MessageInvalid(ValueError):
    """A message that does not validate against the published schema."""


# ---------------------------------------------------------------- the standard's files


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(STANDARD_DIR / f"{name}.xsd")))


@functools.cache
def code_list(name: str) -> dict[str, str]:
    """A Fiks Arkiv code list: code → description."""
    data = json.loads((STANDARD_DIR / f"no.ks.fiks.arkiv.v1.kodelister.{name}.json").read_text())
    return {row["kodeverdi"]: row["kodebeskrivelse"] for row in data["kodeliste"]}


def validate(xml: bytes, schema: str = MESSAGE_TYPE) -> None:
    """Raise MessageInvalid unless `xml` validates against the named schema."""
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise MessageInvalid(str(exc)) from exc
    checker = _schema(schema)
    if not checker.validate(document):
        raise MessageInvalid("; ".join(str(e.message) for e in checker.error_log))


# ---------------------------------------------------------------- what is archived


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # a code in the partrolle list
    is_person: bool = True


@dataclass(frozen=True)
class Document:
    """One document of the case, filed as one journal entry."""

    file_name: str  # the file's name in the message: ASCII, no spaces
    title: str
    data: bytes
    dated: dt.date
    journalposttype: str  # X: internal, no follow-up; U: outgoing
    dokumenttype: str
    author: str
    recipient: str = ""  # for an outgoing document: who it went to


@dataclass(frozen=True)
class Folder:
    """The case as the archive files it."""

    key: str  # Varde's key of the case in this municipality
    pupil_key: str
    title: str
    public_title: str
    opened_at: dt.datetime
    closed_at: dt.datetime
    archived_at: dt.datetime
    owner: str
    owner_email: str
    school: str
    pupil_name: str
    parties: tuple[Party, ...]
    documents: tuple[Document, ...]


def folder_key(folder: Folder) -> str:
    if _archive_settings()["FOLDER"] == "elevmappe":
        return folder.pupil_key
    return folder.key


def _archive_settings() -> dict[str, Any]:
    return settings.VARDE_ARCHIVE


# ---------------------------------------------------------------- writing the messages


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _mdk(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS_MDK}}}{name}")
    child.text = text
    return child


def _code(parent: etree._Element, name: str, codes: str, value: str) -> None:
    """A code from KS's list `codes`, with its description; unknown codes are a bug."""
    description = code_list(codes)[value]
    element = _el(parent, name)
    _mdk(element, "kode", value)
    _mdk(element, "beskrivelse", description)


def _key(parent: etree._Element, name: str, key: str) -> None:
    element = _el(parent, name)
    _mdk(element, "fagsystem", SYSTEM)
    _mdk(element, "noekkel", key)


def _when(value: dt.datetime) -> str:
    return value.astimezone(OSLO).isoformat(timespec="seconds")


def _day(value: dt.datetime) -> str:
    return value.astimezone(OSLO).date().isoformat()


def _screening(parent: etree._Element) -> None:
    screening = _el(parent, "skjerming")
    element = _el(screening, "tilgangsrestriksjon")
    _mdk(element, "kode", SCREENING_CODE[0])
    _mdk(element, "beskrivelse", SCREENING_CODE[1])
    _el(screening, "skjermingshjemmel", SCREENING_BASIS)


def _classes(parent: etree._Element, folder: Folder) -> None:
    config = _archive_settings()
    primary = _el(parent, "klassifikasjon")
    _el(primary, "klassifikasjonssystemID", config["CLASS_SYSTEM"])
    _el(primary, "klasseID", config["CLASS_ID"])
    if config["CLASS_TITLE"]:
        _el(primary, "tittel", config["CLASS_TITLE"])
    # The pupil as secondary class, screened: the archive finds all of a pupil's cases.
    pupil = _el(parent, "klassifikasjon")
    _el(pupil, "klassifikasjonssystemID", "ELEV")
    _el(pupil, "klasseID", folder.pupil_key)
    _el(pupil, "tittel", folder.pupil_name)
    _el(pupil, "erSkjermet", "true")


def _party(parent: etree._Element, party: Party) -> None:
    element = _el(parent, "part")
    _el(element, "partNavn", party.name)
    _code(element, "partRolle", "partrolle", party.role)
    _el(element, "erSkjermet", "true")
    _el(element, "erPersonnavn", "true" if party.is_person else "false")


def _folder(root: etree._Element, folder: Folder) -> None:
    config = _archive_settings()
    pupil_folder = config["FOLDER"] == "elevmappe"
    mappe = _el(root, "mappe")
    mappe.set(f"{{{XSI}}}type", "mappe" if pupil_folder else "saksmappe")
    if pupil_folder:
        _el(mappe, "tittel", f"Elevmappe – {folder.pupil_name}")
        _el(mappe, "offentligTittel", "Elevmappe")
    else:
        _el(mappe, "tittel", folder.title)
        _el(mappe, "offentligTittel", folder.public_title)
    _code(mappe, "dokumentmedium", "dokumentmedium", "E")
    if not pupil_folder:
        _el(mappe, "opprettetDato", _when(folder.opened_at))
        _el(mappe, "opprettetAv", folder.owner)
        _el(mappe, "avsluttetDato", _when(folder.closed_at))
        _el(mappe, "avsluttetAv", folder.owner)
    if config["ARKIVDEL"]:
        arkivdel = _el(mappe, "arkivdel")
        _mdk(arkivdel, "kode", config["ARKIVDEL"])
    for party in folder.parties:
        _party(mappe, party)
    _screening(mappe)
    _classes(mappe, folder)
    _key(mappe, "referanseEksternNoekkel", folder_key(folder))
    if pupil_folder:
        mappetype = _el(mappe, "mappetype")
        _mdk(mappetype, "kode", "elevmappe")
        return
    _el(mappe, "saksdato", _day(folder.opened_at))
    unit = _el(mappe, "administrativEnhet")
    _mdk(unit, "navn", folder.school)
    owner = _el(mappe, "saksansvarlig")
    _mdk(owner, "navn", folder.owner)
    if folder.owner_email:
        _mdk(owner, "epostadresse", folder.owner_email)
    _code(mappe, "saksstatus", "saksstatus", "A")


def _journal_entry(root: etree._Element, folder: Folder, number: int, doc: Document) -> None:
    entry = _el(root, "registrering")
    entry.set(f"{{{XSI}}}type", "journalpost")
    _el(entry, "opprettetDato", _when(folder.archived_at))
    _el(entry, "opprettetAv", SYSTEM)
    if number > 1:
        parent = _el(entry, "referanseForelderMappe")
        key = _mdk(parent, "referanseEksternNoekkel")
        _mdk(key, "fagsystem", SYSTEM)
        _mdk(key, "noekkel", folder_key(folder))
    for party in folder.parties:
        _party(entry, party)
    _screening(entry)
    description = _el(entry, "dokumentbeskrivelse")
    _code(description, "dokumenttype", "dokumenttype", doc.dokumenttype)
    _code(description, "dokumentstatus", "dokumentstatus", "F")
    _el(description, "tittel", doc.title)
    _el(description, "forfatter", doc.author)
    _code(description, "dokumentmedium", "dokumentmedium", "E")
    _code(description, "tilknyttetRegistreringSom", "tilknyttetregistreringsom", "H")
    _el(description, "dokumentnummer", "1")
    _screening(description)
    document = _el(description, "dokumentobjekt")
    _el(document, "versjonsnummer", "1")
    _code(document, "variantformat", "variantformat", "A")
    fmt = _el(document, "format")
    _mdk(fmt, "kode", "PDF/A")
    _el(document, "formatDetaljer", "PDF/A-3b")
    _el(document, "mimeType", "application/pdf")
    _el(document, "filnavn", doc.file_name)
    _el(document, "referanseDokumentfil", doc.file_name)
    _el(document, "sjekksum", hashlib.sha256(doc.data).hexdigest())
    _el(document, "sjekksumAlgoritme", "SHA-256")
    _el(document, "filstoerrelse", str(len(doc.data)))
    _el(entry, "tittel", doc.title)
    _el(entry, "offentligTittel", folder.public_title)
    _el(entry, "forfatter", doc.author)
    _code(entry, "dokumentmedium", "dokumentmedium", "E")
    if doc.recipient:
        recipient = _el(entry, "korrespondansepart")
        _code(recipient, "korrespondanseparttype", "korrespondanseparttype", "EM")
        _el(recipient, "korrespondansepartNavn", doc.recipient)
    sender = _el(entry, "korrespondansepart")
    _code(sender, "korrespondanseparttype", "korrespondanseparttype", "IA")
    _el(sender, "korrespondansepartNavn", doc.author)
    unit = _el(sender, "administrativEnhet")
    _mdk(unit, "navn", folder.school)
    _classes(entry, folder)
    _key(entry, "referanseEksternNoekkel", f"{folder.key}:dokument:{number}")
    _code(entry, "journalposttype", "journalposttype", doc.journalposttype)
    _code(entry, "journalstatus", "journalstatus", "F")
    _el(entry, "journaldato", _day(folder.archived_at))
    _el(entry, "dokumentetsDato", doc.dated.isoformat())
    if doc.recipient:
        _el(entry, "sendtDato", _when(dt.datetime.combine(doc.dated, dt.time(12), tzinfo=OSLO)))
    _el(entry, "antallVedlegg", "0")


def arkivmeldinger(folder: Folder) -> list[bytes]:
    """One validated arkivmelding per document, in order: the first creates the folder."""
    messages = []
    for number, doc in enumerate(folder.documents, start=1):
        root = etree.Element(f"{{{NS}}}arkivmelding", nsmap={None: NS, "n5mdk": NS_MDK, "xsi": XSI})
        _el(root, "system", SYSTEM)
        _el(root, "antallFiler", "1")
        if number == 1:
            _folder(root, folder)
        _journal_entry(root, folder, number, doc)
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        validate(xml)
        messages.append(xml)
    return messages


# ---------------------------------------------------------------- reading the replies


@dataclass(frozen=True)
class Reply:
    """What the archive answered to one arkivmelding."""

    kind: str  # "receipt", "received" or one of the error names
    reference: str = ""
    message: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind in NS_ERRORS


def _text(element: etree._Element | None, path: str, ns: str) -> str:
    if element is None:
        return ""
    found = element.find(path.replace("{}", f"{{{ns}}}"))
    return (found.text or "").strip() if found is not None else ""


def reply_read(message_type: str, payload: bytes) -> Reply:
    """The archive's reply of `message_type`, its payload validated against the schema.
    A reply that does not validate is read as a server error, so it is retried, never lost."""
    if message_type == RECEIVED_TYPE:
        return Reply("received")
    if message_type in ERROR_TYPES:
        name = ERROR_TYPES[message_type]
        try:
            validate(payload, message_type)
        except MessageInvalid as exc:
            return Reply(name, message=f"ugyldig feilmelding: {exc}")
        root = etree.fromstring(payload)
        return Reply(name, message=_text(root, "{}feilmelding", NS_FEIL) or name)
    if message_type != RECEIPT_TYPE:
        return Reply("serverfeil", message=f"ukjent meldingstype {message_type}")
    try:
        validate(payload, RECEIPT_TYPE)
    except MessageInvalid as exc:
        return Reply("serverfeil", message=f"ugyldig kvittering: {exc}")
    root = etree.fromstring(payload)
    failed = root.find(f"{{{NS_RECEIPT}}}registreringFeilet")
    if failed is None:
        failed = root.find(f"{{{NS_RECEIPT}}}mappeFeilet")
    if failed is not None:
        return Reply(
            "ugyldigforespoersel", message=_text(failed, "{}feilmelding", NS_FEIL) or "feilet"
        )
    return Reply("receipt", reference=receipt_reference(root))


def receipt_reference(root: etree._Element) -> str:
    """The journal number (year/sequence) of the receipt's entry, and the case number of a new
    case folder: the references a person looks the case up by in the archive."""
    parts = []
    folder = root.find(f"{{{NS_RECEIPT}}}mappeKvittering")
    year = _text(folder, "{}saksaar", NS_RECEIPT)
    sequence = _text(folder, "{}sakssekvensnummer", NS_RECEIPT)
    if year and sequence:
        parts.append(f"sak {year}/{sequence}")
    entry = root.find(f"{{{NS_RECEIPT}}}registreringKvittering")
    year = _text(entry, "{}journalaar", NS_RECEIPT)
    sequence = _text(entry, "{}journalsekvensnummer", NS_RECEIPT)
    if year and sequence:
        parts.append(f"journalpost {year}/{sequence}")
    if not parts:
        system_id = _text(entry, "{}systemID", NS_RECEIPT) or _text(
            folder, "{}systemID", NS_RECEIPT
        )
        parts.append(system_id)
    return ", ".join(p for p in parts if p)
