"""Targets 3 and 4: what llm_magic adds per call and per streamed token over a bare loop.

Per call: short non-streaming answers, llm_magic.ask() against one requests.Session plus
json.loads. Per token: a long answer of one-word events with no server delay, so per-event
work dominates; whole-call wall time is divided by the token count (nothing subtracted).
CPU time per token is reported too: the server runs in another process, so the client's CPU
time is exactly the client's own work, which the wall clock can hide behind the server.
"""

from __future__ import annotations

from lib.context import Context
from lib.report import Row, times, us
from lib.stats import median, paired_ratio

CALL_TARGET = 1.15
TOKEN_TARGET = 1.5


def _pair(ctx: Context, mode: str, client: str, **options: object) -> dict:
    ctx.log(f"{mode}: {client} vs bare")
    return ctx.worker(mode, [client, "bare"], **options)


def per_call(ctx: Context) -> Row:
    options = {"rounds": 5, "per_round": 10} if ctx.quick else {"rounds": 15, "per_round": 30}
    samples = _pair(ctx, "calls", "llm_magic", **options)["seconds_per_call"]
    result = paired_ratio(samples, "llm_magic", "bare")
    row = Row("3", "per call, non-streaming", us(median(samples["llm_magic"])),
              f"bare requests: {us(median(samples['bare']))}", times(result),
              f"≤ {CALL_TARGET:.2f}x", result <= CALL_TARGET, details={"samples": samples, "ratio": result})
    if row.met is False:
        row.note = (f"missed by {result / CALL_TARGET - 1:.1%}: "
                    f"{us(median(samples['llm_magic']) - median(samples['bare']))} more per call than the bare loop")
    for name in ("openai", "litellm", "llm"):
        row.alternatives[_title(name)] = "not installed"
    alt_options = {**options, "rounds": min(options["rounds"], 7)}  # slow libraries: fewer rounds
    for name in ctx.client_alternatives():
        try:
            alt = _pair(ctx, "calls", name, **alt_options)["seconds_per_call"]
        except RuntimeError as error:
            row.alternatives[_title(name)] = "failed"
            row.details[name] = str(error)
            continue
        alt_ratio = paired_ratio(alt, name, "bare")
        row.alternatives[_title(name)] = f"{us(median(alt[name]))} ({times(alt_ratio)})"
        row.details[name] = {"samples": alt, "ratio": alt_ratio}
    return row


def per_token(ctx: Context) -> Row:
    options = {"rounds": 5, "tokens": 1000} if ctx.quick else {"rounds": 15, "tokens": 2000}
    data = _pair(ctx, "stream", "llm_magic", **options)
    wall, cpu = data["seconds_per_token"], data["cpu_seconds_per_token"]
    result = paired_ratio(wall, "llm_magic", "bare")
    cpu_ratio = paired_ratio(cpu, "llm_magic", "bare")
    row = Row("4", f"per streamed token ({options['tokens']}-token answer)",
              us(median(wall["llm_magic"])), f"bare iter_lines: {us(median(wall['bare']))}",
              f"{times(result)} wall (CPU {times(cpu_ratio)}: {us(median(cpu['llm_magic']))} vs "
              f"{us(median(cpu['bare']))})",
              f"≤ {TOKEN_TARGET:.2f}x", result <= TOKEN_TARGET,
              details={"wall": wall, "cpu": cpu, "ratio": result, "cpu_ratio": cpu_ratio})
    if row.met is False:
        row.note = (f"missed by {result / TOKEN_TARGET - 1:.1%}: the client spends "
                    f"{us(median(cpu['llm_magic']))} of CPU per token against {us(median(cpu['bare']))} "
                    "for the bare loop (each event passes the SSE decoder, the answer builder and the "
                    "generator chain stream → run_call → _attempt → _read_stream → add_chunk)")
    for name in ("openai", "litellm", "llm"):
        row.alternatives[_title(name)] = "not installed"
    alt_options = {**options, "rounds": min(options["rounds"], 7)}  # slow libraries: fewer rounds
    for name in ctx.client_alternatives():
        try:
            alt = _pair(ctx, "stream", name, **alt_options)
        except RuntimeError as error:
            row.alternatives[_title(name)] = "failed"
            row.details[name] = str(error)
            continue
        alt_ratio = paired_ratio(alt["seconds_per_token"], name, "bare")
        row.alternatives[_title(name)] = f"{us(median(alt['seconds_per_token'][name]))} ({times(alt_ratio)})"
        row.details[name] = {**alt, "ratio": alt_ratio}
    return row


def _title(client: str) -> str:
    return {"openai": "openai SDK", "litellm": "LiteLLM", "llm": "llm (simonw)"}[client]
