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

from ..errors import NetworkError, ResponseFormatError, excerpt
from ..i18n import Text

DONE = object()  #: the ``data: [DONE]`` sentinel
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _format_error(snippet: str) -> ResponseFormatError:
    shown = excerpt(snippet)
    return ResponseFormatError(
        Text(f"The stream carried something that is not JSON: {shown!r}.",
             f"流式回答中出现了非 JSON 的内容：{shown!r}。"),
        hint=Text("The base URL may point at the wrong service; "
                  "check it, or try again without streaming (--no-stream).",
                  "Base URL 可能指向了错误的服务；请检查，或关闭流式输出（--no-stream）再试。"),
    )


def stream_cut() -> NetworkError:
    """The stream ended in the middle of the answer: a cut connection, whatever the framing said."""
    return NetworkError(
        Text("The connection closed before the answer was complete.", "回答还没结束，连接就断开了。"),
        hint=Text("Run the cell again; the part that arrived is kept.", "请重新运行；已收到的部分会保留。"),
    )


class SSEDecoder:
    """Feed byte chunks in, get parsed events out: dicts, lists, or :data:`DONE`.

    Each byte is searched for a line end once, whatever the lines' length: an unfinished line
    waits as a list of pieces, joined once when its end arrives (:attr:`scanned` counts the
    bytes searched, so a test can check that the work stays linear).
    """

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the pieces of the line not yet ended
        self._after_cr = False  # the last chunk ended with CR: a LF opening the next is the same line end
        self._data: list[str] = []
        #: bytes searched for line ends so far: each byte fed is searched exactly once
        self.scanned = 0

    def feed(self, chunk: bytes) -> list[Any]:
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the second half of a CRLF split across two reads
        self._after_cr = chunk.endswith(b"\r")
        self.scanned += len(chunk)
        # this chunk only (what came before was searched already); most servers end lines with LF
        # alone, which bytes.split finds fifty times faster than the pattern for all three endings
        lines = _LINE_END.split(chunk) if b"\r" in chunk else chunk.split(b"\n")
        rest = lines.pop()
        if not lines:
            if rest:
                self._pending.append(rest)
            return []
        if self._pending:
            self._pending.append(lines[0])
            lines[0] = b"".join(self._pending)  # a long line is joined once, when its end arrives
            self._pending = []
        if rest:
            self._pending.append(rest)
        events: list[Any] = []
        for raw in lines:
            self._line(raw, events)
        return events

    def close(self) -> list[Any]:
        """End of input: a last whole event without a newline still counts; JSON cut short is a cut."""
        events: list[Any] = []
        last = b"".join(self._pending)
        self._pending = []
        if last:
            self._line(last, events)
        if self._data:
            data, self._data = "\n".join(self._data), []
            if not data.strip():
                return events
            try:
                events.append(self._decode(data))
            except ResponseFormatError:
                if data.lstrip()[:1] in ("{", "["):
                    raise stream_cut() from None  # JSON that stops early: the connection was cut mid-event
                raise
        return events

    def _line(self, raw: bytes, events: list[Any]) -> None:
        if not raw:
            if self._data:
                data, self._data = "\n".join(self._data), []
                if data.strip():  # an empty "data:" event is not dispatched (the SSE rule): a keep-alive
                    events.append(self._decode(data))
            return
        if raw.startswith(b":"):
            return  # a comment, such as ": keep-alive" or OpenRouter's ": OPENROUTER PROCESSING"
        if not raw.startswith(b"data:") and raw != b"data":
            return  # event:, id:, retry: carry nothing an LLM client needs
        # sliced before decoding: a line of many megabytes is copied once, not three times
        value = raw[6 if raw[5:6] == b" " else 5:].decode("utf-8", errors="replace")
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
