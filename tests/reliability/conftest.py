"""Reliability suite fixtures: fast engine settings, clean connection pools, and the matrix report.

Every fault-matrix test records its outcome in :data:`OUTCOMES`. A test run never rewrites a
tracked file: ``docs/reliability.md`` is written from the outcomes only on request, when the
whole matrix ran (not a ``-k`` subset)::

    LLM_MAGIC_WRITE_RELIABILITY=1 python -m pytest tests/reliability
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

import llm_magic
from llm_magic.wire import transport

from . import matrix

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
#: set to 1 to rewrite DOC at the end of a run of the whole matrix
WRITE_VARIABLE = "LLM_MAGIC_WRITE_RELIABILITY"


@dataclass(frozen=True)
class Outcome:
    """One matrix cell as observed."""

    row: str
    group: str
    stream: bool
    expected: str
    observed: str
    requests_expected: int
    requests_seen: int
    partial: str  # "kept", "none", "LOST" (text arrived but the error did not keep it)
    seconds: float
    passed: bool


class Collector:
    """Outcomes of the matrix tests of this session, in the order they ran."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: list[Outcome] = []

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def complete(self) -> bool:
        return {(o.row, o.stream) for o in self.outcomes} >= matrix.all_cases()


OUTCOMES = Collector()


@pytest.fixture(scope="session")
def matrix_outcomes() -> Collector:
    return OUTCOMES


@pytest.fixture
def fast_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small timeouts and backoff so a stall or a retry costs a fraction of a second."""
    monkeypatch.setattr(llm_magic.settings, "connect_timeout", matrix.CONNECT_TIMEOUT)
    monkeypatch.setattr(llm_magic.settings, "max_retries", matrix.MAX_RETRIES)
    monkeypatch.setattr(llm_magic.settings, "backoff", matrix.BACKOFF)
    monkeypatch.setattr(llm_magic.settings, "timeout", matrix.TIMEOUT)


@pytest.fixture(autouse=True)
def fresh_connections():
    """Each test starts and ends without pooled connections to servers that no longer exist."""
    transport.close_sessions()
    yield
    transport.close_sessions()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(WRITE_VARIABLE) == "1" and OUTCOMES.outcomes and OUTCOMES.complete():
        DOC.write_text(render(OUTCOMES.outcomes), encoding="utf-8")


def render(outcomes: list[Outcome]) -> str:
    by_case = {(o.row, o.stream): o for o in outcomes}
    passed = sum(o.passed for o in by_case.values())
    lines = [
        "# Reliability: the fault matrix",
        "",
        "This file is generated: `LLM_MAGIC_WRITE_RELIABILITY=1 python -m pytest tests/reliability` runs",
        "every row of `tests/reliability/matrix.py` against the loopback fake provider (127.0.0.1), streaming",
        "and not streaming, and rewrites this table when the whole matrix ran. Do not edit it by hand.",
        "",
        f"Settings: timeout {matrix.TIMEOUT:g} s (the wait for the first token, and at most between two tokens), "
        f"connect timeout {matrix.CONNECT_TIMEOUT:g} s, "
        f"max_retries {matrix.MAX_RETRIES}, backoff {matrix.BACKOFF:g} s. Each cell asserts the error class, "
        "a short message with a next step in English and Chinese, the number of requests "
        f"(1, or 1 + {matrix.MAX_RETRIES} for what is retried; never a retry after answer text arrived), "
        f"the partial answer kept when text had arrived, no key in any text, and a time to fail "
        f"within the timeout + {matrix.MARGIN:g} s.",
        "",
        "*requests* counts what the server received; for rows without a working server "
        "(refused, DNS, TLS) it counts the attempts the engine made.",
        "",
        "Rows of the *hostile* group are raw sockets on 127.0.0.1 (`tests/harness/hostile.py`) playing what no "
        "well-behaved server sends: gzip bombs, endless bodies, headers a byte at a time, a 1 MiB header, "
        "completions of the wrong shape. *(answered)* means the call must succeed with the whole answer. "
        "Rows with a `Retry-After` header also check that every retry waited exactly that long; some rows "
        "check words the message or hint must contain (the key's source, the redirect's target). Rows of the "
        "*timeouts* group check that the waits count tokens: keep-alive comments and empty events end at the "
        "silence bound, a steady stream longer than the timeout arrives whole, and `max_time` cuts it.",
        "",
        f"**{len(by_case)} cells ({len(matrix.ROWS)} rows × streaming / not streaming), {passed} passed.**",
        "",
        "| row | group | mode | expected | observed | requests (expected) | partial | seconds | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in matrix.ROWS:
        for stream in matrix.MODES:
            o = by_case[(row.name, stream)]
            lines.append(
                f"| {o.row} | {o.group} | {'stream' if o.stream else 'non-stream'} | {o.expected} | {o.observed} "
                f"| {o.requests_seen} ({o.requests_expected}) | {o.partial} | {o.seconds:.1f} "
                f"| {'pass' if o.passed else '**FAIL**'} |")
    return "\n".join(lines) + "\n"
