"""Run one ``%%llm`` cell once its line is parsed: one provider or several, a conversation, the cache, the guards.

``llm.py`` turns the line into a :class:`Cell`; :func:`run_one` and :func:`run_many` resolve each
provider spec once, check what can be checked before anything is shown (budget, key, options,
context size), then hand the events to a renderer. Every import of a heavy module is local:
loading the extension stays free.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..engine.options import AskOptions, SendOptions
from ..render.show import Screen

if TYPE_CHECKING:
    from ..answer import Answer
    from ..engine.request import DraftRequest
    from ..engine.target import Target
    from ..errors import LLMError
    from ..events import Event
    from ..render.show import CallInfo


@dataclass(frozen=True)
class Cell:
    """What one cell asks for, with the magics' defaults already applied."""

    prompt: str
    asked: AskOptions
    send: SendOptions = SendOptions()
    #: ``-m``: one provider only
    model: str | None = None
    fmt: str = "markdown"
    screen: Screen = Screen()
    #: None: no conversation; "": the provider's own; else its name
    chat: str | None = None
    cache: bool = False
    refresh: bool = False
    #: ``--dry-run``: show what the call would cost, send nothing
    dry_run: bool = False
    store: Callable[[Any], None] = field(default=lambda result: None)
    #: ``--show-code LANGUAGE``: print the request as code before sending it
    show_code: str | None = None
    #: ``--show-raw``: show the raw reply after the answer
    show_raw: bool = False
    #: ``{names}`` replaced by notebook variables (the footer lists them)
    substituted: tuple[str, ...] = ()


def explained(error: LLMError, target: Target) -> LLMError:
    """A 400 about an unknown model gets "Did you mean ...?" (``catalog.explain_unknown_model``)."""
    from ..errors import BadRequestError

    if not isinstance(error, BadRequestError):
        return error
    from ..engine.catalog import explain_unknown_model

    better = explain_unknown_model(error, target)
    better.__suppress_context__ = True
    return better


def _notices(target: Target, draft: DraftRequest) -> None:
    """A model near its shutdown (once a session), and what its parameter rules changed."""
    from ..engine.lifecycle import shutdown_notice
    from ..render.notice import show_warning

    show_warning(shutdown_notice(target))
    for note in draft.notes:
        show_warning(note)


def _dry_run(drafts: list[DraftRequest]) -> None:
    """``--dry-run``: the estimate of every drafted call; nothing is sent, no key is looked up."""
    from IPython.display import display

    from ..engine.estimate import estimate
    from .dry_run import dry_run_table

    display(dry_run_table([estimate(draft) for draft in drafts]))


def _before_sending(cell: Cell, asked: AskOptions) -> None:
    """Refuse once the session budget is used up; warn about a very long prompt."""
    from ..engine import usage
    from ..render.notice import show_warning

    show_warning(usage.check_before_send(cell.prompt, messages=asked.messages, system=asked.system))


def _events(draft: DraftRequest, asked: AskOptions, cell: Cell) -> tuple[CallInfo, Iterator[Event]]:
    """A replay when the cache has this call (no key, no server, no budget needed), else the live call.

    The live call is prepared from the same draft, so it is validated and its key found
    before anything is shown; with the cache on, its answer is recorded.
    """
    from ..engine import cache
    from ..engine.client import run_call
    from ..engine.request import prepare
    from ..render.notice import show_warning

    store = cache.get_cache() if cell.cache else None
    call_key = cache.key_of(draft) if store is not None else ""
    hit, warning = cache.safe_lookup(store, call_key) if store is not None and not cell.refresh else (None, None)
    if hit is not None:
        return draft, _replayed(hit, draft)
    if warning is not None:
        show_warning(warning)  # a broken cache file: the call goes live and is not recorded
        store = None
    _before_sending(cell, asked)
    call = prepare(draft, cell.send)
    events = run_call(call)
    return call, cache.recording(events, store, call_key) if store is not None else events


def _replayed(answer: Answer, draft: DraftRequest) -> Iterator[Event]:
    """A stored answer's events; a --json / --schema answer is parsed and checked again."""
    from ..engine import cache

    events = cache.replay_events(answer)
    if draft.expect is None:
        return events
    from ..engine.structured import checked

    return checked(events, draft.expect)


def _show_images(drafts: list[DraftRequest], cell: Cell) -> None:
    """Above the answer: thumbnails of the images sent (every provider of a cell gets the same ones)."""
    if drafts and drafts[0].images:
        from ..render.sent import show_sent_images

        show_sent_images(drafts[0].images, cell.screen)


def _with_history(target: Target, cell: Cell) -> tuple[AskOptions, str | None]:
    """``--chat``: the options with the conversation's earlier turns, and its name (None without --chat)."""
    if cell.chat is None:
        return cell.asked, None
    from ..render.notice import show_warning
    from . import conversation

    name = conversation.name_for(target, cell.chat)
    show_warning(conversation.check_context(name, cell.prompt, target, system=cell.asked.system))
    return replace(cell.asked, messages=conversation.history_for(name) or None), name


