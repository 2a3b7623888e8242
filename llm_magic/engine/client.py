"""The engine: send a prepared call, retry what is safe to retry, and yield the answer as it arrives."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from ..answer import Answer
from ..config import settings
from ..errors import (
    AnswerTooLargeError,
    ContentFilterError,
    Interrupted,
    LLMError,
    NetworkError,
    RequestTimeoutError,
    ResponseFormatError,
    ServerError,
    excerpt,
)
from ..events import Event, Finished, ReasoningDelta, RetryWait, TextDelta
from ..i18n import Text
from ..secrets import Secret, hide_key
from ..wire import transport
from ..wire.failures import cancelled_error
from ..wire.patience import Patience
from ..wire.sse import DONE, SSEDecoder, stream_cut
from ..wire.watch import pause
from . import cut, exchange, usage
from .assemble import AnswerBuilder, not_a_completion, partial_content
from .errormap import Context, error_for_status
from .request import PreparedCall, prepare_call, resolve_endpoint

if TYPE_CHECKING:
    import requests

    from ..providers import Provider

#: 529 is the "overloaded" status of Anthropic and of LiteLLM relays
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


def _retry_delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds before retry ``attempt`` (1-based); None when Retry-After asks for more than we wait."""
    if retry_after is not None and math.isfinite(retry_after):
        retry_after = max(0.0, retry_after)
        return retry_after if retry_after <= settings.max_retry_wait else None
    step: float = settings.backoff * (2 ** (attempt - 1))
    return min(settings.max_retry_wait, step * (0.5 + random.random()))


def _should_retry(error: LLMError, builder: AnswerBuilder, failures: int, call: PreparedCall) -> bool:
    if builder.has_output or failures > call.max_retries:
        return False  # never repeat a question whose answer has started: it would be billed twice
    if not getattr(error, "retryable", True):
        return False
    return isinstance(error, NetworkError) or error.status in RETRY_STATUSES


def run_call(call: PreparedCall) -> Generator[Event, None, None]:
    """Events of one call; an LLMError raised here carries the partial answer on ``.partial``.

    A call that ends early is billed with what arrived (``cut.cut_answer``): on an error, on ■
    (KeyboardInterrupt, here or thrown in by the caller: raised again as ``Interrupted``), and when
    the caller stops reading (``close()``).
    """
    usage.ledger.check_budget()  # a class's token budget holds for the Python API too
    started = time.monotonic()
    builder = AnswerBuilder(Context(call.provider, call.model, call.base_url, call.key))
    try:
        yield from _attempts(call, builder, started)
    except KeyboardInterrupt as stop:
        if isinstance(stop, Interrupted):
            raise
        raise cut.interrupted(call, builder, started) from None
    except GeneratorExit:
        cut.cut_answer(call, builder, started, interrupted=True)
        raise
    answer = builder.answer(time.monotonic() - started)
    usage.price_answer(answer)
    usage.ledger.record(answer)  # before the finish check: a filtered answer is still billed
    _raise_for_finish(answer, call)
    if call.expect is not None:
        from .structured import attach  # loaded only for --json / --schema

        attach(answer, call.expect)  # raises with the answer on .partial when it is not the JSON asked for
    yield Finished(answer)


def _patience(call: PreparedCall, started: float) -> Patience:
    """The call's bounds: ``timeout`` until the answer begins, ``idle_timeout`` between tokens, ``max_time``."""
    idle = settings.idle_timeout if call.idle_timeout is None else call.idle_timeout
    capped = call.timeout < idle  # then --timeout is what allows longer pauses
    return Patience(call.timeout, idle, call.max_time, started=started, streamed=call.stream,
                    silence_option="--timeout SECONDS" if capped else "")


def _attempts(call: PreparedCall, builder: AnswerBuilder, started: float) -> Iterator[Event]:
    """Send, and again after a failure worth retrying; a final error gets the partial answer."""
    transport.session_for(call.provider.name)  # a cold kernel imports requests here: no part of any wait
    patience = _patience(call, time.monotonic())
    attempt = 0
    while True:
        try:
            yield from _attempt(call, builder, patience)
            return
        except LLMError as error:
            error.provider = error.provider or call.provider.name
            attempt += 1
            delay = _retry_delay(attempt, error.retry_after) if _should_retry(error, builder, attempt, call) else None
            if delay is None or time.monotonic() + delay >= patience.deadline:  # retries fit in the first wait
                error.partial = cut.cut_answer(call, builder, started) or error.partial
                acted = call.provider.acted_out_hint(error)
                if acted is not None:
                    error.replace_hint(acted)
                raise
            yield RetryWait(attempt, delay, error, call.max_retries)
            if not pause(delay):
                raise cancelled_error(call.provider.name) from None  # the cell ended during the pause


