"""1,000 calls with random faults in one process: each answers or raises an LLMError, and nothing leaks."""

from __future__ import annotations

import gc
import os
import random
import threading
import time

import pytest

import llm_magic
from llm_magic.errors import LLMError
from llm_magic.loopback import Reply

CALLS = 1000
WARMUP = 50
SEED = 20261127
TEXT = "机器 学习 让 计算机 从 数据 中 学习 and it learns"

#: (weight, name, replies to queue, outcome): "answer", "partial" (an error keeping text), "error"
MIX = [
    (40, "answer", [Reply.answer(TEXT)], "answer"),
    (8, "503 then answer", [Reply.error(503), Reply.answer(TEXT)], "answer"),
    (6, "429 x3", [Reply.error("rate_limit")] * 3, "error"),
    (6, "401", [Reply.error("auth")], "error"),
    (5, "400", [Reply.error("bad_request")], "error"),
    (5, "close before headers then answer", [Reply.fault("close_before_headers"), Reply.answer(TEXT)], "answer"),
    (6, "close mid-event", [Reply.fault("close_mid_event", after=3, text=TEXT)] * 3, "cut"),
    (5, "close mid-UTF-8", [Reply.fault("close_mid_utf8", after=3, text=TEXT)] * 3, "cut"),
    (5, "error in stream", [Reply.fault("error_in_stream", after=3, text=TEXT)], "cut"),
    (4, "truncated JSON", [Reply.fault("truncated_json", text=TEXT)], "cut"),
    (4, "HTML body", [Reply.fault("html_body")], "error"),
    (1, "stall mid-stream", [Reply.fault("stall_mid_stream", after=3, seconds=30, text=TEXT)], "cut"),
]


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _snapshot() -> dict[str, int]:
    gc.collect()
    return {"threads": threading.active_count(), "fds": _fds(), "rss_kib": _rss_kib()}


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc to count fds and memory")
def test_a_thousand_calls_with_random_faults(fake_provider, monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "backoff", 0.001)
    monkeypatch.setattr(llm_magic.settings, "max_retries", 2)
    server = fake_provider("deepseek")
    rng = random.Random(SEED)
    weights = [w for w, *_ in MIX]
    seen: dict[str, int] = {}
    wrong: list[str] = []

    def one_call(i: int) -> None:
        _, name, replies, outcome = rng.choices(MIX, weights)[0]
        stream = rng.random() < 0.5
        if outcome == "cut" and not stream and name != "error in stream":
            outcome = "error"  # without streaming, a cut body carries no text to keep
        server.reset()  # the server's own request log must not grow during the soak
        server.queue(*replies)
        try:
            answer = llm_magic.ask("deepseek", f"call {i}", stream=stream, timeout=0.5)
        except LLMError as error:
            partial = str(error.partial) if error.partial else ""
            if outcome == "answer" or (outcome == "cut" and stream and not TEXT.startswith(partial or "\0")):
                wrong.append(f"{i} {name} stream={stream}: {error!r} partial={partial!r}")
            seen[f"{name}: {type(error).__name__}"] = seen.get(f"{name}: {type(error).__name__}", 0) + 1
        except BaseException as error:  # anything else is a bug
            wrong.append(f"{i} {name} stream={stream}: not an LLMError: {error!r}")
        else:
            if outcome != "answer" or answer != TEXT:
                wrong.append(f"{i} {name} stream={stream}: answered {answer!r}")
            seen[f"{name}: answer"] = seen.get(f"{name}: answer", 0) + 1

    for i in range(WARMUP):
        one_call(i)
    before = _snapshot()
    started = time.monotonic()
    for i in range(WARMUP, WARMUP + CALLS // 2):
        one_call(i)
    middle = _snapshot()
    for i in range(WARMUP + CALLS // 2, WARMUP + CALLS):
        one_call(i)
    seconds = time.monotonic() - started
    time.sleep(0.2)  # the server's handler threads notice the client left
    after = _snapshot()
    print(f"\nsoak: {CALLS} calls in {seconds:.1f} s; before {before}, middle {middle}, after {after}")
    print("outcomes:", dict(sorted(seen.items())))

    assert not wrong, wrong[:10]
    assert sum(seen.values()) == WARMUP + CALLS
    # the pool keeps one connection alive: its socket here and the server's, and one handler thread
    assert after["threads"] <= before["threads"] + 2, (before, after)
    assert after["fds"] <= before["fds"] + 4, (before, after)
    assert after["rss_kib"] - middle["rss_kib"] < 4 * 1024, (middle, after)
    assert seconds < 60
