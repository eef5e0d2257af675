"""Each reminder e-mail is delivered exactly once, also when the worker is killed with SIGKILL
part-way and started again: `manage.py periodic` on a file SQLite database, with Django's
file e-mail backend, killed right after a message reaches the backend and before the worker
can record it (the window that resends in a naive sender), again and again.

Between runs the test reads the counts straight from the worker's database file with SQL of
its own, rather than through a `manage.py shell` of its own each time (a Django start-up each).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADULTS = 4
# The worker's database, migrated, with four follow-ups three days overdue: each reminds its
# adult and is escalated to the principal.
SETUP = f"""
import datetime as dt
import uuid
from django.core.management import call_command
from django.utils import timezone
from tests.world import PLAN_FILE
from varde.incidents.models import FollowUp
from varde.incidents.services import follow_up_choose, incident_start
from varde.people.models import Municipality, RoleAssignment, School, User
from varde.plan.services import plan_load_file
call_command("migrate", interactive=False, verbosity=0)
plan_load_file(path=PLAN_FILE)
school = School.objects.create(municipality=Municipality.objects.get(slug="lunner"),
                               name="Lunner ungdomsskole", kind="lower_secondary", external_id="LU")
principal = User.objects.create_user("rita@lunner.test", None, full_name="Rita Rektor")
RoleAssignment.objects.create(user=principal, role="principal", school=school)
for n in range({ADULTS}):
    adult = User.objects.create_user(f"adult{{n}}@lunner.test", None, full_name=f"Voksen {{n}}")
    RoleAssignment.objects.create(user=adult, role="teacher", school=school)
    incident = incident_start(actor=principal, school=school, kind="intoxicated",
                              client_token=uuid.uuid4())
    follow_up_choose(actor=principal, incident=incident, adult=adult)
FollowUp.objects.update(due_on=timezone.localdate() - dt.timedelta(days=3))
"""


def manage(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run(env: dict[str, str], *args: str) -> str:
    process = manage(env, *args)
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out.decode()
    return out.decode()


def message_ids(mail_dir: Path) -> list[str]:
    text = "".join(p.read_text(errors="replace") for p in mail_dir.glob("*") if p.is_file())
    return re.findall(r"^Message-ID: (<reminder-[^>]+>)", text, flags=re.MULTILINE)


def count(env: dict[str, str], sql: str) -> int:
    """One count from the worker's database file (settings: VARDE_DATA_DIR/varde.sqlite3),
    read between runs, when no worker is running."""
    path = Path(env["VARDE_DATA_DIR"]) / "varde.sqlite3"
    with sqlite3.connect(path, timeout=20) as connection:
        (found,) = connection.execute(sql).fetchone()
    connection.close()
    return found


def delivered(env: dict[str, str]) -> int:
    return count(env, "SELECT count(*) FROM reminders_outboxmessage WHERE delivered_at IS NOT NULL")


def state(env: dict[str, str]) -> tuple[int, int, int]:
    """Reminders neither sent nor done, messages not delivered, and all reminders."""
    return (
        count(
            env,
            "SELECT count(*) FROM reminders_reminder WHERE sent_at IS NULL AND done_at IS NULL",
        ),
        count(env, "SELECT count(*) FROM reminders_outboxmessage WHERE delivered_at IS NULL"),
        count(env, "SELECT count(*) FROM reminders_reminder"),
    )


# The worker runs on a file SQLite database of its own whatever DATABASE_URL says (env drops
# it), so CI's PostgreSQL job would only run the same thing again: its SQLite job only.
@pytest.mark.any_database
@pytest.mark.proof("Reminders exactly once")
def test_killing_the_worker_mid_delivery_loses_no_reminder_and_sends_none_twice(
    tmp_path, proof_figures
):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.incidents.worker_settings",
        "VARDE_DATA_DIR": str(tmp_path / "data"),
        "VARDE_TEST_MAIL_DIR": str(mail_dir),
        "VARDE_TEST_MAIL_PAUSE": "0.6",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    run(env, "shell", "-c", SETUP)

    kills = kills_in_window = runs = 0
    while runs < 60:
        runs += 1
        seen = len(message_ids(mail_dir))
        worker = manage(env, "periodic")
        # Kill the first five runs as soon as a message reaches the backend; let the rest finish.
        while kills < 5 and worker.poll() is None:
            if len(message_ids(mail_dir)) > seen:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                # Handed over, not recorded: more in the files than the database has delivered.
                if len(message_ids(mail_dir)) > delivered(env):
                    kills_in_window += 1
                break
            time.sleep(0.01)
        worker.wait(timeout=300)
        unsent, undelivered, _ = state(env)
        if kills >= 5 and unsent == 0 and undelivered == 0:
            break
        time.sleep(1.1)  # a killed worker's claim times out after a second

    ids = message_ids(mail_dir)
    twice = {i for i in ids if ids.count(i) > 1}
    unsent, undelivered, reminders = state(env)
    figure = (
        f"exactly once: {reminders} reminders, {runs} worker runs, {kills} SIGKILLs "
        f"({kills_in_window} between delivery and its record), {len(ids)} e-mails, "
        f"{len(twice)} sent twice, {unsent + undelivered} lost"
    )
    print(figure)
    proof_figures.add(requests=runs, faults=kills, checked=reminders, lost=unsent + undelivered)
    assert reminders == 2 * ADULTS, figure
    assert kills == 5 and kills_in_window >= 1, figure
    assert unsent == 0 and undelivered == 0, figure
    assert not twice and len(set(ids)) == reminders == len(ids), figure
