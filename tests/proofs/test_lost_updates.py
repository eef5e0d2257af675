"""Two people save the evaluation of the same measure at the same moment, from the same
version: one is saved, the other is told and keeps both texts to merge. Never a silent
overwrite. Through gunicorn with two workers, on SQLite or PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import re
import threading

import pytest

from tests.proofs.instances import instances
from tests.proofs.plugin import scale
from tests.proofs.server import Browser, Server
from tests.proofs.test_crash import prepared

pytestmark = pytest.mark.proof("No lost updates")

MERGE_MESSAGE = "Noen andre har lagret en evaluering mens du skrev"


def version_on(page: str) -> int:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "the form carries no version"
    return int(match.group(1))


def race(path: str, people: dict[str, Browser], version: int, number: int) -> dict[str, object]:
    start = threading.Barrier(len(people))
    answers: dict[str, object] = {}

    def save(name: str, browser: Browser) -> None:
        text = f"{name} lagret evaluering nr {number}"
        start.wait()
        answers[name] = browser.post(path, {"evaluation": text, "version": version})

    threads = [threading.Thread(target=save, args=item) for item in people.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_people_saving_the_same_record_never_overwrite_each_other(tmp_path, proof_figures):
    races = scale(25, 1000)
    silent = told = merged = 0
    problems: list[str] = []
    with instances(tmp_path, "races") as (instance,):
        ids = prepared(instance)
        server = Server(instance, workers=2)
        server.start()
        try:
            people = {"tina": Browser(server), "rita": Browser(server)}
            people["tina"].login("tina@lunner.test")
            people["rita"].login("rita@lunner.test")
            path = f"/ansatt/saker/{ids['case']}/tiltak/{ids['measure']}/"
            for number in range(races):
                version = version_on(people["tina"].get(path).text)
                answers = race(path, people, version, number)
                saved = [name for name, r in answers.items() if r.status_code == 302]
                stopped = [name for name, r in answers.items() if MERGE_MESSAGE in r.text]
                if len(saved) > 1:
                    silent += 1
                if len(saved) != 1 or len(stopped) != 1:
                    problems.append(f"race {number}: {[r.status_code for r in answers.values()]}")
                    continue
                told += 1
                page = answers[stopped[0]].text
                mine = f"{stopped[0]} lagret evaluering nr {number}"
                theirs = f"{saved[0]} lagret evaluering nr {number}"
                # The loser keeps their own text in the field and sees the other's to merge.
                if mine in page and theirs in page and version_on(page) == version + 1:
                    merged += 1
                final = people["tina"].get(path).text
                if theirs not in final or version_on(final) != version + 1:
                    problems.append(f"race {number}: the saved text is not the one shown")
            requests_made = sum(b.requests for b in people.values())
        finally:
            server.stop()
    proof_figures.add(requests=requests_made, inputs=races, checked=races, lost=silent)
    print(
        f"lost updates ({instance.vendor}): {races} races, {told} told, {merged} could merge, "
        f"{silent} silent overwrites"
    )
    assert silent == 0
    assert problems == []
    assert told == merged == races
