"""SIGKILL the server again and again while a logged-in teacher keeps registering worries
over HTTP: every worry the browser saw saved is there afterwards, whole, and the database
passes its integrity checks. On a temporary SQLite file, or PostgreSQL when DATABASE_URL
is set."""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
import uuid

import pytest
import requests

from tests.proofs.instances import Instance, instances
from tests.proofs.plugin import scale
from tests.proofs.server import Browser, Server

pytestmark = pytest.mark.proof("Crash consistency")


def prepared(instance: Instance) -> dict[str, int]:
    instance.manage("migrate", "--noinput", "-v0")
    instance.manage("collectstatic", "--noinput", "-v0")
    world = instance.run([sys.executable, "-m", "tests.proofs.drill", "world"]).stdout
    return json.loads(world.splitlines()[-1])


class WriteStream(threading.Thread):
    """Registers worries one after another, remembering those the server confirmed."""

    def __init__(self, browser: Browser, pupil: int) -> None:
        super().__init__(daemon=True)
        self.browser = browser
        self.path = f"/ansatt/elever/{pupil}/undring/"
        self.acknowledged: dict[str, str] = {}
        self.refused = 0
        self.server_errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            marker = f"Krasjtest {uuid.uuid4()} æøå"
            form = {"observed": marker, "observed_on": "20.11.2026", "seriousness": "2"}
            try:
                response = self.browser.post(self.path, form)
            except requests.RequestException:
                self.refused += 1  # the server was down or died mid-request: not acknowledged
                time.sleep(0.02)
                continue
            location = response.headers.get("Location", "")
            match = re.search(r"/saker/(\d+)/", location)
            if response.status_code == 302 and match:
                self.acknowledged[match.group(1)] = marker
            elif response.status_code >= 500:
                self.server_errors.append(f"{response.status_code} {response.text[:200]}")


def test_every_acknowledged_write_survives_repeated_sigkill(tmp_path, proof_figures):
    kills = scale(4, 25)
    with instances(tmp_path, "crash") as (instance,):
        ids = prepared(instance)
        server = Server(instance)
        server.start()
        try:
            browser = Browser(server)
            browser.login("tina@lunner.test")
            stream = WriteStream(browser, ids["pupil"])
            stream.start()
            for _ in range(kills):
                time.sleep(random.uniform(0.3, 1.2))
                server.kill()
                server.start()
            time.sleep(0.5)
            stream.stop.set()
            stream.join(timeout=60)
        finally:
            server.stop()
        ledger = tmp_path / "acknowledged.txt"
        ledger.write_text("".join(f"{pk} {text}\n" for pk, text in stream.acknowledged.items()))
        drill = [sys.executable, "-m", "tests.proofs.drill"]
        seen = json.loads(instance.run([*drill, "acknowledged", str(ledger)]).stdout)
        report = json.loads(instance.run([*drill, "verify"]).stdout)
        integrity = instance.integrity_problems()

    lost = len(seen["missing"]) + len(seen["changed"])
    partial = report["cases_without_event"] + report["cases_without_audit"]
    proof_figures.add(
        requests=browser.requests, faults=kills, checked=seen["acknowledged"], lost=lost
    )
    print(
        f"crash ({instance.vendor}): {kills} SIGKILLs, {browser.requests} requests, "
        f"{seen['acknowledged']} writes acknowledged, {stream.refused} refused while down, "
        f"{lost} lost, {partial} partial, {len(integrity)} integrity problems"
    )
    assert stream.acknowledged, "no write got through: the test proved nothing"
    assert seen["missing"] == [] and seen["changed"] == []
    assert partial == 0 and report["events_without_case"] == 0
    assert report["chain_problems"] == []
    assert integrity == []
    assert stream.server_errors == []