def _attempt(call: PreparedCall, builder: AnswerBuilder, patience: Patience) -> Iterator[Event]:
    remaining = max(0.001, patience.remaining())
    name = call.provider.name
    record = exchange.start(exchange.request_of(call.provider, call.url, call.payload, stream=call.stream,
                                                has_key=bool(call.key)))
    response = transport.post(
        transport.session_for(name), call.url, call.payload, provider=name, key=call.key, stream=call.stream,
        # the socket's own timeout only backs up the watchdog, which ends each wait at its bound
        connect_timeout=min(settings.connect_timeout, remaining), read_timeout=remaining + 1.0,
        patience=patience,
    )
    content_type = response.headers.get("Content-Type", "").lower()
    record.got_status(response.status_code, content_type)
    try:
        if response.status_code >= 300:  # a redirect is never followed: the key would travel with it
            body = b"".join(transport.read_chunks(response, provider=name, patience=patience,
                                                  limit=transport.ERROR_BODY_LIMIT))
            record.got_body(exchange.parsed(body))
            raise error_for_status(response.status_code, body, builder.context, response.headers)
        chunks = transport.read_chunks(response, provider=name, patience=patience)
        if "text/event-stream" in content_type:
            yield from _read_stream(chunks, builder, record, patience)
        else:
            yield from _read_whole(_whole_body(chunks, builder, patience), builder, record,
                                   close_delimited=_close_delimited(response))
    finally:
        response.close()


def _close_delimited(response: requests.Response) -> bool:
    """No length and no chunks: the body ends where the connection ends, so a cut looks like an end."""
    headers = response.headers
    return "Content-Length" not in headers and "chunked" not in headers.get("Transfer-Encoding", "").lower()


def _whole_body(chunks: Iterator[bytes], builder: AnswerBuilder, patience: Patience | None = None) -> bytes:
    """The whole body; past the size cap, the text of the part that arrived goes into the answer first.

    Each piece that is not blank (DeepSeek sends blank lines while a request waits) is progress."""
    parts: list[bytes] = []
    try:
        for chunk in chunks:
            parts.append(chunk)
            if patience is not None and not chunk.isspace():
                patience.heard = True
    except AnswerTooLargeError:
        builder.add_partial_text(partial_content(b"".join(parts)))
        raise
    return b"".join(parts)


# complex: the hot loop of every stream, kept in one frame (a helper generator would cost a frame per chunk)
def _read_stream(chunks: Iterator[bytes], builder: AnswerBuilder, record: exchange.Exchange | None = None,
                 patience: Patience | None = None) -> Iterator[Event]:
    """The answer's events as they arrive; a chunk that added text or reasoning is progress for
    ``patience`` (comments, empty deltas and usage chunks are not)."""
    decoder = SSEDecoder()
    text, reasoning = builder.text, builder.reasoning
    try:
        for chunk in chunks:
            parts = len(text) + len(reasoning)
            for event in decoder.feed(chunk):
                if event is DONE:
                    return _done(builder)
                if record is not None:
                    record.got_event(event)
                yield from builder.add_chunk(event)
            if patience is not None and len(text) + len(reasoning) != parts:
                patience.heard = True
        for event in decoder.close():
            if event is DONE:
                return _done(builder)
            if record is not None:
                record.got_event(event)
            yield from builder.add_chunk(event)
    except (ResponseFormatError, NetworkError, RequestTimeoutError) as error:
        if builder.finish_reason and not isinstance(error, AnswerTooLargeError):
            return  # garbage, a cut or a silence after the last chunk costs nothing: the answer is whole
        raise
    if not builder.finish_reason:
        raise stream_cut()


def _done(builder: AnswerBuilder) -> None:
    if not builder.has_output and not builder.finish_reason:
        # [DONE] after chunks that carried no choice at all: an empty Answer would hide the failure
        raise not_a_completion("the stream ended without any choices.")


