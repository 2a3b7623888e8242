"""Server-sent events from raw bytes: each event is handed on as soon as its line is complete.

SSE is UTF-8 by definition, so lines are split on bytes and decoded here: a Chinese
character cut across two TCP reads is reassembled, and a ``text/event-stream`` reply without
a charset never becomes ISO-8859-1 mojibake (the trap in ``requests``' own decoding).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ResponseFormatError
from ..i18n import Text

DONE = object()  #: the ``data: [DONE]`` sentinel
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _format_error(snippet: str) -> ResponseFormatError:
    return ResponseFormatError(
        Text(f"The stream carried something that is not JSON: {snippet[:120]!r}.",
             f"流式回答中出现了非 JSON 的内容：{snippet[:120]!r}。"),
        hint=Text("The base URL may point at the wrong service; "
                  "check it, or try again without streaming (--no-stream).",
                  "Base URL 可能指向了错误的服务；请检查，或关闭流式输出（--no-stream）再试。"),
    )


class SSEDecoder:
    """Feed byte chunks in, get parsed events out: dicts, lists, or :data:`DONE`."""

    def __init__(self) -> None:
        self._pending = b""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[Any]:
        buffer = self._pending + chunk
        held = b""
        if buffer.endswith(b"\r"):
            # a CR at the end of a read may be the first half of a CRLF: decide on the next read
            buffer, held = buffer[:-1], b"\r"
        lines = _LINE_END.split(buffer)
        self._pending = lines.pop() + held
        events: list[Any] = []
        for raw in lines:
            self._line(raw, events)
        return events

    def close(self) -> list[Any]:
        """End of input: a last line without a newline still counts; a half event is an error."""
        events: list[Any] = []
        if self._pending.strip(b"\r"):
            self._line(self._pending.strip(b"\r"), events)
        self._pending = b""
        if self._data:
            events.append(self._decode("\n".join(self._data)))
            self._data = []
        return events

    def _line(self, raw: bytes, events: list[Any]) -> None:
        if not raw:
            if self._data:
                events.append(self._decode("\n".join(self._data)))
                self._data = []
            return
        if raw.startswith(b":"):
            return  # a comment, such as ": keep-alive"
        line = raw.decode("utf-8", errors="replace")
        name, _, value = line.partition(":")
        if name != "data":
            return  # event:, id:, retry: carry nothing an LLM client needs
        if value.startswith(" "):
            value = value[1:]
        if not self._data:
            # Most providers put one JSON object on one line: hand it on now, not at the blank line.
            if value == "[DONE]":
                events.append(DONE)
                return
            if value[:1] in "{[":
                try:
                    events.append(json.loads(value))
                    return
                except (ValueError, RecursionError):
                    pass
        self._data.append(value)

    @staticmethod
    def _decode(data: str) -> Any:
        if data.strip() == "[DONE]":
            return DONE
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise _format_error(data) from None


def iter_events(chunks: Iterable[bytes]) -> Iterator[Any]:
    """All events of a byte stream, in order."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()
