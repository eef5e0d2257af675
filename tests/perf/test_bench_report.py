"""The benchmark's report: percentiles from every response's own time, ratios to the floor."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# Plain Python: the database under the test does not matter.
pytestmark = pytest.mark.any_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentiles_are_the_median_and_nearest_ranks(run) -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert run.percentile(ordered, 0.5) == 50.5
    assert run.percentile(ordered, 0.95) == 95.0
    assert run.percentile(ordered, 0.99) == 99.0
    assert run.percentile([4.6], 0.99) == 4.6


def test_the_report_divides_unrounded_medians_by_the_floors(run, tmp_path, capsys) -> None:
    stats = tmp_path / "stats.csv"
    stats.write_text(
        "Type,Name,Failure Count\nGET,floor /healthz,0\nGET,case page,2\n,Aggregated,2\n"
    )
    times = tmp_path / "times.csv"
    # In the first 10 seconds, while the workers warm up: slow, and left out.
    rows = [(1000.0, "floor /healthz", 90.0), (1005.0, "case page", 900.0)]
    # Then the floor's median is 4.6 ms (locust would print 5) and the case page's 19.4 ms
    # (locust: 19).
    rows += [(1010.0 + n, "floor /healthz", ms) for n, ms in enumerate((4.4, 4.6, 4.9))]
    rows += [(1020.0 + n, "case page", ms) for n, ms in enumerate((18.0, 19.4, 30.0))]
    times.write_text("".join(f"{at},{name},{ms}\n" for at, name, ms in rows))
    run.report(stats, times, warmup=10)
    out = capsys.readouterr().out.splitlines()
    case = next(line for line in out if line.startswith("case page"))
    # 3 responses in the 12 s from the end of the warm-up to the last request: 0.25 per second.
    assert case.split()[2:6] == ["0.2", "3", "19.4", "30.0"]
    assert case.split()[-1] == "4.22x"  # 19.4 / 4.6; rounded inputs would give 3.80x
    assert case.split()[-2] == "2"
    assert out[-1] == "bench: worst p50 ratio 4.22, errors 2"