def _read_whole(body: bytes, builder: AnswerBuilder, record: exchange.Exchange | None = None, *,
                close_delimited: bool = False) -> Iterator[Event]:
    # DeepSeek sends blank lines while a request waits in its queue: strip before decoding.
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("data:") or text.startswith(":"):
        yield from _read_stream(iter([body]), builder, record)  # a stream served with the wrong content type
        return
    if not text:
        raise not_a_completion("the body is empty.")
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        if record is not None:
            record.got_body(text)
        if close_delimited and text[:1] in "{[":
            raise stream_cut() from None  # JSON that stops where the connection stopped: a cut
        raise not_a_completion(repr(excerpt(text))) from None
    if record is not None:
        record.got_body(data)
    yield from builder.add_message(data)


def _raise_for_finish(answer: Answer, call: PreparedCall) -> None:
    name = call.provider.display_name
    if answer.finish_reason == "content_filter":
        raise ContentFilterError(
            Text(f"{name}'s content moderation stopped the answer.", f"{name} 的内容审核中止了回答。"),
            hint=Text("Rephrase the prompt; the part that arrived is kept.", "请换一种说法；已收到的部分会保留。"),
            provider=call.provider.name, partial=answer)
    if answer.finish_reason == "insufficient_system_resource":
        raise ServerError(
            Text(f"{name} ran out of capacity and stopped the answer.", f"{name} 资源不足，回答被中止。"),
            hint=Text("Wait a moment and run the cell again.", "请稍等片刻后重新运行。"),
            provider=call.provider.name, partial=answer)


# -- the public API ------------------------------------------------------------------------------
def stream_events(provider: str, prompt: str | None = None, **options: Any) -> Generator[Event, None, None]:
    """Text and reasoning deltas, retry pauses, and finally ``Finished(answer)``."""
    hide_key(options)
    options.setdefault("stream", True)
    return run_call(prepare_call(provider, prompt, **options))


def ask(provider: str, prompt: str | None = None, *, stream: bool = False, **options: Any) -> Answer:
    """Ask ``provider`` (``"name"`` or ``"name:model"``) and return the whole :class:`Answer`."""
    hide_key(options)
    for event in run_call(prepare_call(provider, prompt, stream=stream, **options)):
        if isinstance(event, Finished):
            return event.answer
    raise AssertionError("run_call ended without an answer")  # pragma: no cover


def stream(provider: str, prompt: str | None = None, **options: Any) -> Iterator[str]:
    """The answer's text pieces as they arrive (reasoning is left out; see ``stream_events``)."""
    hide_key(options)
    options["stream"] = True
    for event in run_call(prepare_call(provider, prompt, **options)):
        if isinstance(event, TextDelta):
            yield event.text


def list_models(provider: str | Provider, *, key: str | Secret | None = None, base_url: str | None = None,
                timeout: float | None = None) -> list[dict[str, Any]]:
    """The provider's ``GET /models`` list: the cheapest real call, used to check a key."""
    adapter, base_url, key = resolve_endpoint(provider, key=key, base_url=base_url)
    timeout = settings.timeout if timeout is None else timeout
    deadline = time.monotonic() + timeout
    context = Context(adapter, adapter.default_model(), base_url, key, path="/models")
    response = transport.get(transport.session_for(adapter.name), f"{base_url}/models", provider=adapter.name,
                             key=key, connect_timeout=settings.connect_timeout,
                             read_timeout=min(settings.read_timeout, timeout), deadline=deadline, timeout=timeout)
    failed = response.status_code >= 300  # a redirect included: it is never followed
    try:
        body = b"".join(transport.read_chunks(response, provider=adapter.name, deadline=deadline, timeout=timeout,
                                              limit=transport.ERROR_BODY_LIMIT if failed else None))
    finally:
        response.close()
    if failed:
        raise error_for_status(response.status_code, body, context, response.headers)
    try:
        data = json.loads(body.decode("utf-8", errors="replace").strip())
    except (ValueError, RecursionError):
        raise not_a_completion(repr(excerpt(body))) from None
    models = data.get("data") if isinstance(data, dict) else data
    if not isinstance(models, list):
        raise not_a_completion("no 'data' list in the /models reply.")
    return [m if isinstance(m, dict) else {"id": str(m)} for m in models]


__all__ = ["ask", "stream", "stream_events", "list_models", "run_call", "prepare_call",
           "TextDelta", "ReasoningDelta", "RetryWait", "Finished"]
