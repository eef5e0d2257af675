"""The proofs table and SECURITY.md's figures refuse lines that do not speak for one commit at
full counts."""

from __future__ import annotations

import json

import pytest

from tests.proofs import security_figures, summary
from tests.proofs.summary import ROWS

COMMIT = "a" * 40


def line(row: str, **changes: object) -> dict:
    entry = {
        "row": row,
        "test": f"tests/x.py::test_{row}",
        "passed": True,
        "figures": {"requests": 10, "inputs": 0, "faults": 0, "checked": 10, "lost": 0},
        "notes": {},
        "database": "sqlite",
        "full": True,
        "commit": COMMIT,
        "dirty": False,
        "at": "2026-12-06T12:00:00+00:00",
        "machine": "2 cores, Python 3.11.7",
    }
    return {**entry, **changes}


def every_row(**changes: object) -> list[dict]:
    return [line(row, **changes) for rows in ROWS.values() for row in rows]


def run(tmp_path, entries: list[dict], *flags: str) -> int:
    path = tmp_path / "proofs.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return summary.main(["summary.py", str(path), *flags])


def test_the_summary_passes_a_full_run_of_one_commit(tmp_path, capsys):
    assert run(tmp_path, every_row()) == 0
    assert f"commit: {COMMIT}" in capsys.readouterr().out


def test_the_summary_refuses_light_rows_and_names_them(tmp_path, capsys):
    entries = every_row()
    entries[2] = line(entries[2]["row"], full=False)
    assert run(tmp_path, entries) == 1
    error = capsys.readouterr().err
    assert "1 rows ran at light counts" in error and entries[2]["row"] in error
    assert run(tmp_path, entries, "--light") == 0


def test_the_summary_refuses_lines_of_two_commits(tmp_path, capsys):
    entries = every_row()
    entries[0] = line(entries[0]["row"], commit="b" * 40)
    assert run(tmp_path, entries) == 1
    assert "2 commits" in capsys.readouterr().err


def test_a_line_without_a_commit_is_refused(tmp_path, capsys):
    entries = every_row()
    del entries[0]["commit"]
    assert run(tmp_path, entries, "--light") == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"full": False}, "light counts"),
        ({"commit": "b" * 40}, "not " + COMMIT),
        ({"dirty": True}, "uncommitted changes"),
        ({"database": "postgresql"}, "not sqlite"),
        ({"passed": False}, "did not pass"),
    ],
)
def test_security_figures_refuse_what_does_not_belong_to_the_commit(change, reason):
    entries = every_row()
    entries[3] = line(entries[3]["row"], **change)
    found = security_figures.problems("SQLite", entries, commit=COMMIT, dirty=False)
    assert any(reason in problem for problem in found), found


def test_security_figures_refuse_a_dirty_working_tree():
    found = security_figures.problems("SQLite", every_row(), commit=COMMIT, dirty=True)
    assert any("not committed" in problem for problem in found)


def test_security_figures_refuse_a_missing_proof():
    entries = every_row()[1:]
    found = security_figures.problems("SQLite", entries, commit=COMMIT, dirty=False)
    assert any("MISSING" in problem for problem in found), found


def test_the_figures_section_names_the_commit_and_goes_between_the_markers():
    runs = {"SQLite": every_row(), "PostgreSQL": every_row(database="postgresql")}
    assert security_figures.problems("SQLite", runs["SQLite"], commit=COMMIT, dirty=False) == []
    assert (
        security_figures.problems("PostgreSQL", runs["PostgreSQL"], commit=COMMIT, dirty=False)
        == []
    )
    section = security_figures.section(runs, COMMIT)
    assert f"commit `{COMMIT}`" in section
    assert "| Access and audit | IDOR sweep | 10 requests, 10 checked, 0 lost |" in section
    document = (
        f"# Security\n\nbefore\n{security_figures.BEGIN}\nold\n{security_figures.END}\nafter\n"
    )
    replaced = security_figures.replace_section(document, section)
    assert "old" not in replaced and replaced.startswith("# Security\n\nbefore\n")
    assert replaced.endswith("\nafter\n") and replaced.count(security_figures.BEGIN) == 1


def test_security_md_has_the_markers_the_figures_go_between():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "SECURITY.md").read_text(encoding="utf-8")
    security_figures.replace_section(text, "new")
