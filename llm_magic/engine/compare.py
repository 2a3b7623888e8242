"""Send one prompt to several providers at once: wall time is the slowest one's, not the sum.

API::

    ask_many(["deepseek", "bailian:qwen-max"], "你好", **options) -> {label: Answer | LLMError}
    for label, event in stream_many(providers, prompt, **options):   # for a renderer
        ...  # event: TextDelta | ReasoningDelta | RetryWait | Finished | LLMError (the last one for that label)
    stream_calls({label: start_events, ...})   # the same, for calls the caller prepares itself

Labels are the spec strings as given (``"deepseek"``, ``"bailian:qwen-max"``), a repeated one
becoming ``"deepseek#2"``; see :func:`labels_for`. ``options`` are those of ``llm_magic.ask``
and apply to every provider (give models in the specs). One failing provider puts its
:class:`LLMError` in its own slot and never stops the others. The session budget
(``usage.limits``) is checked once, before anything is sent.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..answer import Answer
from ..errors import ConfigurationError, LLMError
from ..events import Event
from ..i18n import Text
from ..wire.watch import CancelScope
from . import client, usage

__all__ = ["ask_many", "labels_for", "stream_calls", "stream_many"]

#: starts one provider's call and returns its events; an LLMError it raises goes in that slot
StartEvents = Callable[[], Generator[Event, None, None]]
#: how long the caller waits for a stopped worker to end (one blocked in a DNS lookup cannot be woken)
_JOIN_SECONDS = 2.0


def labels_for(providers: Sequence[str]) -> list[str]:
    """One label per spec: the spec itself, ``"#2"``, ``"#3"``... appended when it repeats."""
    if isinstance(providers, str) or not providers:
        raise ConfigurationError(
            Text("Give a list of providers to compare, e.g. ['deepseek', 'bailian'].",
                 "请给出要比较的服务商列表，例如 ['deepseek', 'bailian']。"))
    labels: list[str] = []
    seen: dict[str, int] = {}
    for spec in providers:
        spec = spec.strip()
        seen[spec] = seen.get(spec, 0) + 1
        labels.append(spec if seen[spec] == 1 else f"{spec}#{seen[spec]}")
    return labels


def _preflight(prompt: str | None, options: dict[str, Any]) -> None:
    usage.check_before_send(prompt, messages=options.get("messages"), system=options.get("system"))


def ask_many(providers: Sequence[str], prompt: str | None = None, **options: Any) -> dict[str, Answer | LLMError]:
    """Ask every provider in parallel threads; each slot holds its Answer or its LLMError."""
    labels = labels_for(providers)
    _preflight(prompt, options)

    scope = CancelScope()

    def one(spec: str) -> Answer | LLMError:
        with scope.entered():
            try:
                return client.ask(spec, prompt, **options)
            except LLMError as error:
                return error

    with ThreadPoolExecutor(max_workers=len(labels), thread_name_prefix="llm_magic-compare") as pool:
        futures = [pool.submit(one, spec.strip()) for spec in providers]
        try:
            return {label: future.result() for label, future in zip(labels, futures, strict=False)}
        except BaseException:
            scope.cancel()  # Ctrl-C: close every request, so the pool's threads end now and not in minutes
            raise


_DONE = object()


def stream_many(providers: Sequence[str], prompt: str | None = None,
                **options: Any) -> Generator[tuple[str, Event | LLMError], None, None]:
    """``(label, event)`` pairs from all providers as they arrive; an error ends that label's stream.

    Closing the generator early (or an interrupt) closes every worker's connection and ends its thread.
    Bad arguments and a used-up session budget raise here, before the first ``next()``.
    """
    labels = labels_for(providers)
    _preflight(prompt, options)

    def starter(spec: str) -> StartEvents:
        return lambda: client.stream_events(spec, prompt, **options)

    return stream_calls({label: starter(spec.strip()) for label, spec in zip(labels, providers, strict=False)})


def stream_calls(calls: Mapping[str, StartEvents]) -> Generator[tuple[str, Event | LLMError], None, None]:
    """``(label, event)`` pairs from every call, each run in its own thread, as they arrive.

    When the caller stops early (Ctrl-C, an error, ``close()``), every call's request in flight
    is closed (``wire.watch.CancelScope``) and the threads are joined: nothing outlives the cell.
    """
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()
    scope = CancelScope()

    def worker(label: str, start: StartEvents) -> None:
        with scope.entered():
            _run_worker(label, start, inbox, stop)

    threads = [threading.Thread(target=worker, args=(label, start), daemon=True,
                                name=f"llm_magic-stream-{label}") for label, start in calls.items()]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            label, item = inbox.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, _Crash):
                raise item.error
            else:
                yield label, item
    finally:
        stop.set()
        scope.cancel()
        for thread in threads:
            thread.join(_JOIN_SECONDS)


def _run_worker(label: str, start: StartEvents, inbox: queue.Queue[tuple[str, Any]], stop: threading.Event) -> None:
    """One call's events into ``inbox``, then ``_DONE``; nothing more once ``stop`` is set."""
    try:
        events = start()
        try:
            for event in events:
                if stop.is_set():
                    return
                inbox.put((label, event))
        finally:
            events.close()
    except LLMError as error:
        if not stop.is_set():
            inbox.put((label, error))
    except BaseException as error:  # noqa: BLE001 - a bug, not a provider failure: re-raised in the caller
        inbox.put((label, _Crash(error)))
    finally:
        inbox.put((label, _DONE))


class _Crash:
    def __init__(self, error: BaseException) -> None:
        self.error = error
