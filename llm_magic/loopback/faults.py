"""Broken and strange responses a real network or provider produces, one function per fault."""

from __future__ import annotations

from collections.abc import Callable

from .error_bodies import JSON
from .playback import KEEPALIVE_EVENT, Exchange, default_completion, play_answer
from .script import Answer, Fault, default_answer
from .wire import DONE_EVENT, Completion, completion_body, json_bytes, sse_event, stream_chunks

_DEFAULT_CJK = "机器学习是人工智能的一个分支，它让计算机从数据中学习规律。"
_PORTAL_PAGE = (
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Network login</title></head>\n"
    "<body><h1>Please sign in to the network</h1>\n"
    "<p>This page came from a proxy or captive portal, not from the API.</p></body></html>\n"
)


def play_fault(ex: Exchange, fault: Fault) -> None:
    """Misbehave as ``fault`` says."""
    FAULT_PLAYERS[fault.name](ex, fault)


def _completion(ex: Exchange, fault: Fault, text: str | None = None) -> Completion:
    text = fault.get("text", text)
    return default_completion(ex) if text is None else ex.completion(text)


def _stream_events(ex: Exchange, completion: Completion) -> list[bytes]:
    return [*ex.events(completion), DONE_EVENT]


def _close_before_headers(ex: Exchange, fault: Fault) -> None:
    ex.conn.drop()


def _close_after_headers(ex: Exchange, fault: Fault) -> None:
    if ex.request.stream:
        ex.open_stream(chunked=fault.get("chunked", True))
    else:  # promise a whole body, send none of it
        ex.conn.send_head(200, JSON, length=len(ex.body(_completion(ex, fault))))
    ex.conn.drop()


def _cut_after(ex: Exchange, fault: Fault, pieces: list[bytes], after: int,
               cut_at: Callable[[bytes], int]) -> None:
    """Send ``after`` whole pieces, then part of the next one, then drop the connection."""
    after = min(after, len(pieces) - 1)
    if ex.request.stream:
        ex.open_stream(chunked=fault.get("chunked", True))
        if not ex.send_events(pieces[:after], delay=fault.get("delay", 0.0)):
            return
    else:
        ex.conn.send_head(200, JSON, length=len(pieces[0]))
        after = 0
    ex.conn.write_cut(pieces[after], cut_at(pieces[after]))


