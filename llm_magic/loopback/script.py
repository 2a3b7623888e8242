"""Scripted replies: immutable values a test queues to say what the fake provider does next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: every fault, with the options it accepts besides the common ``text`` (the answer to cut up),
#: ``chunked`` (False: close-delimited body) and ``delay`` (seconds between stream events)
FAULT_OPTIONS: Mapping[str, frozenset[str]] = {
    "close_before_headers": frozenset(),
    "close_after_headers": frozenset(),
    "close_mid_event": frozenset({"after"}),
    "close_mid_utf8": frozenset({"after"}),
    "stall_before_first_byte": frozenset({"seconds"}),
    "stall_mid_stream": frozenset({"after", "seconds"}),
    "keepalive_forever": frozenset({"every"}),
    "html_body": frozenset({"status"}),
    "empty_body": frozenset(),
    "truncated_json": frozenset(),
    "no_choices": frozenset(),
    "error_in_stream": frozenset({"after", "message"}),
    "leading_blank_lines": frozenset({"count"}),
}
FAULTS = tuple(FAULT_OPTIONS)
_COMMON_OPTIONS = frozenset({"text", "chunked", "delay"})


@dataclass(frozen=True)
class ChatRequest:
    """A parsed ``POST /chat/completions``, as reply factories and faults see it."""

    body: Mapping[str, Any]
    flavour: str
    #: the request switched reasoning on, by its provider's own rule
    reasoning: bool = False
    #: 1 for the first chat request this server received, 2 for the next...
    number: int = 1

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[Any]:
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    @property
    def include_usage(self) -> bool:
        options = self.body.get("stream_options")
        return isinstance(options, Mapping) and options.get("include_usage") is True

    @property
    def prompt(self) -> str:
        """The text of the last user message (text parts joined for multimodal content)."""
        for message in reversed(self.messages):
            if isinstance(message, Mapping) and message.get("role") == "user":
                return _text_of(message.get("content"))
        return ""

    @property
    def image_urls(self) -> list[str]:
        """The image URLs (``data:`` or ``https:``) of the last user message, in order."""
        for message in reversed(self.messages):
            if isinstance(message, Mapping) and message.get("role") == "user":
                content = message.get("content")
                parts = content if isinstance(content, list) else []
                return [str((part.get("image_url") or {}).get("url", "")) for part in parts
                        if isinstance(part, Mapping) and part.get("type") == "image_url"
                        and isinstance(part.get("image_url"), Mapping)]
        return []

    @property
    def response_format(self) -> Mapping[str, Any] | None:
        value = self.body.get("response_format")
        return value if isinstance(value, Mapping) else None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return ""


def default_answer(request: ChatRequest) -> str:
    """The deterministic answer when nothing is queued: names the server, echoes the prompt."""
    return f"Loopback {request.flavour} answer to: {request.prompt}"


@dataclass(frozen=True)
class Answer:
    """A successful answer; see :meth:`Reply.answer`."""

    text: str
    reasoning: str | None = None
    chunk_size_words: int = 1
    first_delay: float = 0.0
    delay: float = 0.0
    finish_reason: str = "stop"
    usage: Mapping[str, Any] | None = None
    done: bool = True
    chunked: bool = True
    keepalives: int = 0
    reasoning_key: str | None = None


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error; see :meth:`Reply.error`."""

    kind: str | int
    body: bytes | str | Mapping[str, Any] | list[Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None


@dataclass(frozen=True)
class Fault:
    """A broken or strange response; see :meth:`Reply.fault`."""

    name: str
    options: tuple[tuple[str, Any], ...] = ()

    def get(self, option: str, default: Any = None) -> Any:
        return dict(self.options).get(option, default)


Payload = Answer | ErrorReply | Fault


@dataclass(frozen=True)
class Reply:
    """What the server does with one chat request; build it with the constructors below."""

    payload: Payload

    @classmethod
    def answer(
        cls,
        text: str,
        *,
        reasoning: str | None = None,
        chunk_size_words: int = 1,
        first_delay: float = 0.0,
        delay: float = 0.0,
        finish_reason: str = "stop",
        usage: Mapping[str, Any] | None = None,
        done: bool = True,
        chunked: bool = True,
        keepalives: int = 0,
        reasoning_key: str | None = None,
    ) -> Reply:
        """Answer ``text`` (streamed as SSE when the request asked for ``stream: true``).

        ``chunk_size_words`` words (CJK: characters) per event; ``first_delay`` before the
        first event, ``delay`` between events; ``usage`` replaces the computed usage;
        ``done=False`` ends the stream without ``[DONE]``; ``chunked=False`` streams without
        chunked encoding and closes the connection to end the body; ``keepalives`` sends that
        many ``: keep-alive`` comments first; ``reasoning_key`` overrides the flavour's field.
        """
        return cls(Answer(text, reasoning, chunk_size_words, first_delay, delay, finish_reason,
                          usage, done, chunked, keepalives, reasoning_key))

    @classmethod
    def error(
        cls,
        kind_or_status: str | int,
        body: bytes | str | Mapping[str, Any] | list[Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Fail with an error kind (``"auth"``, ``"rate_limit"``... in the flavour's own body) or
        a raw HTTP status; ``body`` (bytes, text or JSON value) replaces the flavour's body."""
        if isinstance(kind_or_status, int) and not 100 <= kind_or_status <= 599:
            raise ValueError(f"not an HTTP status: {kind_or_status}")
        return cls(ErrorReply(kind_or_status, body, tuple((headers or {}).items()), content_type))

    @classmethod
    def fault(cls, name: str, **options: Any) -> Reply:
        """Misbehave in the way ``name`` says (one of FAULTS); options tune it."""
        if name not in FAULT_OPTIONS:
            raise ValueError(f"unknown fault {name!r}; choose one of {', '.join(FAULTS)}")
        unknown = set(options) - FAULT_OPTIONS[name] - _COMMON_OPTIONS
        if unknown:
            raise TypeError(f"fault {name!r} takes no option(s) {', '.join(sorted(unknown))}")
        return cls(Fault(name, tuple(sorted(options.items()))))
