"""Audited page views per second when many municipalities write to the audit log at once.

Each of PROCESSES processes plays page views: in one transaction, read a row and append the
audit entry a page that shows personal data appends, for the municipality it is given (the
processes take the MUNICIPALITIES in turn), for SECONDS seconds. Prints page views per second
in all and per process. Meant for PostgreSQL, where app servers write at the same time:

    createdb varde_auditbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/varde_auditbench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/audit_append.py --municipalities 2 --processes 20 --seconds 20
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "varde.settings")
    import django

    django.setup()


def municipality_ids(count: int) -> list[int]:
    from varde.people.models import Municipality

    return [
        Municipality.objects.get_or_create(
            slug=f"audit-bench-{i}", defaults={"name": f"Auditbenk {i}"}
        )[0].pk
        for i in range(count)
    ]


def play(
    municipality_id: int, seconds: float, start: float, results: multiprocessing.Queue
) -> None:
    setup()
    from django.db import connection, transaction

    from varde.audit.services import audit_record
    from varde.people.models import Municipality

    while time.time() < start:
        time.sleep(0.001)
    deadline = start + seconds
    views = 0
    while time.time() < deadline:
        with transaction.atomic():
            Municipality.objects.filter(pk=municipality_id).first()
            audit_record(
                actor=None,
                action="read",
                object_type="case",
                object_id=views,
                municipality_id=municipality_id,
                reason="Benk",
            )
        views += 1
    connection.close()
    results.put(views)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=2)
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    setup()
    from django.db import connection

    ids = municipality_ids(args.municipalities)
    connection.close()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = time.time() + 2 * args.processes  # every process set up before the clock starts
    workers = [
        context.Process(target=play, args=(ids[i % len(ids)], args.seconds, start, results))
        for i in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    total = sum(counts)
    print(
        f"audit append: {args.municipalities} municipalities, {args.processes} processes, "
        f"{args.seconds:.0f} s: {total / args.seconds:.0f} page views/s "
        f"({min(counts)}–{max(counts)} per process), {connection.vendor}"
    )


if __name__ == "__main__":
    main()