def _close_mid_event(ex: Exchange, fault: Fault) -> None:
    completion = _completion(ex, fault)
    pieces = _stream_events(ex, completion) if ex.request.stream else [ex.body(completion)]
    _cut_after(ex, fault, pieces, fault.get("after", 2), lambda data: len(data) // 2)


def _close_mid_utf8(ex: Exchange, fault: Fault) -> None:
    """Cut one byte into a multi-byte character: the client's decoder must not choke on it."""
    completion = _completion(ex, fault, _DEFAULT_CJK)
    pieces = _stream_events(ex, completion) if ex.request.stream else [ex.body(completion)]
    after = min(fault.get("after", 1), len(pieces) - 1)
    while after < len(pieces) - 1 and not any(b >= 0xC0 for b in pieces[after]):
        after += 1
    _cut_after(ex, fault, pieces, after,
               lambda data: next((i + 1 for i, b in enumerate(data) if b >= 0xC0), len(data)))


def _stall_before_first_byte(ex: Exchange, fault: Fault) -> None:
    if ex.conn.wait(fault.get("seconds", 3600.0)):
        play_answer(ex, _answer(ex, fault))


def _stall_mid_stream(ex: Exchange, fault: Fault) -> None:
    completion = _completion(ex, fault)
    seconds = fault.get("seconds", 3600.0)
    if not ex.request.stream:
        body = ex.body(completion)
        ex.conn.send_head(200, JSON, length=len(body))
        if ex.conn.write(body[: len(body) // 2]) and ex.conn.wait(seconds):
            ex.conn.write(body[len(body) // 2:])
        return
    events = _stream_events(ex, completion)
    after = min(fault.get("after", 2), len(events))
    ex.open_stream(chunked=fault.get("chunked", True))
    delay = fault.get("delay", 0.0)
    if (ex.send_events(events[:after], delay=delay) and ex.conn.wait(seconds)
            and ex.send_events(events[after:], delay=delay)):
        ex.conn.end()


def _keepalive_forever(ex: Exchange, fault: Fault) -> None:
    """Comments (or, without streaming, blank lines) every ``every`` seconds, never an answer."""
    every = fault.get("every", 1.0)
    if ex.request.stream:
        ex.open_stream(chunked=fault.get("chunked", True))
    else:
        ex.conn.send_head(200, JSON, chunked=fault.get("chunked", True))
    beat = KEEPALIVE_EVENT if ex.request.stream else b"\n"
    while ex.conn.write(beat) and ex.conn.wait(every):
        pass


def _html_body(ex: Exchange, fault: Fault) -> None:
    page = fault.get("text", _PORTAL_PAGE)
    ex.send_body(fault.get("status", 200), page.encode(), "text/html; charset=utf-8")


def _empty_body(ex: Exchange, fault: Fault) -> None:
    if ex.request.stream:
        if ex.open_stream(chunked=fault.get("chunked", True)):
            ex.conn.end()
    else:
        ex.send_body(200, b"")


def _truncated_json(ex: Exchange, fault: Fault) -> None:
    """Well-framed HTTP carrying JSON that stops halfway."""
    completion = _completion(ex, fault)
    if not ex.request.stream:
        body = ex.body(completion)
        ex.send_body(200, body[: len(body) // 2])
        return
    chunks = [json_bytes(c).decode() for c in stream_chunks(ex.flavour, completion)]
    broken = min(2, len(chunks) - 1)
    chunks[broken] = chunks[broken][: len(chunks[broken]) // 2]
    _send_stream(ex, fault, [sse_event(c) for c in chunks] + [DONE_EVENT])


def _no_choices(ex: Exchange, fault: Fault) -> None:
    completion = _completion(ex, fault)
    if not ex.request.stream:
        ex.send_body(200, json_bytes({**completion_body(ex.flavour, completion), "choices": []}))
        return
    chunks = [{**c, "choices": []} for c in stream_chunks(ex.flavour, completion)]
    _send_stream(ex, fault, [sse_event(c) for c in chunks] + [DONE_EVENT])


def _error_in_stream(ex: Exchange, fault: Fault) -> None:
    """A 200 that turns into an error: some text, then ``data: {"error": ...}``, then the end."""
    message = fault.get("message", "The model failed while generating the answer.")
    if ex.flavour.family == "huggingface":
        error: dict[str, object] = {"error": message, "error_type": "generation"}
    else:
        error = {"error": {"message": message, "type": "server_error", "param": None,
                           "code": "internal_error"}}
    if not ex.request.stream:
        ex.send_body(200, json_bytes(error))
        return
    events = ex.events(_completion(ex, fault))
    after = min(fault.get("after", 2), len(events))
    _send_stream(ex, fault, [*events[:after], sse_event(error)])


def _leading_blank_lines(ex: Exchange, fault: Fault) -> None:
    """DeepSeek, while a request waits in its queue, sends blank lines (or keep-alive comments)."""
    count, delay = fault.get("count", 3), fault.get("delay", 0.0)
    completion = _completion(ex, fault)
    if ex.request.stream:
        opened = ex.open_stream(chunked=fault.get("chunked", True))
        filler, answer = [KEEPALIVE_EVENT] * count, _stream_events(ex, completion)
    else:
        opened = ex.conn.send_head(200, JSON, chunked=fault.get("chunked", True))
        filler, answer = [b"\n"] * count, [ex.body(completion)]
    if (opened and ex.send_events(filler, delay=delay)
            and ex.send_events(answer, first_delay=delay)):
        ex.conn.end()


def _send_stream(ex: Exchange, fault: Fault, events: list[bytes]) -> None:
    if (ex.open_stream(chunked=fault.get("chunked", True))
            and ex.send_events(events, delay=fault.get("delay", 0.0))):
        ex.conn.end()


def _answer(ex: Exchange, fault: Fault) -> Answer:
    text = fault.get("text")
    return Answer(default_answer(ex.request) if text is None else text,
                  delay=fault.get("delay", 0.0), chunked=fault.get("chunked", True))


FAULT_PLAYERS: dict[str, Callable[[Exchange, Fault], None]] = {
    "close_before_headers": _close_before_headers,
    "close_after_headers": _close_after_headers,
    "close_mid_event": _close_mid_event,
    "close_mid_utf8": _close_mid_utf8,
    "stall_before_first_byte": _stall_before_first_byte,
    "stall_mid_stream": _stall_mid_stream,
    "keepalive_forever": _keepalive_forever,
    "html_body": _html_body,
    "empty_body": _empty_body,
    "truncated_json": _truncated_json,
    "no_choices": _no_choices,
    "error_in_stream": _error_in_stream,
    "leading_blank_lines": _leading_blank_lines,
}
