"""Where a line belongs: varde/lib is a leaf, no module imports itself in a circle, views hand
their pages what they show (nothing written onto `request`), and no template tag reads the
database. Read from the source with Python's own parser, not by importing it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "varde"

pytestmark = pytest.mark.any_database


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The Varde modules `path` imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name.startswith("varde.") and name in known:
                yield name


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {name: set(imported(path, known)) - {name} for name, path in known.items()}
    # A package's __init__ is imported with each of its modules; Varde's are empty.
    for name, path in known.items():
        if path.name == "__init__.py":
            assert not path.read_text(encoding="utf-8").strip(), f"{name}/__init__.py is not empty"
            edges[name] = set()
    return edges


def test_lib_imports_no_varde_app():
    edges = graph()
    outside = {
        (name, target)
        for name, targets in edges.items()
        if name.startswith("varde.lib")
        for target in targets
        if not target.startswith("varde.lib")
    }
    assert not outside, sorted(outside)


def cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in on_path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        on_path.add(node)
        for target in sorted(edges.get(node, ())):
            found = visit(target)
            if found:
                return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    return visit(start)


def test_no_module_imports_itself_in_a_circle():
    edges = graph()
    for name in sorted(edges):
        cycle = cycle_from(name, edges)
        assert cycle is None, " -> ".join(cycle or [])


def test_the_circle_check_finds_a_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_from("d", edges) == ["a", "b", "c", "a"]
    assert cycle_from("d", {"d": {"a"}, "a": set()}) is None


def test_no_view_writes_onto_the_request():
    written = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "request"
                ):
                    written.append(f"{name}:{node.lineno} request.{target.attr}")
    assert not written, written


def test_no_template_tag_library_in_varde():
    """The view reads; the template loops. Varde's templates use Django's own tags only."""
    assert not sorted(ROOT.rglob("templatetags")), "template tag libraries in varde/"
