"""Print one table of the proofs recorded by a run: `python tests/proofs/summary.py FILE`.

A row per promise of docs/quality.md's sections "Access and audit", "Login and sessions",
"Bad input" and "Data that survives". A row passes when every test recorded for it passed;
a row with no test recorded counts as failed, so a promise cannot drop out of the table
unnoticed. Exits non-zero when any row failed.

The table speaks for one piece of code at full counts, so it also refuses (exits non-zero,
saying why) a file whose lines ran at light counts or come from more than one commit. Add
`--light` to read a run of `make test`'s lighter counts anyway, marked as such.
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


def light_rows(entries: list[dict]) -> list[str]:
    """The rows with at least one test that ran at light counts (or did not say)."""
    return sorted({entry["row"] for entry in entries if entry.get("full") is not True})


def commits(entries: list[dict]) -> set[str]:
    return {str(entry.get("commit", "unknown")) for entry in entries}


def refusals(entries: list[dict], *, allow_light: bool = False) -> list[str]:
    """Why these lines cannot make one table of full-count figures for one commit."""
    found = []
    if not entries:
        found.append("the file holds no proofs at all")
    light = light_rows(entries)
    if light and not allow_light:
        found.append(
            f"{len(light)} rows ran at light counts, not the full counts of `make proofs` "
            f"(VARDE_PROOFS_FULL=1): {', '.join(light)}"
        )
    seen = commits(entries)
    if len(seen) > 1:
        found.append(
            f"the lines come from {len(seen)} commits ({', '.join(sorted(seen))}); "
            "run every proof again on one commit"
        )
    if "unknown" in seen:
        found.append("some lines do not say which commit they ran on")
    return found


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
            counts = (
                "-" if not recorded else ("full" if row not in light_rows(recorded) else "LIGHT")
            )
            table.append(
                [
                    section,
                    row,
                    str(len(recorded)),
                    *map(str, totals.values()),
                    databases,
                    counts,
                    status,
                    notes,
                ]
            )
    return table, passed, failed


def render(table: list[list[str]]) -> str:
    header = ["section", "proof", "tests", *FIGURES, "db", "counts", "result", "notes"]
    rows = [header, *table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 1 or flags - {"--light"}:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    entries = load(Path(args[0]))
    table, passed, failed = summarise(entries)
    print(render(table))
    print(f"proofs: {passed} passed, {failed} failed")
    seen = sorted(commits(entries))
    print(f"commit: {', '.join(seen) or '-'}")
    refused = refusals(entries, allow_light="--light" in flags)
    for reason in refused:
        print(f"summary refused: {reason}", file=sys.stderr)
    return 0 if failed == 0 and not refused else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
