"""Target 5: every streamed event reaches the caller within 10 ms of being sent, with chunked
transfer encoding and with a close-delimited body (where a bare ``iter_lines`` holds lines
back until 512 bytes arrive: requests' own buffering, psf/requests#2433)."""

from __future__ import annotations

from lib.context import Context
from lib.report import Row

TARGET_MS = 10.0
METHOD = ("send times stamped by wrapping the loopback's Connection.write (same process, "
          "time.monotonic); cross-checked against the schedule received_at + first_delay + i·delay")


def latency(ctx: Context) -> list[Row]:
    rounds, events = (1, 8) if ctx.quick else (3, 15)
    clients = ["llm_magic", "bare"] + (["openai"] if ctx.installed("openai") else [])
    ctx.log(f"event latency: {', '.join(clients)}")
    data = ctx.worker("ttft", clients, rounds=rounds, events=events, delay=0.05)
    rows = []
    for framing in ("chunked", "close-delimited"):
        ours, bare = data[f"llm_magic/{framing}"], data[f"bare/{framing}"]
        row = Row("5", f"event latency, {framing} ({ours['events']} events, 50 ms apart)",
                  f"max {ours['max_ms']:.1f} ms, first token {ours['first_token_ms']:.1f} ms",
                  f"bare iter_lines: max {bare['max_ms']:.1f} ms",
                  f"median {ours['median_ms']:.2f} ms; by schedule max {ours['schedule_max_ms']:.1f} ms",
                  f"each ≤ {TARGET_MS:.0f} ms", ours["max_ms"] <= TARGET_MS,
                  details={"method": METHOD, **{k: v for k, v in data.items() if k.endswith(framing)}})
        row.alternatives["openai SDK"] = (f"max {data[f'openai/{framing}']['max_ms']:.1f} ms"
                                          if f"openai/{framing}" in data else "not installed")
        row.alternatives["LiteLLM"] = row.alternatives["llm (simonw)"] = "not measured"
        rows.append(row)
    return rows
