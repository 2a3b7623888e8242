"""Run one ``%%llm`` cell once its line is parsed: one provider or several, a conversation, the cache, the guards.

``magics.py`` turns the line into a :class:`Cell`; :func:`run_one` and :func:`run_many` check
what can be checked before anything is shown (budget, key, options, context size), then hand
the events to a renderer. Every import is local: loading the extension stays free.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cell:
    """What one cell asks for, with the magics' defaults already applied."""

    prompt: str
    options: dict[str, Any]           # llm_magic.ask options: model, system, temperature, ... stream, timeout
    fmt: str = "markdown"
    show: dict[str, Any] = field(default_factory=dict)   # terminal, widgets, shell: for the renderer
    chat: str | None = None           # None: no conversation; "": the provider's own; else its name
    cache: bool = False
    refresh: bool = False
    cache_path: str | None = None
    store: Callable[[Any], None] = lambda result: None


@dataclass(frozen=True)
class Described:
    """What a renderer needs to know about a call that was not prepared (a replay, a comparison)."""

    provider: Any
    model: str
    parameters: dict[str, Any]


def describe(spec: str, options: dict[str, Any]) -> Described:
    """Provider and model of ``spec`` without a key or a network (unknown names still raise)."""
    from ..providers import get_provider
    from ..engine.request import split_provider

    name, model_in_spec = split_provider(spec)
    adapter = get_provider(name)
    model = (options.get("model") or model_in_spec or adapter.default_model()).strip()
    parameters = {k: options[k] for k in ("temperature", "max_tokens", "top_p") if options.get(k) is not None}
    return Described(adapter, model, parameters)


def warn(text: Any) -> None:
    """Show a warning (a bilingual Text) above the answer; nothing when ``text`` is None."""
    if not text:
        return
    from IPython.display import display

    display({"text/plain": f"⚠ {text}",
             "text/markdown": f"<div style=\"font-size: 90%\">⚠️ {html.escape(str(text))}</div>"}, raw=True)


def explained(error: Exception, spec: str, model: str) -> Exception:
    """A 400 about an unknown model gets "Did you mean ...?" (``catalog.explain_unknown_model``)."""
    from ..errors import BadRequestError

    if not isinstance(error, BadRequestError):
        return error
    from ..engine.catalog import explain_unknown_model

    better = explain_unknown_model(error, spec, model)
    better.__suppress_context__ = True
    return better


def run_one(spec: str, cell: Cell) -> Any:
    """One provider: history (``--chat``), replay or guard + prepare, stream, record the turn."""
    from ..engine import cache
    from ..engine.client import run_call
    from ..errors import BadRequestError
    from ..render import show_call
    from ..engine.request import prepare_call

    options = dict(cell.options)
    name = None
    if cell.chat is not None:
        from . import conversation

        name = conversation.name_for(spec, cell.chat)
        warn(conversation.check_context(name, cell.prompt, spec, model=options.get("model"),
                                        system=options.get("system")))
        options["messages"] = conversation.history_for(name) or None
    replay = cell.cache and not cell.refresh and cache.cached_answer(
        spec, cell.prompt, path=cell.cache_path, **options) is not None
    if replay:
        call: Any = describe(spec, options)  # a replay needs no key, no server and no budget
    else:
        from ..engine import usage

        warn(usage.check_before_send(cell.prompt, messages=options.get("messages"), system=options.get("system")))
        call = prepare_call(spec, cell.prompt, **options)  # raises before anything is shown
    events = (cache.cached_stream(spec, cell.prompt, refresh=cell.refresh, path=cell.cache_path, **options)
              if cell.cache else run_call(call))
    try:
        answer = show_call(call, events, fmt=cell.fmt, store=cell.store, **cell.show)
    except BadRequestError as error:
        raise explained(error, spec, call.model) from error.__cause__
    if name is not None:
        from . import conversation

        conversation.record(name, cell.prompt, answer)
    return answer


def run_many(specs: list[str], cell: Cell) -> dict[str, Any]:
    """Several providers at once (``compare.stream_many``): wall time is the slowest one's.

    A failing provider shows its error in its own column; the cell fails only when all fail.
    """
    from ..engine import cache, compare
    from ..errors import LLMError
    from ..render.columns import show_many
    from ..render.state import StreamState

    labels = compare.labels_for(specs)
    described = {label: describe(spec, cell.options) for label, spec in zip(labels, specs)}
    states = {label: StreamState(d.provider.name, d.provider.display_name, d.model, d.parameters, cell.fmt)
              for label, d in described.items()}
    replays = {}
    if cell.cache and not cell.refresh:
        for label, spec in zip(labels, specs):
            hit = cache.cached_answer(spec, cell.prompt, path=cell.cache_path, **cell.options)
            if hit is not None:
                replays[label] = hit
    live = [(label, spec) for label, spec in zip(labels, specs) if label not in replays]
    if live:
        from ..engine import usage

        warn(usage.check_before_send(cell.prompt, system=cell.options.get("system")))
    spec_of = dict(zip(labels, specs))
    results = show_many(states, _many_events(live, replays, cell), store=cell.store,
                        explain=lambda label, error: explained(error, spec_of[label], described[label].model),
                        **cell.show)
    errors = [result for result in results.values() if isinstance(result, LLMError)]
    if errors and len(errors) == len(results):
        raise errors[0]
    return results


def _many_events(live: list[tuple[str, str]], replays: dict[str, Any], cell: Cell) -> Iterator[tuple[str, Any]]:
    from ..engine import cache, compare
    from ..events import Finished

    for label, answer in replays.items():
        for event in cache.replay_events(answer):
            yield label, event
    if not live:
        return
    specs = [spec for _, spec in live]
    label_of = dict(zip(compare.labels_for(specs), (label for label, _ in live)))
    spec_of = dict(live)
    pairs = compare.stream_many(specs, cell.prompt, **cell.options)
    try:
        for inner, item in pairs:
            label = label_of[inner]
            if cell.cache and isinstance(item, Finished):
                key = cache.request_key(spec_of[label], cell.prompt, **cell.options)
                cache.get_cache(cell.cache_path).store(key, item.answer)
            yield label, item
    finally:
        pairs.close()

