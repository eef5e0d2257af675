"""A local stand-in for Fiks IO and the municipality's archive behind it, for the tests.

It speaks the protocol from the other side, with code of its own (the standard library's
HTTP server and e-mail parser, xmlschema rather than lxml, its own XML for the replies):

- a Maskinporten token endpoint that checks the JWT grant's signature against the business
  certificate and hands out a token;
- Fiks IO's catalogue, with the archive account's public certificate;
- Fiks IO's send endpoint: it checks the token and the integration headers, opens the CMS
  payload with the archive's private key, validates the arkivmelding against KS's schema, and
  answers as the archive would, on the sender's AMQP queue in a local RabbitMQ, encrypted to
  the sender's certificate: received (mottatt) and a receipt with a journal number, or one of
  the protocol's error replies, or nothing at all.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pika
import xmlschema
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

STANDARD = Path(__file__).resolve().parents[2] / "varde" / "standards" / "fiks-arkiv-v1"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
KS = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv"
OPPRETT = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett"


def key_and_certificate(name: str, folder: Path) -> tuple[Path, Path, x509.Certificate, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = folder / f"{name}.key.pem"
    cert_path = folder / f"{name}.cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, certificate, key


def receipt_xml(year: int, number: int) -> bytes:
    ns = f"{KS}/arkivmelding/opprett/kvittering/v1"
    system_id = uuid.uuid4()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<arkivmeldingKvittering xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <registreringKvittering xsi:type="journalpostKvittering">
    <systemID>{system_id}</systemID>
    <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>
    <journalaar>{year}</journalaar>
    <journalsekvensnummer>{number}</journalsekvensnummer>
    <journalpostnummer>1</journalpostnummer>
  </registreringKvittering>
</arkivmeldingKvittering>
""".encode()


