"""Varde under gunicorn on 127.0.0.1, for proofs that need a real server process to kill,
and a logged-in HTTP client that behaves like a browser (cookies, CSRF token, TOTP)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import requests
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.proofs.instances import Instance
from tests.totp import totp_counter

# The drill world gives its people these TOTP secrets, so clients can log in over HTTP.
TOTP_SECRETS = {
    "tina@lunner.test": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "rita@lunner.test": "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA",
}
PASSWORD = "korrekt-hest-batteri-stift"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in a process group of its own, so a kill takes the master and its workers."""

    def __init__(self, instance: Instance, *, workers: int = 2) -> None:
        self.instance = instance
        self.port = free_port()
        self.workers = workers
        self.process: subprocess.Popen[str] | None = None
        self.log = instance.data_dir / "gunicorn.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "varde.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--graceful-timeout", "1",
        ]  # fmt: skip
        with self.log.open("a") as log:
            self.process = self.instance.popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not answer within 60 s")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, no goodbye."""
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Browser:
    """One person's session against the server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.session = requests.Session()
        self.requests = 0

    def get(self, path: str, **kwargs: object) -> requests.Response:
        self.requests += 1
        return self.session.get(self.server.url + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data: dict[str, object], **kwargs: object) -> requests.Response:
        self.requests += 1
        token = self.session.cookies.get("csrftoken", "")
        return self.session.post(
            self.server.url + path,
            data={**data, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )

    def login(self, email: str) -> None:
        self.get("/konto/login/")
        response = self.post("/konto/login/", {"login": email, "password": PASSWORD})
        assert response.status_code == 302, response.text[:500]
        code = format_hotp_value(hotp_value(TOTP_SECRETS[email], totp_counter()))
        response = self.post("/konto/2fa/authenticate/", {"code": code})
        assert response.status_code == 302, response.text[:500]
        assert self.get("/ansatt/").status_code == 200


def csrf_token_in(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
