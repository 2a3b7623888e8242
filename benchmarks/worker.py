"""A measuring child process: ``python benchmarks/worker.py MODE --clients a,b ...`` prints JSON.

Each library is measured in a fresh process, paired with the bare baseline in that same
process, so one library's imports (LiteLLM loads hundreds of modules) cannot slow another's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib.answers import Script, markdown_answer
from lib.clients import CLIENTS, Client
from lib.stats import paired_rounds


def _check(client: Client, prompt: str, expected: str, streaming: bool) -> None:
    """Refuse to time a client that does not get the right answer (an error path is fast)."""
    text = "".join(client.stream(prompt)) if streaming else client.call(prompt)
    if text != expected:
        raise SystemExit(f"{client.name} got {text[:80]!r}..., expected {expected[:80]!r}...")


def measure_calls(clients: list[Client], args: argparse.Namespace) -> dict[str, object]:
    """Non-streaming calls: wall seconds per call, one sample per round of ``per_round`` calls."""
    prompt = Script(tokens=args.tokens).prompt()
    for client in clients:
        _check(client, prompt, markdown_answer(args.tokens), streaming=False)
        for _ in range(args.per_round):
            client.call(prompt)

    def timed(client: Client) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            for _ in range(args.per_round):
                client.call(prompt)
            return (time.perf_counter() - start) / args.per_round
        return run

    samples = paired_rounds({c.name: timed(c) for c in clients}, args.rounds)
    return {"seconds_per_call": samples}


def measure_stream(clients: list[Client], args: argparse.Namespace) -> dict[str, object]:
    """Streamed calls with many small events: wall and CPU seconds per token of whole calls."""
    prompt = Script(tokens=args.tokens).prompt()
    for client in clients:
        _check(client, prompt, markdown_answer(args.tokens), streaming=True)
    cpu: dict[str, list[float]] = {c.name: [] for c in clients}

    def timed(client: Client) -> Callable[[], float]:
        def run() -> float:
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in client.stream(prompt):
                pass
            cpu[client.name].append((time.process_time() - start_cpu) / args.tokens)
            return (time.perf_counter() - start) / args.tokens
        return run

    samples = paired_rounds({c.name: timed(c) for c in clients}, args.rounds)
    return {"seconds_per_token": samples, "cpu_seconds_per_token": cpu}


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_memory(clients: list[Client], args: argparse.Namespace) -> dict[str, object]:
    """Resident memory growth over ``calls`` calls (half plain, half streamed) after a warm-up."""
    prompt = Script(tokens=args.tokens).prompt()
    growth: dict[str, float] = {}
    for client in clients:
        for index in range(50):
            client.call(prompt) if index % 2 else "".join(client.stream(prompt))
        gc.collect()
        before = _rss()
        for index in range(args.calls):
            client.call(prompt) if index % 2 else "".join(client.stream(prompt))
        gc.collect()
        growth[client.name] = (_rss() - before) / 2**20
    return {"rss_growth_mib": growth, "calls": args.calls}


MODES = {"calls": measure_calls, "stream": measure_stream, "memory": measure_memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=[*sorted(MODES), "ttft"])
    parser.add_argument("--clients", default="llm_magic,bare")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    names = args.clients.split(",")
    if args.mode == "ttft":
        from lib.ttft import measure_ttft

        result = measure_ttft(names, args.rounds, args.events, args.delay)
    else:
        clients = [CLIENTS[name](args.base_url, args.key) for name in names]
        result = MODES[args.mode](clients, args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
