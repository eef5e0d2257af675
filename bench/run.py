"""`make bench`: serve Varde the way `make run` does, fill it with one scale of generated
data, drive it with locust and compare every page's median with the floor's.

Environment: SCALE (municipality), USERS (50), DURATION (70s), WARMUP (10: the first seconds,
left out of the figures), WORKERS (3), DATABASE_URL (SQLite in a temporary data directory when
unset), SEED (1), VARDE_DATA_DIR (a temporary directory when unset). A database that already
holds the scale's generated schools is used as it is, so a national run generates once: keep
its VARDE_DATA_DIR, which holds the keys its sealed fields were written with. On PostgreSQL
the run ends with bench/insights.py.

The task worker runs as in `make run`, but the periodic tick is not queued: on generated data
every old open case has overdue steps, and the tick's first round would write reminders for
most of them, which measures that backlog rather than the pages.
"""

from __future__ import annotations

import csv
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FLOOR = "floor /healthz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"bench: the app did not answer on {url}")


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (the median interpolates)."""
    if share == 0.5:
        return statistics.median(ordered)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(stats_csv: Path, times_csv: Path, *, warmup: float = 0.0) -> None:
    """Errors from locust's statistics; rates and percentiles from every response's own time,
    leaving out the first `warmup` seconds, while each worker still compiles its templates."""
    with stats_csv.open(encoding="utf-8") as rows:
        stats = [row for row in csv.DictReader(rows) if row["Name"] != "Aggregated"]
    with times_csv.open(encoding="utf-8") as rows:
        records = [(float(at), name, float(ms)) for at, name, ms in csv.reader(rows)]
    first = min(at for at, _, _ in records) + warmup
    kept = [(at, name, ms) for at, name, ms in records if at >= first]
    seconds = max(at for at, _, _ in kept) - first or 1.0
    times: dict[str, list[float]] = {}
    for _, name, ms in kept:
        times.setdefault(name, []).append(ms)
    for ordered in times.values():
        ordered.sort()
    floor = percentile(times[FLOOR], 0.5)
    print(
        f"{'page':<22}{'rps':>8}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'p50/floor':>11}"
    )
    worst, errors = 0.0, 0
    for row in sorted(stats, key=lambda r: r["Name"]):
        ordered = times.get(row["Name"]) or [float("nan")]
        count = len(times.get(row["Name"], []))
        rate = count / seconds
        p50, p95, p99 = (percentile(ordered, share) for share in (0.5, 0.95, 0.99))
        ratio = p50 / floor if floor else float("inf")
        failures = int(row["Failure Count"])
        errors += failures
        if row["Name"] != FLOOR:
            worst = max(worst, ratio)
        print(
            f"{row['Name']:<22}{rate:>8.1f}{count:>7}{p50:>9.1f}{p95:>9.1f}"
            f"{p99:>9.1f}{failures:>8}{ratio:>10.2f}x"
        )
    print(f"bench: worst p50 ratio {worst:.2f}, errors {errors}")


def main() -> None:
    scale = os.environ.get("SCALE", "municipality")
    users = os.environ.get("USERS", "50")
    duration = os.environ.get("DURATION", "70s")
    workers = os.environ.get("WORKERS", "3")
    port = free_port()
    data = Path(os.environ.get("VARDE_DATA_DIR") or tempfile.mkdtemp(prefix="varde-bench-"))
    env = {
        **os.environ,
        "VARDE_DATA_DIR": str(data),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "varde.settings",
    }
    print(f"bench: {scale} scale, data in {data}", file=sys.stderr)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_plan", "varde/plan/content/lunner.yaml")
    manage(env, "collectstatic", "--noinput", "-v0")
    if generated(env, scale):
        print(f"bench: the database already holds {scale} scale; not generating", file=sys.stderr)
    else:
        manage(env, "generate", "--scale", scale, "--seed", os.environ.get("SEED", "1"))
    people = data / "people.json"
    subprocess.run(
        [PY, str(ROOT / "bench" / "prepare.py"), str(people)], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "varde.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [PY, "manage.py", "db_worker", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data / "worker.log").open("w"),
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        prefix = data / "locust"
        subprocess.run(
            [
                str(Path(PY).parent / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "-u",
                users,
                "-r",
                "10",
                "-t",
                duration,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "BENCH_PEOPLE": str(people), "BENCH_TIMES": str(data / "times.csv")},
            stdout=subprocess.DEVNULL,
            stderr=(data / "locust.log").open("w"),
            check=False,
        )
        report(
            Path(f"{prefix}_stats.csv"),
            data / "times.csv",
            warmup=float(os.environ.get("WARMUP", "10")),
        )
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=30)
    if env.get("DATABASE_URL", "").startswith("postgres"):
        # Recount first: the run recorded conversations, and the tick was not running.
        subprocess.run(
            [PY, str(ROOT / "bench" / "insights.py"), "--refresh"], cwd=ROOT, env=env, check=True
        )


def generated(env: dict[str, str], scale: str) -> bool:
    """Whether the database already holds at least the scale's generated schools."""
    check = (
        "from varde.web.generate import SCALES; from varde.people.models import School; "
        f"n = School.objects.filter(external_id__startswith='GEN').count(); "
        f"print(int(n >= SCALES[{scale!r}].schools))"
    )
    found = subprocess.run(
        [PY, "manage.py", "shell", "-c", check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip().endswith("1")


if __name__ == "__main__":
    main()