def run_one(spec: str, cell: Cell) -> Any:
    """One provider: history (``--chat``), replay or guard + prepare, stream, record the turn."""
    from ..engine.exchange import last_exchange
    from ..engine.request import draft_request
    from ..engine.target import resolve
    from ..errors import BadRequestError
    from ..render.show import show_call
    from . import wire_view

    target = resolve(spec, cell.model)
    asked, name = _with_history(target, cell)
    draft = draft_request(target, cell.prompt, asked)
    _notices(target, draft)
    _show_images([draft], cell)
    if cell.dry_run:
        if cell.show_code:
            wire_view.show_request(draft, cell.show_code)  # the request it would send, and nothing sent
        _dry_run([draft])
        return None
    before = last_exchange()
    call, events = _events(draft, asked, cell)
    if cell.show_code:
        wire_view.show_request(call, cell.show_code)
    try:
        answer = show_call(call, events, fmt=cell.fmt, store=cell.store, screen=cell.screen,
                           substituted=cell.substituted)
    except BadRequestError as error:
        raise explained(error, target) from error.__cause__
    finally:
        if cell.show_raw:
            wire_view.show_reply(before)
    _show_notes([answer])
    if name is not None:
        from . import conversation

        conversation.record(name, cell.prompt, answer)
    return answer


def run_many(specs: list[str], cell: Cell) -> dict[str, Any]:
    """Several providers at once (``compare.stream_calls``): wall time is the slowest one's.

    A failing provider shows its error in its own column; the cell fails only when all fail.
    """
    from ..errors import LLMError
    from ..render.columns import show_many
    from ..render.show import state_for

    drafts = _drafts(specs, cell)
    _show_images(list(drafts.values()), cell)
    if cell.dry_run:
        _dry_run(list(drafts.values()))
        return {}
    states = {label: state_for(draft, cell.fmt, cell.substituted) for label, draft in drafts.items()}
    replays, cell = _replays(drafts, cell)
    live = {label: draft for label, draft in drafts.items() if label not in replays}
    if live:
        _before_sending(cell, cell.asked)
    results = show_many(states, _many_events(live, replays, cell, drafts), store=cell.store, screen=cell.screen,
                        explain=lambda label, error: explained(error, drafts[label].target))
    _show_notes(results.values())
    errors = [result for result in results.values() if isinstance(result, LLMError)]
    if errors and len(errors) == len(results):
        raise errors[0]
    return results


def _drafts(specs: list[str], cell: Cell) -> dict[str, DraftRequest]:
    """Each provider's drafted call by label, with its notices shown (a model near shutdown...)."""
    from ..engine import compare
    from ..engine.request import draft_request
    from ..engine.target import resolve

    drafts = {}
    for label, spec in zip(compare.labels_for(specs), specs, strict=False):
        target = resolve(spec)
        drafts[label] = draft_request(target, cell.prompt, cell.asked)
        _notices(target, drafts[label])
    return drafts


def _replays(drafts: Mapping[str, DraftRequest], cell: Cell) -> tuple[dict[str, Answer], Cell]:
    """The stored answers of the calls the cache already has, by label (none without ``--cache``).

    A cache file that cannot be read is warned about once; the cell then runs without the cache.
    """
    from ..engine import cache
    from ..render.notice import show_warning

    if not cell.cache or cell.refresh:
        return {}, cell
    store = cache.get_cache()
    found: dict[str, Answer] = {}
    for label, draft in drafts.items():
        answer, warning = cache.safe_lookup(store, cache.key_of(draft))
        if warning is not None:
            show_warning(warning)
            return found, replace(cell, cache=False)
        if answer is not None:
            found[label] = answer
    return found, cell


def _show_notes(results: Iterable[Any]) -> None:
    """Each answer's notes (usage unreadable, not recorded in the cache), every different one once."""
    from ..render.notice import show_warning

    shown: list[Any] = []
    for result in results:
        for note in getattr(result, "notes", ()):
            if note not in shown:
                shown.append(note)
                show_warning(note)


def _many_events(live: Mapping[str, DraftRequest], replays: Mapping[str, Any],
                 cell: Cell, drafts: Mapping[str, DraftRequest]) -> Iterator[tuple[str, Any]]:
    """The replays first, then the live calls' events as they arrive (recorded when the cache is on)."""
    from ..engine import cache, compare
    from ..engine.client import run_call
    from ..engine.request import prepare

    for label, answer in replays.items():
        for event in _replayed(answer, drafts[label]):
            yield label, event
    if not live:
        return
    store = cache.get_cache() if cell.cache else None

    def starter(draft: DraftRequest) -> Callable[[], Generator[Event, None, None]]:
        def start() -> Generator[Event, None, None]:
            events = run_call(prepare(draft, cell.send))
            return cache.recording(events, store, cache.key_of(draft)) if store is not None else events
        return start

    pairs = compare.stream_calls({label: starter(draft) for label, draft in live.items()})
    try:
        yield from pairs
    finally:
        pairs.close()
