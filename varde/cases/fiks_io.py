"""Fiks IO: sending arkivmeldinger to the municipality's archive, and reading its replies.

Written against KS's published Fiks IO protocol, so that a municipality with a Fiks IO account
turns it on with its credentials (docs/archive.md):

- Authentication: a Maskinporten token (scope ``ks:fiks``) from a JWT grant signed with the
  municipality's business certificate, with the Fiks integration's id and password as the
  ``IntegrasjonId`` and ``IntegrasjonPassord`` headers.
- Sending: ``POST {API_URL}/fiks-io/api/v1/send``, multipart: ``metadata`` (JSON: sender and
  receiver account, message type, time to live) and ``data``, the payload. The payload is a
  zip container (ASiC-E's mimetype and manifest) holding ``arkivmelding.xml`` and the
  document, encrypted as CMS (PKCS #7 enveloped data) to the receiving account's public
  certificate: from ``FIKS_IO_ARCHIVE_CERT_FILE``, or from Fiks IO's catalogue.
- Replies: AMQP, the queue ``fiksio.konto.<account id>``, logged in as the integration id with
  the password ``"<integration password> <Maskinporten token>"``. Each reply names its type
  (``type``) and the message it answers (``svar-til``); its payload is encrypted to Varde's
  account and opened with the account's private key. A reply is acknowledged only after it is
  recorded, so a crash in between reads it again.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pika
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings

from varde.cases.arkivmelding import MESSAGE_TYPE, PAYLOAD_NAME
from varde.cases.models import ArchiveDelivery
from varde.cases.transports import Incoming, TransportError

SEND_PATH = "/fiks-io/api/v1/send"
CATALOGUE_KEY_PATH = "/fiks-io/katalog/api/v1/kontoer/{account}/offentligNokkel"
QUEUE_PREFIX = "fiksio.konto."
SCOPE = "ks:fiks"
ASICE_MIME = "application/vnd.etsi.asic-e+zip"
TTL_MS = int(dt.timedelta(days=2).total_seconds() * 1000)
TIMEOUT = 30


def _config() -> dict[str, str]:
    return settings.VARDE_ARCHIVE["FIKS_IO"]


def _read(path: str, what: str) -> bytes:
    if not path:
        raise TransportError(f"Fiks IO: {what} er ikke satt opp")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TransportError(f"Fiks IO: {what} kan ikke leses ({exc.strerror})") from exc


# ---------------------------------------------------------------- the container


def container(files: list[tuple[str, bytes]]) -> bytes:
    """The payload's zip container: ASiC-E's mimetype first and stored, then the files and
    the manifest naming them."""
    manifest = ['<?xml version="1.0" encoding="UTF-8"?>']
    manifest.append(
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    )
    manifest.append(
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ASICE_MIME}"/>'
    )
    for name, _data in files:
        kind = "text/xml" if name.endswith(".xml") else "application/pdf"
        manifest.append(
            f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="{kind}"/>'
        )
    manifest.append("</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ASICE_MIME, zipfile.ZIP_STORED)
        for name, data in files:
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "\n".join(manifest), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def container_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name != "mimetype" and not name.startswith("META-INF/")
        }


def encrypt(data: bytes, certificate: x509.Certificate) -> bytes:
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .add_recipient(certificate)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def decrypt(data: bytes, certificate: x509.Certificate, key: Any) -> bytes:
    return pkcs7.pkcs7_decrypt_der(data, certificate, key, [])


# ---------------------------------------------------------------- Maskinporten


def maskinporten_token(config: dict[str, str] | None = None) -> str:
    """An access token for Fiks, from a JWT grant signed with the business certificate."""
    config = config or _config()
    certificate = x509.load_pem_x509_certificate(
        _read(config["MASKINPORTEN_CERT_FILE"], "virksomhetssertifikatet")
    )
    key = serialization.load_pem_private_key(
        _read(config["MASKINPORTEN_KEY_FILE"], "virksomhetssertifikatets nøkkel"), None
    )
    now = int(time.time())
    grant = jwt.encode(
        {
            "aud": config["MASKINPORTEN_AUDIENCE"],
            "iss": config["MASKINPORTEN_CLIENT_ID"],
            "scope": SCOPE,
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
        },
        key,
        algorithm="RS256",
        headers={
            "x5c": [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()]
        },
    )
    try:
        response = requests.post(
            config["MASKINPORTEN_TOKEN_URL"],
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": grant},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])
    except (requests.RequestException, KeyError, ValueError) as exc:
        raise TransportError(f"Maskinporten: {exc}") from exc


# ---------------------------------------------------------------- the transport


class FiksIOTransport:
    name = ArchiveDelivery.Transport.FIKS_IO

    def __init__(self, config: dict[str, str] | None = None) -> None:
        self.config = dict(config or _config())
        self._token = ""

    def token(self) -> str:
        # One token for this round of sending and reading; a new round asks again.
        if not self._token:
            self._token = maskinporten_token(self.config)
        return self._token

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token()}",
            "IntegrasjonId": self.config["INTEGRATION_ID"],
            "IntegrasjonPassord": self.config["INTEGRATION_PASSWORD"],
        }

    def receiver_certificate(self) -> x509.Certificate:
        if self.config["RECEIVER_CERT_FILE"]:
            return x509.load_pem_x509_certificate(
                _read(self.config["RECEIVER_CERT_FILE"], "arkivets sertifikat")
            )
        url = self.config["API_URL"] + CATALOGUE_KEY_PATH.format(
            account=self.config["RECEIVER_ACCOUNT_ID"]
        )
        try:
            response = requests.get(url, headers=self._headers(), timeout=TIMEOUT)
            response.raise_for_status()
            return x509.load_pem_x509_certificate(response.json()["nokkel"].encode())
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise TransportError(f"Fiks IO-katalogen: {exc}") from exc

    def send(self, *, delivery: ArchiveDelivery, package: bytes, messages: list[Any]) -> list[str]:
        """Each arkivmelding as its own Fiks IO message, in order; the message ids returned."""
        for key in ("ACCOUNT_ID", "RECEIVER_ACCOUNT_ID", "INTEGRATION_ID"):
            if not self.config[key]:
                raise TransportError(f"Fiks IO: {key} er ikke satt opp")
        certificate = self.receiver_certificate()
        ids = []
        for xml, files in messages:
            payload = encrypt(container([(PAYLOAD_NAME, xml), *files]), certificate)
            metadata = {
                "avsenderKontoId": self.config["ACCOUNT_ID"],
                "mottakerKontoId": self.config["RECEIVER_ACCOUNT_ID"],
                "meldingType": MESSAGE_TYPE,
                "ttl": TTL_MS,
                "headere": {},
            }
            try:
                response = requests.post(
                    self.config["API_URL"] + SEND_PATH,
                    headers=self._headers(),
                    files={
                        "metadata": (None, json.dumps(metadata), "application/json"),
                        "data": ("melding.asice.cms", payload, "application/octet-stream"),
                    },
                    timeout=TIMEOUT,
                )
                response.raise_for_status()
                ids.append(str(uuid.UUID(response.json()["meldingId"])))
            except (requests.RequestException, KeyError, ValueError) as exc:
                raise TransportError(f"Fiks IO: {exc}") from exc
        return ids

    def replies(self) -> Iterator[Incoming]:
        """The replies on the account's queue, each acknowledged once it is recorded."""
        if not (self.config["ACCOUNT_ID"] and self.config["INTEGRATION_ID"]):
            return
        certificate = x509.load_pem_x509_certificate(
            _read(self.config["ACCOUNT_CERT_FILE"], "kontoens sertifikat")
        )
        key = serialization.load_pem_private_key(
            _read(self.config["ACCOUNT_KEY_FILE"], "kontoens nøkkel"), None
        )
        parameters = pika.URLParameters(self.config["AMQP_URL"])
        if "@" not in self.config["AMQP_URL"]:
            # Fiks IO's login; a URL with its own user and password (a local broker) keeps it.
            parameters.credentials = pika.PlainCredentials(
                self.config["INTEGRATION_ID"],
                f"{self.config['INTEGRATION_PASSWORD']} {self.token()}",
            )
        try:
            connection = pika.BlockingConnection(parameters)
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"Fiks IO (AMQP): {exc!r}") from exc
        try:
            channel = connection.channel()
            queue = QUEUE_PREFIX + self.config["ACCOUNT_ID"]
            while True:
                method, properties, body = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                headers = properties.headers or {}
                payload = b""
                if body:
                    try:
                        files = container_files(decrypt(body, certificate, key))
                    except (ValueError, zipfile.BadZipFile):
                        files = {}
                    payload = next(
                        (data for name, data in sorted(files.items()) if name.endswith(".xml")),
                        b"",
                    )
                tag = method.delivery_tag
                yield Incoming(
                    message_type=str(headers.get("type", "")),
                    payload=payload,
                    message_id=str(headers.get("svar-til", "")),
                    done=lambda tag=tag: channel.basic_ack(tag),
                )
        except pika.exceptions.AMQPError as exc:
            raise TransportError(f"Fiks IO (AMQP): {exc!r}") from exc
        finally:
            if connection.is_open:
                connection.close()
