"""The raw reply of an exchange as a student should read it: the JSON, with the path to the text marked.

A whole reply is shown as it came; a stream by its first and last ``data:`` events. Lines that
hold the text, the reasoning, the finish reason, the usage counts or an error's message get a
note (``← choices[0].message.content: …``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

from ..i18n import Text, say
from ..secrets import redact


class Exchange(Protocol):
    """What an :class:`~llm_magic.engine.exchange.Exchange` records of a reply."""

    status: int | None
    content_type: str
    reply: Any
    first_event: Any
    text_event: Any
    last_event: Any
    events: int

    @property
    def streamed(self) -> bool: ...

#: strings longer than this are shortened on screen (the whole reply stays in last_exchange())
SHOWN_CHARS = 300
#: control characters a reply may smuggle in (a terminal would obey ESC [ 2 J); shown as \xNN instead
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
Path = tuple[str | int, ...]

_NOTES: dict[tuple[str, ...], Text] = {
    ("choices", "0", "message", "content"): Text("the answer's text", "回答的文字"),
    ("choices", "0", "delta", "content"): Text("this piece of the answer; all pieces joined are the answer",
                                               "这一小段回答；把每个事件的这一项连起来就是完整的回答"),
    ("choices", "0", "message", "reasoning_content"): Text("the thinking, apart from the answer",
                                                           "思考过程，和回答分开"),
    ("choices", "0", "delta", "reasoning_content"): Text("a piece of the thinking", "一小段思考过程"),
    ("choices", "0", "finish_reason"): Text("why it ended (stop: finished; length: cut at max_tokens)",
                                            "结束的原因（stop 是正常写完，length 是写到 max_tokens 被截断）"),
    ("usage", "prompt_tokens"): Text("tokens in (the prompt, the system prompt and earlier turns)",
                                     "输入的 token 数（提示词、系统提示词和之前的对话）"),
    ("usage", "completion_tokens"): Text("tokens out (the answer, and the thinking)",
                                         "输出的 token 数（回答，以及思考过程）"),
    ("usage", "total_tokens"): Text("in plus out: what the provider bills", "输入加输出，服务商按它计费"),
    ("usage", "completion_tokens_details", "reasoning_tokens"): Text("of the tokens out, spent thinking",
                                                                     "输出中用于思考的 token 数"),
    ("usage", "prompt_cache_hit_tokens"): Text("tokens in found in DeepSeek's cache (cheaper)",
                                               "命中 DeepSeek 缓存的输入 token（更便宜）"),
    ("error", "message"): Text("what went wrong, in the provider's words", "服务商给出的出错原因"),
    ("error",): Text("what went wrong, in the provider's words", "服务商给出的出错原因"),
}


def _note_for(path: Path) -> str:
    note = _NOTES.get(tuple(str(part) for part in path))
    if note is None:
        return ""
    where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
    return "   ← " + say(Text(f"{where}: {note.en}", f"{where}：{note.zh}"))


def _scalar(value: Any) -> str:
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        value = value[:SHOWN_CHARS] + "…"
    return json.dumps(value, ensure_ascii=False)


def _lines(value: Any, path: Path = (), indent: str = "") -> Iterator[str]:
    """Pretty JSON, one line at a time, each leaf followed by its note when it has one."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        yield "{"
        items = list(value.items())
        for index, (key, item) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            yield from _member(f"{inner}{json.dumps(str(key), ensure_ascii=False)}: ", item, (*path, str(key)),
                               inner, comma)
        yield indent + "}"
    elif isinstance(value, list) and value:
        yield "["
        for index, item in enumerate(value):
            comma = "," if index < len(value) - 1 else ""
            yield from _member(inner, item, (*path, index), inner, comma)
        yield indent + "]"
    else:
        yield _scalar(value) + (_note_for(path) if value not in (None, "") else "")


def _member(head: str, item: Any, path: Path, indent: str, comma: str) -> Iterator[str]:
    lines = list(_lines(item, path, indent))
    if len(lines) == 1:
        text, _, note = lines[0].partition("   ← ")
        yield head + text + comma + (f"   ← {note}" if note else "")
        return
    yield head + lines[0]
    yield from lines[1:-1]
    yield lines[-1] + comma


def _aligned(lines: list[str]) -> list[str]:
    """The notes start in one column (at most 48 characters in), so the eye finds them."""
    split = [line.partition("   ← ") for line in lines]
    width = min(48, max((len(head) for head, _, note in split if note), default=0))
    return [f"{head.ljust(width)}   ← {note}" if note else head for head, _, note in split]


def pretty(value: Any) -> str:
    """``value`` as indented JSON with notes on the lines a student looks for."""
    if isinstance(value, str):
        return value if len(value) <= 4 * SHOWN_CHARS else value[: 4 * SHOWN_CHARS] + "…"
    return "\n".join(_aligned(list(_lines(value))))


def _usage_note(exchange: Exchange) -> str:
    if exchange.streamed:
        return say(Text("In a stream, usage comes in the last event, once the answer is complete "
                        "(llm_magic asks for it with stream_options.include_usage); after it comes data: [DONE].",
                        "流式输出时，usage 在最后一个事件里，回答全部生成后才有（llm_magic 用 "
                        "stream_options.include_usage 请求它）；之后是 data: [DONE]。"))
    return say(Text("usage counts tokens: what this call costs. Python reads the text as "
                    'reply["choices"][0]["message"]["content"].',
                    "usage 统计 token：这次调用的费用就按它算。在 Python 里这样取出回答："
                    'reply["choices"][0]["message"]["content"]。'))


def explain(exchange: Exchange) -> str:
    """The status line, the JSON (or the first and last events) with notes, and what usage means."""
    status = f"HTTP {exchange.status}" if exchange.status is not None else say(Text("no reply", "没有收到回复"))
    parts = [f"{status} · {exchange.content_type or '—'}"]
    if exchange.streamed:
        parts += [say(Text(f"First event (of {exchange.events}):", f"第一个事件（共 {exchange.events} 个）：")),
                  "data: " + pretty(exchange.first_event)]
        if exchange.text_event is not None and exchange.text_event is not exchange.first_event:
            parts += ["…", say(Text("The first event with text:", "第一个带文字的事件：")),
                      "data: " + pretty(exchange.text_event)]
        if exchange.events > 1 and exchange.last_event is not exchange.text_event:
            parts += ["…", say(Text("Last event:", "最后一个事件：")), "data: " + pretty(exchange.last_event)]
    elif exchange.reply is not None:
        parts.append(pretty(exchange.reply))
    if exchange.status is not None and exchange.status < 400:
        parts.append(_usage_note(exchange))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact("\n".join(parts)))
