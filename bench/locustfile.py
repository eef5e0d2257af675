"""A mix of staff using Varde, and the floor: the smallest page the same stack serves.

Reads the signed-in staff from BENCH_PEOPLE (written by prepare.py). When BENCH_TIMES names a
file, every successful request's start time, name and response time in milliseconds
(unrounded) are written to it as CSV when the run ends: locust's own percentiles round to whole
milliseconds, which at a floor of a few milliseconds moves a ratio by a tenth or more.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time

from locust import HttpUser, between, events, task

PEOPLE = json.load(open(os.environ["BENCH_PEOPLE"], encoding="utf-8"))
_next = itertools.count()
_lock = threading.Lock()
TIMES: list[tuple[float, str, float]] = []
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
LEADER_INSIGHTS = 4


@events.request.add_listener
def _timed(name: str, response_time: float, exception: object = None, **_: object) -> None:
    if exception is None:
        TIMES.append((time.time() - response_time / 1000, name, response_time))


@events.quitting.add_listener
def _write_times(**_: object) -> None:
    path = os.environ.get("BENCH_TIMES")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(f"{at:.3f},{name},{ms:.3f}\n" for at, name, ms in TIMES)


class Staff(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        with _lock:
            self.person = PEOPLE[next(_next) % len(PEOPLE)]
        self.client.cookies.set("sessionid", self.person["session"])
        self.cases = self.person["cases"]
        self.n = 0
        if self.person["role"] == "principal":
            # Only leaders see the trends. A few leaders among many teachers would give the
            # page too few requests for a median, so they open it about one time in six.
            self.tasks = [*self.tasks, *[Staff.insights] * LEADER_INSIGHTS]

    def case(self) -> int | None:
        self.n += 1
        return self.cases[self.n % len(self.cases)] if self.cases else None

    @task(6)
    def floor(self) -> None:
        self.client.get("/healthz", name="floor /healthz")

    @task(4)
    def start_page(self) -> None:
        self.client.get("/ansatt/", name="start page")

    @task(3)
    def case_list(self) -> None:
        self.client.get("/ansatt/saker/", name="case list")

    @task(3)
    def case_page(self) -> None:
        pk = self.case()
        if pk:
            self.client.get(f"/ansatt/saker/{pk}/", name="case page")

    @task(1)
    def record_conversation(self) -> None:
        pk = self.case()
        if not pk:
            return
        page = self.client.get(f"/ansatt/saker/{pk}/samtale/", name="conversation form").text
        token, version = TOKEN.search(page), VERSION.search(page)
        if not token:
            return
        with self.client.post(
            f"/ansatt/saker/{pk}/samtale/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "step": "record",
                "what_was_said": "Vi snakket om hvordan det går på skolen.",
                "pupil_view": "Det går bedre nå.",
                "weighing": "Elevens syn er lagt stor vekt på.",
                "version": version.group(1) if version else "",
            },
            headers={"Referer": f"{self.host}/ansatt/saker/{pk}/samtale/"},
            name="record conversation",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Saved means a redirect to the case; the form again means it was refused.
            if response.status_code != 302:
                response.failure(f"not saved: {response.status_code}")

    @task(2)
    def call_now(self) -> None:
        self.client.get("/k/lunner/ring/", name="who to call now")

    @task(2)
    def year_plan(self) -> None:
        self.client.get("/ansatt/arshjul/", name="year plan")

    def insights(self) -> None:
        self.client.get("/ansatt/innsikt/", name="insights")
