"""The last request sent and the raw reply it got, kept for teaching what happens on the wire.

``%%llm --show-code`` prints the request as code and ``--show-raw`` shows the reply as it
arrived; ``llm_magic.last_exchange()`` hands both to Python. The key is never recorded: only
the name of the environment variable the printed code reads it from.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .wire_request import WireRequest, request_of

__all__ = ["Exchange", "WireRequest", "last_exchange", "request_of"]


@dataclass
class Exchange:
    """One request and what came back: the whole JSON body, or the first and last stream events.

    ``reply`` is the parsed JSON of a non-streamed answer or of an error body (its raw text when
    it was not JSON); ``first_event`` and ``last_event`` are the first and last ``data:`` events
    of a stream, ``text_event`` the first that carried answer text, ``events`` how many there were.
    """

    request: WireRequest
    status: int | None = None
    content_type: str = ""
    reply: Any = None
    first_event: Any = None
    last_event: Any = None
    text_event: Any = None
    events: int = 0

    @property
    def streamed(self) -> bool:
        return self.events > 0

    def code(self, language: str = "python") -> str:
        """The request as runnable code: ``python`` (requests), ``curl``, ``r`` (httr2) or ``js`` (fetch)."""
        from .snippets import code_for

        return code_for(self.request, language)

    def explained(self) -> str:
        """The raw reply with the path to the text marked and ``usage`` explained."""
        from .raw_reply import explain

        return explain(self)

    def __repr__(self) -> str:
        return f"<Exchange POST {self.request.url} → {self.status} ({'stream' if self.streamed else 'json'})>"

    # -- recording, called by the engine as the reply arrives -----------------------------
    def got_status(self, status: int, content_type: str) -> None:
        self.status, self.content_type = status, content_type

    def got_event(self, event: Any) -> None:
        if self.events == 0:
            self.first_event = event
        self.last_event = event
        self.events += 1
        if self.text_event is None and _has_text(event):
            self.text_event = event

    def got_body(self, body: Any) -> None:
        self.reply = body


def _has_text(event: Any) -> bool:
    try:
        return bool(event["choices"][0]["delta"]["content"])
    except (KeyError, IndexError, TypeError):
        return False


_last: Exchange | None = None
_lock = threading.Lock()


def start(request: WireRequest) -> Exchange:
    """A new record for a request about to be sent; it becomes :func:`last_exchange`."""
    global _last
    record = Exchange(request)
    with _lock:
        _last = record
    return record


def last_exchange() -> Exchange | None:
    """The last chat request this kernel sent and its raw reply (None before the first call).

    With several providers answering at once, the one whose request left last.
    """
    with _lock:
        return _last


def forget() -> None:
    """Drop the record (tests, ``%unload_ext``)."""
    global _last
    with _lock:
        _last = None


def parsed(body: bytes) -> Any:
    """An error body as JSON when it is JSON, else its text (HTML 401 pages, plain-text errors)."""
    import json

    text = body.decode("utf-8", errors="replace").strip()
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
