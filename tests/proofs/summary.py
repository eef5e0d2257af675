"""Print one table of the proofs recorded by a run: `python tests/proofs/summary.py FILE`.

A row per promise of docs/quality.md's sections "Access and audit", "Login and sessions",
"Bad input" and "Data that survives". A row passes when every test recorded for it passed;
a row with no test recorded counts as failed, so a promise cannot drop out of the table
unnoticed. Exits non-zero when any row failed.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

FIGURES = ("requests", "inputs", "faults", "checked", "lost")

ROWS: dict[str, list[str]] = {
    "Access and audit": [
        "Authorization matrix",
        "No existence leaks",
        "IDOR sweep",
        "Mass assignment",
        "Revocation",
        "Audit completeness",
        "Fail closed",
        "Tamper evidence",
    ],
    "Login and sessions": [
        "MFA required",
        "Lockout without locking others out",
        "Session rotation and timeouts",
        "Logout ends the session",
        "check --deploy clean",
        "Security headers",
        "OIDC login",
    ],
    "Bad input": [
        "Every form fuzzed",
        "Stored XSS escaped",
        "Missing CSRF token refused",
    ],
    "Data that survives": [
        "Encryption at rest",
        "Tampered ciphertext refused",
        "Key rotation",
        "No lost updates",
        "Crash consistency",
        "Backup and restore",
        "Retention",
    ],
}


def load(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def summarise(entries: list[dict]) -> tuple[list[list[str]], int, int]:
    by_row: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_row[entry["row"]].append(entry)
    known = {row for rows in ROWS.values() for row in rows}
    sections = {**ROWS, "Other": sorted(set(by_row) - known)}
    table: list[list[str]] = []
    passed = failed = 0
    for section, rows in sections.items():
        for row in rows:
            recorded = by_row.get(row, [])
            ok = bool(recorded) and all(entry["passed"] for entry in recorded)
            passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
            totals = {name: sum(e["figures"].get(name, 0) for e in recorded) for name in FIGURES}
            notes = "; ".join(
                sorted({f"{k} {v}" for e in recorded for k, v in e.get("notes", {}).items()})
            )
            databases = ",".join(sorted({e["database"] for e in recorded})) or "-"
            status = "pass" if ok else ("FAIL" if recorded else "MISSING")
            table.append(
                [
                    section,
                    row,
                    str(len(recorded)),
                    *map(str, totals.values()),
                    databases,
                    status,
                    notes,
                ]
            )
    return table, passed, failed


def render(table: list[list[str]]) -> str:
    header = ["section", "proof", "tests", *FIGURES, "db", "result", "notes"]
    rows = [header, *table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    table, passed, failed = summarise(load(Path(argv[1])))
    print(render(table))
    print(f"proofs: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
