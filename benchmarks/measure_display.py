"""Target 6: display traffic of a streamed answer in a real kernel.

For answers of 500, 2,000 and 4,000 tokens arriving at 50 tokens/s, the bytes of all
``display_data`` / ``update_display_data`` messages must stay within 10x the final answer's
rendered size, while the output refreshes at least every 0.5 s. Counted from the iopub
messages a real kernel sends (what a front end receives):

* messages: ``display_data``, ``update_display_data`` and ``clear_output``, plus the widget
  messages (``comm_open``/``comm_msg``/``comm_close``) of a live view drawn with ipywidgets;
* message bytes: whole messages, as the front end receives them: ``content`` plus header,
  parent header and metadata, each as Jupyter serializes it (content alone is reported too);
* rendered size: the UTF-8 bytes of the final message's ``data`` values (what is shown);
* refresh gap: the longest time between consecutive messages that change what is drawn —
  ``display_data``/``update_display_data``, and the ``comm_msg`` updates that set an Output
  widget's ``outputs`` (how the live view redraws the answer's unfinished tail) — by their
  header dates (stamped by the kernel when it sends), from the first display to the last.

Not measured here: what a browser sends back to the kernel (an Output widget's state sync).

The naive baseline re-renders the whole Markdown on every token: one update per token
carrying ``{"text/markdown": text so far}``.
"""

from __future__ import annotations

import itertools
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


#: iopub messages that change what the front end shows: outputs, and widget state (the live
#: view draws into ipywidgets Output widgets, so comm messages are display traffic too)
DISPLAY_TYPES = ("display_data", "update_display_data", "clear_output")
WIDGET_TYPES = ("comm_open", "comm_msg", "comm_close")


def _redraws_output(message: dict[str, Any]) -> bool:
    """A widget update that replaces an Output's contents: the live view redrawing its tail."""
    data = message["content"].get("data") or {}
    return message["msg_type"] == "comm_msg" and "outputs" in (data.get("state") or {})


def traffic(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts, bytes and refresh gaps of a cell's display messages (widget messages included)."""
    shown = [m for m in messages if m["msg_type"] in DISPLAY_TYPES + WIDGET_TYPES]
    draws = [m for m in messages if m["msg_type"] in ("display_data", "update_display_data")]
    refreshes = [m for m in shown if m["msg_type"] in ("display_data", "update_display_data") or _redraws_output(m)]
    if not draws:
        raise RuntimeError("the cell displayed nothing")
    content = sum(_json_size(m["content"]) for m in shown)
    wire = content + sum(_json_size(m["header"]) + _json_size(m["parent_header"])
                         + _json_size(m["metadata"]) for m in shown)
    final = sum(len(str(v).encode("utf-8")) for v in draws[-1]["content"]["data"].values())
    stamps = [m["header"]["date"].timestamp() for m in refreshes]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    by_type = {kind: sum(1 for m in shown if m["msg_type"] == kind) for kind in DISPLAY_TYPES + WIDGET_TYPES}
    widget_bytes = sum(_json_size(m["content"]) for m in shown if m["msg_type"] in WIDGET_TYPES)
    return {"messages": len(shown), "by_type": by_type, "content_bytes": content,
            "widget_bytes": widget_bytes, "wire_bytes": wire,
            "final_rendered_bytes": final, "ratio": content / final, "wire_ratio": wire / final,
            "max_gap_s": max(gaps, default=0.0), "span_s": stamps[-1] - stamps[0],
            "final_text": draws[-1]["content"]["data"].get("text/plain", "")}


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
            rows.append(_row(size, traffic(run.messages)))
    return rows


def _row(size: int, data: dict[str, Any]) -> Row:
    tokens = markdown_tokens(size)
    if "".join(tokens) not in data.pop("final_text"):
        raise RuntimeError(f"the final display of the {size}-token answer lacks its text")
    final = data["final_rendered_bytes"]
    data["envelope_bytes_per_message"] = (data["wire_bytes"] - data["content_bytes"]) / data["messages"]
    base = naive(tokens)
    base["wire_bytes"] = base["content_bytes"] + base["messages"] * data["envelope_bytes_per_message"]
    data["naive"] = base
    data["naive_ratio"] = base["wire_bytes"] / final
    # Whole messages count: the front end receives each one with its header and parent header.
    met = data["wire_ratio"] <= BYTES_TARGET and data["max_gap_s"] <= GAP_TARGET
    widgets = sum(data["by_type"][kind] for kind in WIDGET_TYPES)
    return Row(
        "6", f"display traffic, {size} tokens at 50/s",
        f"{data['messages']} msgs ({widgets} widget), {kib(data['wire_bytes'])}, "
        f"longest gap {data['max_gap_s']:.2f} s",
        f"naive: {base['messages']} msgs, {kib(base['wire_bytes'])} ({times(data['naive_ratio'])})",
        f"{times(data['wire_ratio'])} of final {kib(final)} (content only: {times(data['ratio'])})",
        f"≤ {BYTES_TARGET:.0f}x, gaps ≤ {GAP_TARGET} s", met, details=data,
        alternatives={**NO_DISPLAY, "jupyter-ai": "not measured (%%ai needs a LangChain provider)"},
        note="" if met else _why(data))


def _why(data: dict[str, Any]) -> str:
    parts = []
    span = max(data["span_s"], 1e-9)
    final_rate = data["final_rendered_bytes"] / span
    header_rate = (data["wire_bytes"] - data["content_bytes"]) / span
    if data["wire_ratio"] > BYTES_TARGET:
        kinds = ", ".join(f"{count} {kind}" for kind, count in data["by_type"].items() if count)
        parts.append(
            f"bytes {data['wire_ratio']:.1f}x exceed {BYTES_TARGET:.0f}x by "
            f"{data['wire_ratio'] / BYTES_TARGET - 1:.0%}: {data['messages']} messages ({kinds}) each carry "
            f"about {data['envelope_bytes_per_message']:.0f} B of header and parent header, "
            f"{kib(data['wire_bytes'] - data['content_bytes'])} in all against a content of "
            f"{kib(data['content_bytes'])} ({data['ratio']:.1f}x the final size); the live view sends "
            "clear_output + display_data (and widget comm messages) per refresh. Per second: the final "
            f"display grows by {final_rate:.0f} B/s, so the budget is {BYTES_TARGET * final_rate:.0f} B/s, "
            f"while {data['messages'] / span:.1f} messages/s spend {header_rate:.0f} B/s on headers alone")
    if data["max_gap_s"] > GAP_TARGET:
        parts.append(f"longest refresh gap {data['max_gap_s']:.2f} s exceeds {GAP_TARGET} s by "
                     f"{data['max_gap_s'] - GAP_TARGET:.2f} s")
    return "; ".join(parts)
