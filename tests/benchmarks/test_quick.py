"""The benchmark script runs, and its display-traffic counts (target 6) are within target.

Only counts are checked here: message numbers and bytes do not depend on how busy the machine
is. Timings are reported by ``benchmarks/run.py`` and judged in benchmarks/RESULTS.md, never
asserted in the test suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_run() -> dict:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--json", "--no-alternatives"],
        capture_output=True, text=True, timeout=240, cwd=str(REPO))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.kernel
def test_quick_run_measures_every_target(quick_run: dict) -> None:
    assert quick_run["errors"] == []
    assert {row["target"] for row in quick_run["rows"]} == {"1", "2", "3", "4", "5", "6", "7", "9"}
    assert quick_run["machine"]["cores"]


def _display_rows(run: dict) -> list[dict]:
    rows = [row for row in run["rows"] if row["target"] == "6"]
    assert rows, "no display-traffic row"
    return rows


@pytest.mark.kernel
def test_display_traffic_counts(quick_run: dict) -> None:
    for row in _display_rows(quick_run):
        traffic = row["details"]
        # at least the first display and the final one; far fewer than one per token
        assert 2 <= traffic["messages"] < traffic["naive"]["messages"]
        assert traffic["wire_bytes"] < traffic["naive"]["wire_bytes"]
        # the payload alone (no message headers) stays within the 10x budget
        assert traffic["content_bytes"] <= 10 * traffic["final_rendered_bytes"]


@pytest.mark.kernel
def test_display_traffic_bytes_within_target(quick_run: dict) -> None:
    for row in _display_rows(quick_run):
        traffic = row["details"]
        assert traffic["wire_bytes"] <= 10 * traffic["final_rendered_bytes"]
        assert traffic["visible_outputs"] == 1 and traffic["by_type"]["comm_open"] == 0
