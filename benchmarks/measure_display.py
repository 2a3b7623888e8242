"""Target 6: display traffic of a streamed answer in a real kernel.

For answers of 500, 2,000 and 4,000 tokens arriving at 50 tokens/s, the bytes of all
``display_data`` / ``update_display_data`` messages must stay within 10x the final answer's
rendered size, while the output refreshes at least every 0.5 s. Counted from the iopub
messages a real kernel sends (what a front end receives):

* message bytes: each message's ``content`` (data, metadata, transient) as Jupyter serializes
  it; the wire adds a header and parent header per message, reported separately;
* rendered size: the UTF-8 bytes of the final message's ``data`` values (what is shown);
* refresh gap: the longest time between consecutive display messages, by their header dates
  (stamped by the kernel when it sends), from the first display to the last.

The naive baseline re-renders the whole Markdown on every token: one update per token
carrying ``{"text/markdown": text so far}``.
"""

from __future__ import annotations

import json
from typing import Any

from lib.answers import Script, markdown_tokens
from lib.context import Context
from lib.kernel import kernel, timed_cell
from lib.report import Row, kib, times

BYTES_TARGET = 10.0
GAP_TARGET = 0.5
DELAY = 0.02  # 50 tokens/s
NO_DISPLAY = {"openai SDK": "n/a (no display)", "LiteLLM": "n/a (no display)", "llm (simonw)": "n/a (no display)"}


def _json_size(value: Any) -> int:
    # jupyter_client's packer: UTF-8 JSON, non-ASCII kept as is
    return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))


def traffic(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts, bytes and refresh gaps of a cell's display messages."""
    displays = [m for m in messages if m["msg_type"] in ("display_data", "update_display_data")]
    if not displays:
        raise RuntimeError("the cell displayed nothing")
    content = sum(_json_size(m["content"]) for m in displays)
    wire = content + sum(_json_size(m["header"]) + _json_size(m["parent_header"])
                         + _json_size(m["metadata"]) for m in displays)
    final = sum(len(str(v).encode("utf-8")) for v in displays[-1]["content"]["data"].values())
    stamps = [m["header"]["date"].timestamp() for m in displays]
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"messages": len(displays), "content_bytes": content, "wire_bytes": wire,
            "final_rendered_bytes": final, "ratio": content / final, "wire_ratio": wire / final,
            "max_gap_s": max(gaps, default=0.0), "span_s": stamps[-1] - stamps[0],
            "final_text": displays[-1]["content"]["data"].get("text/plain", "")}


def naive(tokens: list[str]) -> dict[str, Any]:
    """One update per token, each carrying the whole text so far (what a plain loop sends)."""
    text, total = "", 0
    transient = {"display_id": "0" * 32}
    for token in tokens:
        text += token
        total += _json_size({"data": {"text/markdown": text}, "metadata": {}, "transient": transient})
    return {"messages": len(tokens), "content_bytes": total}


def display(ctx: Context) -> list[Row]:
    sizes = (500,) if ctx.quick else (500, 2000, 4000)
    rows: list[Row] = []
    with kernel(ctx.server.env()) as client:
        timed_cell(client, "%load_ext llm_magic")
        timed_cell(client, f"%%llm deepseek\n{Script(tokens=5).prompt()}")  # imports, off the record
        for size in sizes:
            ctx.log(f"display: {size} tokens at {1 / DELAY:.0f} tokens/s ({size * DELAY:.0f} s)")
            cell = f"%%llm deepseek\n{Script(tokens=size, delay=DELAY).prompt()}"
            _elapsed, run = timed_cell(client, cell, timeout=size * DELAY + 60)
            data = traffic(run.messages)
            tokens = markdown_tokens(size)
            if "".join(tokens) not in data.pop("final_text"):
                raise RuntimeError(f"the final display of the {size}-token answer lacks its text")
            base = naive(tokens)
            data["naive"] = base
            data["naive_ratio"] = base["content_bytes"] / data["final_rendered_bytes"]
            met = data["ratio"] <= BYTES_TARGET and data["max_gap_s"] <= GAP_TARGET
            rows.append(Row(
                "6", f"display traffic, {size} tokens at 50/s",
                f"{data['messages']} msgs, {kib(data['content_bytes'])}, longest gap {data['max_gap_s']:.2f} s",
                f"naive: {base['messages']} msgs, {kib(base['content_bytes'])} ({times(data['naive_ratio'])})",
                f"{times(data['ratio'])} of final {kib(data['final_rendered_bytes'])} "
                f"(wire incl. headers {times(data['wire_ratio'])})",
                f"≤ {BYTES_TARGET:.0f}x, gaps ≤ {GAP_TARGET} s", met, details=data,
                alternatives={**NO_DISPLAY, "jupyter-ai": "not measured (%%ai needs a LangChain provider)"}))
            if not met:
                rows[-1].note = _why(data)
    return rows


def _why(data: dict[str, Any]) -> str:
    parts = []
    if data["ratio"] > BYTES_TARGET:
        parts.append(f"bytes {data['ratio']:.1f}x exceed {BYTES_TARGET:.0f}x by "
                     f"{data['ratio'] / BYTES_TARGET - 1:.0%}")
    if data["max_gap_s"] > GAP_TARGET:
        parts.append(f"longest refresh gap {data['max_gap_s']:.2f} s exceeds {GAP_TARGET} s by "
                     f"{data['max_gap_s'] - GAP_TARGET:.2f} s")
    return "; ".join(parts)
