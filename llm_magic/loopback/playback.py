"""Turns one Reply into bytes on the wire, in the request's flavour and streaming mode."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .connection import Connection
from .error_bodies import JSON, ErrorResponse, error_body
from .flavours import Flavour
from .script import Answer, ChatRequest, ErrorReply, default_answer
from .wire import (
    DONE_EVENT,
    Completion,
    completion_body,
    completion_id,
    count_prompt_tokens,
    json_bytes,
    make_usage,
    split_tokens,
    sse_event,
    stream_chunks,
)

#: SSE is UTF-8 by definition; real providers omit the charset, and clients that trust
#: ``requests``' guess then decode Chinese as ISO-8859-1. Keep the trap.
EVENT_STREAM = "text/event-stream"
KEEPALIVE_EVENT = b": keep-alive\n\n"


@dataclass
class Exchange:
    """One chat request being answered: the connection plus what is needed to shape replies."""

    conn: Connection
    flavour: Flavour
    request: ChatRequest
    key: str | None = None

    def completion(self, text: str, reasoning: str | None = None, *, size: int = 1,
                   finish_reason: str = "stop", usage: Mapping[str, Any] | None = None,
                   reasoning_key: str | None = None) -> Completion:
        """The answer split into stream parts, with deterministic usage."""
        content = split_tokens(text, size)
        thoughts = split_tokens(reasoning, size) if reasoning else []
        if usage is None:
            prompt = count_prompt_tokens(self.request.messages)
            usage = make_usage(self.flavour, prompt, len(content) + len(thoughts), len(thoughts))
        return Completion(
            id=completion_id(self.flavour, self.request.number), created=int(time.time()),
            model=self.request.model, content=content, reasoning=thoughts,
            finish_reason=finish_reason, usage=usage, include_usage=self.request.include_usage,
            reasoning_key=reasoning_key or self.flavour.reasoning_key,
            prompt_filter=self._azure_backed(),
        )

    def _azure_backed(self) -> bool:
        """ChatAnywhere's ``-ca`` models run on Azure, whose streams open with a filter chunk."""
        return self.flavour.name == "chatanywhere" and self.request.model.endswith("-ca")

    def events(self, completion: Completion) -> list[bytes]:
        return [sse_event(chunk) for chunk in stream_chunks(self.flavour, completion)]

    def body(self, completion: Completion) -> bytes:
        return json_bytes(completion_body(self.flavour, completion))

    def open_stream(self, *, chunked: bool = True, status: int = 200) -> bool:
        return self.conn.send_head(status, EVENT_STREAM, chunked=chunked,
                                   headers={"Cache-Control": "no-cache"})

    def send_events(self, events: Iterable[bytes], *, first_delay: float = 0.0,
                    delay: float = 0.0) -> bool:
        """One write per event, paced; False if the client left or the server is stopping."""
        for index, event in enumerate(events):
            pause = first_delay if index == 0 else delay
            if pause and not self.conn.wait(pause):
                return False
            if not self.conn.write(event):
                return False
        return True

    def send_body(self, status: int, body: bytes, content_type: str | None = JSON,
                  headers: Mapping[str, str] | None = None) -> None:
        self.conn.send_head(status, content_type, headers=headers, length=len(body))
        self.conn.write(body)

    def send_error(self, response: ErrorResponse) -> None:
        self.send_body(response.status, response.body, response.content_type, response.headers)


def play_answer(exchange: Exchange, answer: Answer) -> None:
    """Stream the answer as SSE or send it whole as JSON, as the request asked."""
    completion = exchange.completion(
        answer.text, answer.reasoning, size=answer.chunk_size_words,
        finish_reason=answer.finish_reason, usage=answer.usage,
        reasoning_key=answer.reasoning_key)
    if not exchange.request.stream:
        # the provider generates everything before it answers, so the whole wait comes first
        parts = len(completion.content) + len(completion.reasoning)
        if exchange.conn.wait(answer.first_delay + answer.delay * max(parts - 1, 0)):
            exchange.send_body(200, exchange.body(completion))
        return
    if not exchange.open_stream(chunked=answer.chunked):
        return
    events = [KEEPALIVE_EVENT] * answer.keepalives + exchange.events(completion)
    if answer.done:
        events.append(DONE_EVENT)
    if exchange.send_events(events, first_delay=answer.first_delay, delay=answer.delay):
        exchange.conn.end()


def resolve_error(exchange: Exchange, error: ErrorReply) -> ErrorResponse:
    """The flavour's own error response, with any body, type or headers the script overrides."""
    base = error_body(exchange.flavour, error.kind, model=exchange.request.model or None,
                      key=exchange.key)
    headers = {**base.headers, **dict(error.headers)}
    if error.body is None:
        return base._replace(headers=headers, content_type=error.content_type or base.content_type)
    body, guessed = _encode_body(error.body)
    return ErrorResponse(base.status, error.content_type or guessed, body, headers)


def _encode_body(body: bytes | str | Mapping[str, Any] | list[Any]) -> tuple[bytes, str]:
    if isinstance(body, (Mapping, list)):
        return json_bytes(body), JSON
    data = body.encode() if isinstance(body, str) else body
    start = data.lstrip()[:1]
    if start in (b"{", b"["):
        try:
            json.loads(data)
            return data, JSON
        except ValueError:
            pass
    if start == b"<":
        return data, "text/html"
    return data, "text/plain; charset=utf-8"


def default_completion(exchange: Exchange) -> Completion:
    """What faults cut up when the script gave them no text."""
    return exchange.completion(default_answer(exchange.request))
