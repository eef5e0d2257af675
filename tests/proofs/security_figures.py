"""SECURITY.md's table of proof figures, made from the proof files of one commit.

    python tests/proofs/security_figures.py SQLITE_FILE POSTGRESQL_FILE [--write SECURITY.md]

Both files come from `make proofs` (the second with DATABASE_URL=postgres://...). The
table is refused, with the reasons, unless every line ran at full counts, on the commit
checked out now, from a working tree without changes, every proof passed, and each file
ran on the database it is named for. Without --write the section is printed; with it, the
section replaces what stands between the two marker comments in the file given.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script (`python tests/proofs/security_figures.py`): find `tests` from here.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.proofs.summary import FIGURES, ROWS, load, refusals, summarise

BEGIN = "<!-- proof-figures:begin -->"
END = "<!-- proof-figures:end -->"
DATABASES = {"SQLite": "sqlite", "PostgreSQL": "postgresql"}


def head() -> tuple[str, bool]:
    """The commit checked out, and whether the working tree has changes not in it."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    return git("rev-parse", "HEAD"), bool(git("status", "--porcelain"))


def problems(name: str, entries: list[dict], *, commit: str, dirty: bool) -> list[str]:
    found = [f"{name}: {reason}" for reason in refusals(entries)]
    if dirty:
        found.append("the working tree has changes that are not committed; commit them first")
    others = sorted({str(e.get("commit")) for e in entries} - {commit})
    if others:
        found.append(f"{name}: lines from commit {', '.join(others)}, not {commit} (checked out)")
    if any(e.get("dirty", True) for e in entries):
        found.append(f"{name}: some lines ran on a working tree with uncommitted changes")
    vendors = {e["database"] for e in entries} - {"-"}
    if vendors - {DATABASES[name]}:
        found.append(f"{name}: lines ran on {', '.join(sorted(vendors))}, not {DATABASES[name]}")
    table, _passed, failed = summarise(entries)
    if failed:
        bad = [f"{row[1]} ({row[-2]})" for row in table if row[-2] != "pass"]
        found.append(f"{name}: {failed} proofs did not pass: {', '.join(bad)}")
    return found


def cell(entries: list[dict], row: str) -> str:
    recorded = [e for e in entries if e["row"] == row]
    totals = {name: sum(e["figures"].get(name, 0) for e in recorded) for name in FIGURES}
    parts = [f"{value:,} {name}" for name, value in totals.items() if value or name == "lost"]
    notes = sorted({f"{k} {v}" for e in recorded for k, v in e.get("notes", {}).items()})
    text = ", ".join(parts)
    return f"{text} ({'; '.join(notes)})" if notes else text


def section(runs: dict[str, list[dict]], commit: str) -> str:
    days = sorted({e["at"][:10] for entries in runs.values() for e in entries if e.get("at")})
    machines = sorted(
        {e["machine"] for entries in runs.values() for e in entries if e.get("machine")}
    )
    lines = [
        BEGIN,
        "<!-- Written by `make security-figures` from var/proofs-sqlite.jsonl and "
        "var/proofs-postgresql.jsonl; do not edit by hand. -->",
        "",
        f"Measured at commit `{commit}`, full counts, with `make proofs` on SQLite and "
        "`make proofs DATABASE_URL=postgres://...` on PostgreSQL"
        + (f", on {' and '.join(days)}" if days else "")
        + (f" ({'; '.join(machines)})" if machines else "")
        + '. Rows with only "0 lost" come from tests that assert their outcome but count '
        "nothing more.",
        "",
        "| section | proof | " + " | ".join(DATABASES) + " |",
        "|---|---|" + "---|" * len(DATABASES),
    ]
    known = {row for rows in ROWS.values() for row in rows}
    others = sorted({e["row"] for entries in runs.values() for e in entries} - known)
    for name, rows in {**ROWS, "Other": others}.items():
        for row in rows:
            cells = [cell(runs[db], row) for db in DATABASES]
            lines.append(f"| {name} | {row} | " + " | ".join(cells) + " |")
    counts = []
    for db, entries in runs.items():
        _table, passed, failed = summarise(entries)
        counts.append(f"{db} `proofs: {passed} passed, {failed} failed`")
    lines += ["", "; ".join(counts) + ".", END]
    return "\n".join(lines)


def replace_section(text: str, new: str) -> str:
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"expected one {BEGIN} followed by one {END}")
    before, rest = text.split(BEGIN, 1)
    _old, after = rest.split(END, 1)
    return before + new + after


def main(argv: list[str]) -> int:
    args = argv[1:]
    target = None
    if "--write" in args:
        at = args.index("--write")
        target = Path(args[at + 1]) if at + 1 < len(args) else None
        args = args[:at] + args[at + 2 :]
        if target is None:
            print("--write needs a file", file=sys.stderr)
            return 2
    if len(args) != 2:
        print(__doc__.strip().splitlines()[0] + "\n" + __doc__.strip().splitlines()[2])
        return 2
    commit, dirty = head()
    runs = {db: load(Path(path)) for db, path in zip(DATABASES, args, strict=True)}
    found = [
        p for db, entries in runs.items() for p in problems(db, entries, commit=commit, dirty=dirty)
    ]
    if found:
        print("No figures written. The proof files cannot stand for this commit:", file=sys.stderr)
        for problem in dict.fromkeys(found):
            print(f"  - {problem}", file=sys.stderr)
        return 1
    new = section(runs, commit)
    if target is None:
        print(new)
        return 0
    target.write_text(replace_section(target.read_text(encoding="utf-8"), new), encoding="utf-8")
    print(f"{target}: figures for commit {commit} written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
