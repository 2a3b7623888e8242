"""Does each event reach the caller when the server sends it? Latency per streamed event.

The server (an in-process ``FakeProvider``, so both clocks are the same ``time.monotonic``)
sleeps between events. Send times come two ways and both are reported:

* exact: a wrapper around the loopback's ``Connection.write`` stamps each event as it is
  written to the socket;
* schedule: ``RecordedRequest.received_at + first_delay + i * delay`` for the i-th event. The
  real send is a little later than the schedule, so this latency is an upper bound.

An event has arrived when the client has yielded text up to and including it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .answers import markdown_tokens
from .clients import CLIENTS, Client
from .stats import median, percentile

FIRST_DELAY = 0.2


@contextmanager
def stamped_writes() -> Iterator[list[tuple[float, bytes]] | None]:
    """Record ``(monotonic, event bytes)`` for every write of the loopback server, if it can."""
    try:
        from llm_magic.loopback.connection import Connection
    except ImportError:
        yield None
        return
    original = Connection.write
    log: list[tuple[float, bytes]] = []

    def write(self: Any, data: bytes) -> bool:
        log.append((time.monotonic(), data))  # stamped as the write starts
        return original(self, data)

    Connection.write = write  # type: ignore[method-assign]
    try:
        yield log
    finally:
        Connection.write = original  # type: ignore[method-assign]


def _content_events(writes: list[tuple[float, bytes]]) -> list[tuple[int, int, float]]:
    """(event index, cumulative text length, write time) of each event that carries text."""
    found: list[tuple[int, int, float]] = []
    total = 0
    for index, (stamp, data) in enumerate(writes):
        line = data.strip()
        if not line.startswith(b"data: {"):
            continue
        choices = json.loads(line[6:]).get("choices") or [{}]
        text = (choices[0].get("delta") or {}).get("content")
        if text:
            total += len(text)
            found.append((index, total, stamp))
    return found


def _arrivals(client: Client, prompt: str) -> list[tuple[float, int]]:
    """(monotonic, cumulative text length) each time the client hands over text."""
    seen: list[tuple[float, int]] = []
    total = 0
    for text in client.stream(prompt):
        total += len(text)
        seen.append((time.monotonic(), total))
    return seen


def _latencies(events: list[tuple[int, int, float]], arrivals: list[tuple[float, int]],
               received_at: float, delay: float) -> tuple[list[float], list[float]]:
    exact: list[float] = []
    scheduled: list[float] = []
    for index, cumulative, sent in events:
        got = next(t for t, total in arrivals if total >= cumulative)
        exact.append(got - sent)
        scheduled.append(got - (received_at + FIRST_DELAY + index * delay))
    return exact, scheduled


def measure_ttft(names: list[str], rounds: int, events: int, delay: float) -> dict[str, object]:
    """Per client and framing (chunked / close-delimited): event latencies in seconds."""
    from llm_magic.loopback import FakeProvider, Reply

    text = "".join(markdown_tokens(events))
    results: dict[str, object] = {}
    with FakeProvider("deepseek") as server:
        clients = [CLIENTS[name](server.base_url, server.key or "") for name in names]
        for client in clients:  # warm-up: imports, connection pool
            "".join(client.stream("warm up"))
        for chunked in (True, False):
            for client in clients:
                exact: list[float] = []
                scheduled: list[float] = []
                first: list[float] = []
                for _ in range(rounds):
                    server.queue(Reply.answer(text, first_delay=FIRST_DELAY, delay=delay, chunked=chunked))
                    with stamped_writes() as log:
                        arrivals = _arrivals(client, "bench ttft")
                    request = server.requests[-1]
                    if log is None:
                        raise RuntimeError("the loopback server has no Connection.write to stamp")
                    found = _content_events(log)
                    e, s = _latencies(found, arrivals, request.received_at, delay)
                    exact += e
                    scheduled += s
                    first.append(e[0])
                results[f"{client.name}/{'chunked' if chunked else 'close-delimited'}"] = {
                    "events": len(exact),
                    "max_ms": max(exact) * 1e3, "median_ms": median(exact) * 1e3,
                    "p95_ms": percentile(exact, 0.95) * 1e3, "first_token_ms": median(first) * 1e3,
                    "schedule_max_ms": max(scheduled) * 1e3, "schedule_median_ms": median(scheduled) * 1e3,
                }
    return results