def error_xml(name: str, text: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{name} xmlns="{KS}/feil/{name}/v1" xmlns:f="{KS}/feil/feilmelding/v1">
  <f:feilId>{uuid.uuid4()}</f:feilId>
  <f:feilmelding>{text}</f:feilmelding>
</{name}>
""".encode()


@dataclass
class FakeFiks:
    folder: Path
    # What the archive answers to the next messages: "receipt", "received-only", "silent",
    # or an error: "ugyldigforespoersel", "ikkefunnet", "serverfeil".
    mode: str = "receipt"
    sender_account: str = field(default_factory=lambda: str(uuid.uuid4()))
    archive_account: str = field(default_factory=lambda: str(uuid.uuid4()))
    integration_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    integration_password: str = "hemmelig-passord"
    client_id: str = "varde-test-klient"
    received: list[dict] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    journal_number: int = 100

    def start(self) -> None:
        self.business_key, self.business_cert, self._business, _ = key_and_certificate(
            "virksomhet", self.folder
        )
        self.archive_key_path, self.archive_cert_path, self._archive_cert, self._archive_key = (
            key_and_certificate("arkiv", self.folder)
        )
        self.varde_key, self.varde_cert, self._varde_cert, _ = key_and_certificate(
            "varde", self.folder
        )
        self.schema = xmlschema.XMLSchema(str(STANDARD / f"{OPPRETT}.xsd"))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.endswith(f"/kontoer/{fake.archive_account}/offentligNokkel"):
                    if not fake._authorised(self.headers):
                        return self._json(401, {"feil": "ikke autentisert"})
                    pem = fake._archive_cert.public_bytes(serialization.Encoding.PEM)
                    return self._json(200, {"nokkel": pem.decode()})
                self._json(404, {})

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/token":
                    return fake._token(self, body)
                if self.path == "/fiks-io/api/v1/send":
                    return fake._send(self, body)
                self._json(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
            connection.channel().queue_declare(self.queue)

    def stop(self) -> None:
        self.server.shutdown()
        with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
            connection.channel().queue_delete(self.queue)

    @property
    def queue(self) -> str:
        return f"fiksio.konto.{self.sender_account}"

    def settings(self) -> dict[str, str]:
        """What a municipality puts in its environment, pointed at this stand-in."""
        return {
            "API_URL": self.url,
            "AMQP_URL": AMQP,
            "ACCOUNT_ID": self.sender_account,
            "ACCOUNT_CERT_FILE": str(self.varde_cert),
            "ACCOUNT_KEY_FILE": str(self.varde_key),
            "RECEIVER_ACCOUNT_ID": self.archive_account,
            "RECEIVER_CERT_FILE": "",
            "INTEGRATION_ID": self.integration_id,
            "INTEGRATION_PASSWORD": self.integration_password,
            "MASKINPORTEN_TOKEN_URL": f"{self.url}/token",
            "MASKINPORTEN_AUDIENCE": "https://maskinporten.no/",
            "MASKINPORTEN_CLIENT_ID": self.client_id,
            "MASKINPORTEN_CERT_FILE": str(self.business_cert),
            "MASKINPORTEN_KEY_FILE": str(self.business_key),
        }

    # ------------------------------------------------------------ the endpoints

    def _token(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        form = dict(pair.split("=", 1) for pair in body.decode().split("&"))
        try:
            claims = jwt.decode(
                form["assertion"],
                self._business.public_key(),
                algorithms=["RS256"],
                audience="https://maskinporten.no/",
            )
        except (jwt.PyJWTError, KeyError):
            return handler._json(400, {"error": "invalid_grant"})
        if claims.get("iss") != self.client_id or claims.get("scope") != "ks:fiks":
            return handler._json(400, {"error": "invalid_scope"})
        token = str(uuid.uuid4())
        self.tokens.add(token)
        handler._json(200, {"access_token": token, "expires_in": 120})

    def _authorised(self, headers) -> bool:
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        return (
            bearer in self.tokens
            and headers.get("IntegrasjonId") == self.integration_id
            and headers.get("IntegrasjonPassord") == self.integration_password
        )

    def _send(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if not self._authorised(handler.headers):
            return handler._json(401, {"feil": "ikke autentisert"})
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        parts = {
            part.get_param("name", header="content-disposition"): part
            for part in message.iter_parts()
        }
        metadata = json.loads(parts["metadata"].get_content())
        payload = parts["data"].get_payload(decode=True)
        opened = pkcs7.pkcs7_decrypt_der(payload, self._archive_cert, self._archive_key, [])
        with zipfile.ZipFile(io.BytesIO(opened)) as container:
            files = {name: container.read(name) for name in container.namelist()}
        xml = files["arkivmelding.xml"]
        valid = self.schema.is_valid(xml.decode())
        message_id = str(uuid.uuid4())
        self.received.append(
            {"metadata": metadata, "files": files, "valid": valid, "id": message_id}
        )
        # The archive answers before the send returns, so a test reads the replies at once.
        self._answer(message_id, valid)
        handler._json(
            200,
            {
                "meldingId": message_id,
                "meldingType": metadata["meldingType"],
                "avsenderKontoId": metadata["avsenderKontoId"],
                "mottakerKontoId": metadata["mottakerKontoId"],
                "ttl": metadata["ttl"],
            },
        )

    def _reply(self, answers: str, message_type: str, payload: bytes | None) -> None:
        body = b""
        if payload is not None:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as container:
                name = (
                    "arkivmelding-kvittering.xml"
                    if message_type.endswith("kvittering")
                    else "feilmelding.xml"
                )
                container.writestr(name, payload)
            body = (
                pkcs7.PKCS7EnvelopeBuilder()
                .set_data(buffer.getvalue())
                .add_recipient(self._varde_cert)
                .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
            )
        headers = {
            "type": message_type,
            "svar-til": answers,
            "melding-id": str(uuid.uuid4()),
            "avsender-id": self.archive_account,
        }
        with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
            connection.channel().basic_publish(
                "", self.queue, body, pika.BasicProperties(headers=headers)
            )

    def _answer(self, message_id: str, valid: bool) -> None:
        mode = self.mode if valid else "ugyldigforespoersel"
        if mode == "silent":
            return
        self._reply(message_id, f"{OPPRETT}.mottatt", None)
        if mode == "received-only":
            return
        if mode == "receipt":
            self.journal_number += 1
            self._reply(message_id, f"{OPPRETT}.kvittering", receipt_xml(2026, self.journal_number))
            return
        self._reply(
            message_id,
            f"no.ks.fiks.arkiv.v1.feilmelding.{mode}",
            error_xml(mode, f"Arkivet sier {mode}"),
        )
