"""Real Jupyter kernels for the benchmarks, through the test harness (tests/harness/kernel.py)."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .server import REPO_DIR

if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

from tests.harness.kernel import CellRun, evaluate, execute, running_kernel
from tests.harness.outputs import OutputArea

__all__ = ["CellRun", "OutputArea", "evaluate", "kernel", "timed_cell"]


@contextmanager
def kernel(env: Mapping[str, str]) -> Iterator[Any]:
    """A fresh kernel in an empty folder (no stray .env), shut down on exit."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-kernel-") as folder,
        running_kernel(env, Path(folder), timeout=60) as client,
    ):
        yield client


def timed_cell(client: Any, code: str, timeout: float = 60) -> tuple[float, CellRun]:
    """Seconds from sending the execute request to the kernel's idle status, and the run.

    Raises if the cell failed: a fast error must never pass for a fast answer.
    """
    start = time.perf_counter()
    run = execute(client, code, timeout)
    elapsed = time.perf_counter() - start
    if not run.ok:
        errors = run.of_type("error")
        detail = errors[0]["content"].get("evalue") if errors else run.reply.get("content")
        raise RuntimeError(f"cell failed: {code.splitlines()[0]!r}: {detail}")
    return elapsed, run
