"""The backup drill: an online backup while the app writes, restored into a fresh instance.

Runs on a temporary SQLite file, or on scratch PostgreSQL databases when DATABASE_URL
is set. The restored instance must hold one consistent moment of the source: every
table's rows identical to the source's rows with the same key, every case with its
event and audit entry, the audit chain intact, and every encrypted note readable.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.proofs.instances import Instance, checksum, instances
from tests.proofs.plugin import scale

pytestmark = pytest.mark.proof("Backup and restore")

# The heads of the audit chains are rewritten by every write, so they cannot match the live
# source row for row; the restored chains are verified against the source's anchor instead.
MOVING_ROWS = {"audit_auditchain"}


def start_writer(instance: Instance, count: int):
    command = [sys.executable, "-m", "tests.proofs.drill", "write", str(count)]
    return instance.popen(command, stdout=subprocess.PIPE)


def wait_for_writes(writer, at_least: int) -> int:
    while True:
        line = writer.stdout.readline()
        if not line:
            raise AssertionError("the writer stopped before the backup could start")
        written = int(line.split()[1])
        if written >= at_least:
            return written


def test_an_online_backup_restores_into_a_fresh_instance_with_the_same_rows(
    tmp_path, proof_figures
):
    total = scale(300, 2000)
    with instances(tmp_path, "source", "restored") as (source, restored):
        source.manage("migrate", "--noinput", "-v0")
        writer = start_writer(source, total)
        try:
            before_backup = wait_for_writes(writer, total // 4)
            # The live instance anchors its audit chains; the backup comes after, so it
            # must still reach what the anchor saw.
            source.manage("audit_anchor")
            started = time.monotonic()
            target = tmp_path / ("backup.sqlite3" if source.vendor == "sqlite" else "backup.dump")
            source.manage("backup", "--output", str(target))
            backup_seconds = time.monotonic() - started
            remaining = writer.stdout.read()
        finally:
            writer.wait(timeout=600)
        assert writer.returncode == 0
        assert remaining, "the writer finished before the backup did, so nothing was online"

        started = time.monotonic()
        restored.manage("restore", str(target))
        restore_seconds = time.monotonic() - started

        report = json.loads(
            restored.run([sys.executable, "-m", "tests.proofs.drill", "verify"]).stdout
        )
        restored.manage("audit_verify", "--anchor", str(source.data_dir / "audit-anchor.log"))
        assert restored.manage("migrate", "--check", "--noinput").returncode == 0

        tables = restored.tables()
        assert tables == source.tables()
        mismatched, rows_checked = [], 0
        for table in tables:
            mine = restored.rows(table)
            rows_checked += len(mine)
            if table in MOVING_ROWS:
                continue
            theirs = source.rows(table)
            same_keys = [theirs.get(key, ("missing in source", key)) for key in mine]
            if checksum(list(mine.values())) != checksum(same_keys):
                mismatched.append(table)

    proof_figures.add(checked=rows_checked, lost=len(mismatched) + len(report["chain_problems"]))
    proof_figures.note(f"{source.vendor} backup", f"{backup_seconds:.2f}s")
    proof_figures.note(f"{source.vendor} restore", f"{restore_seconds:.2f}s")
    print(
        f"backup drill ({source.vendor}): {report['cases']} cases in the backup, taken while "
        f"{before_backup}..{total} were being written; {rows_checked} rows in {len(tables)} "
        f"tables checked, {len(mismatched)} tables differ; backup {backup_seconds:.2f} s, "
        f"restore {restore_seconds:.2f} s"
    )
    assert mismatched == []
    assert before_backup + 1 <= report["cases"] <= total + 2
    assert report["cases_without_event"] == report["events_without_case"] == 0
    assert report["cases_without_audit"] == 0
    assert report["chain_problems"] == []
    assert report["values_decrypted"] >= report["cases"]


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    with instances(tmp_path, "busy") as (busy,):
        busy.manage("migrate", "--noinput", "-v0")
        target = tmp_path / "b"
        busy.manage("backup", "--output", str(target))
        result = busy.manage("restore", str(target), check=False)
    assert result.returncode != 0
    assert "restore into a fresh, empty one" in result.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk"
    junk.write_bytes(b"PK\x03\x04 not a backup")
    with instances(tmp_path, "empty") as (empty,):
        result = empty.manage("restore", str(junk), check=False)
    assert result.returncode != 0
    assert "is not" in result.stderr
