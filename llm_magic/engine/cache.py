"""Replay cache for classrooms: answers recorded once, replayed offline, with no key and no server.

A SQLite file (``settings.cache_path``, default ``./.llm_magic_cache.sqlite`` next to the
notebook) keyed by a SHA-256 of canonical JSON of provider, model and everything sent but the
streaming switches. It stores the answer text, reasoning, usage, model, finish reason and time —
never a key. Any change of parameter, prompt, system prompt or model is a miss.

A cache file that cannot be used (damaged, read-only, locked by another program, a full disk)
never costs an answer: :func:`safe_lookup` reports it as a miss with a warning, and
:func:`recording` passes the answer on with a note instead of failing. A locked file is waited
for at most :data:`LOCK_WAIT` seconds.

The cell runner drafts a call once (``request.draft_request``), looks it up with
:func:`key_of` *before* any key is resolved (so a replay works with no key and the provider
offline), and on a miss prepares the same draft and wraps the live events in
:func:`recording`. A hit is replayed by :func:`replay_events` as ``ReasoningDelta`` /
``TextDelta`` pieces, then ``Finished(answer)`` with ``answer.replayed = True``.
:func:`cached_stream` does all of it from ``llm_magic.ask``'s arguments.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from ..answer import Answer
from ..config import settings
from ..events import Event, Finished, ReasoningDelta, TextDelta
from ..i18n import Text, cjk_pattern
from .client import run_call
from .options import split_options
from .request import DraftRequest, PreparedCall, draft_request, prepare
from .target import resolve

__all__ = [
    "DEFAULT_FILENAME",
    "ReplayCache",
    "cached_answer",
    "cached_stream",
    "configure",
    "get_cache",
    "key_for",
    "key_of",
    "recording",
    "replay_events",
    "request_key",
    "safe_lookup",
]

DEFAULT_FILENAME = ".llm_magic_cache.sqlite"
#: seconds to wait for a cache file another program holds locked: a replay is not worth more
LOCK_WAIT = 1.0
_NOT_SENT = ("stream", "stream_options")

_SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    call_key TEXT PRIMARY KEY, provider TEXT, model TEXT, text TEXT NOT NULL, reasoning TEXT,
    usage TEXT, finish_reason TEXT, elapsed REAL, created REAL NOT NULL)"""


class ReplayCache:
    """One SQLite file; safe across threads (one lock) and processes (SQLite's own locking)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else Path.cwd() / DEFAULT_FILENAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:  # opened on first use: a cache nobody uses creates no file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=LOCK_WAIT, check_same_thread=False)
            try:
                db.execute(_SCHEMA)
                db.commit()
            except sqlite3.Error:
                db.close()  # a damaged file: try afresh next time rather than keep a broken connection
                raise
            self._db = db
        return self._db

    def lookup(self, call_key: str) -> Answer | None:
        """The stored answer, marked ``replayed``; None on a miss."""
        with self._lock:
            row = self._connection().execute(
                "SELECT text, reasoning, usage, model, provider, finish_reason, elapsed "
                "FROM answers WHERE call_key = ?",
                (call_key,)).fetchone()
        if row is None:
            return None
        text, reasoning, usage, model, provider, finish_reason, elapsed = row
        return Answer(text, reasoning=reasoning, usage=json.loads(usage) if usage else None, model=model,
                      provider=provider, finish_reason=finish_reason, elapsed=elapsed, replayed=True)

    def store(self, call_key: str, answer: Answer) -> bool:
        """Keep ``answer`` under ``call_key`` (overwriting); an interrupted or empty answer is not kept."""
        if answer.interrupted or not (answer.text or answer.reasoning):
            return False
        usage = json.dumps(answer.usage, sort_keys=True) if answer.usage else None
        with self._lock:
            db = self._connection()
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (call_key, answer.provider, answer.model, answer.text, answer.reasoning, usage,
                        answer.finish_reason, answer.elapsed, time.time()))
            db.commit()
        return True

    def __len__(self) -> int:
        with self._lock:
            count: int = self._connection().execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            return count

    def clear(self) -> None:
        with self._lock:
            self._connection().execute("DELETE FROM answers")
            self._connection().commit()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


_caches: dict[Path, ReplayCache] = {}
_caches_lock = threading.Lock()


def configure(path: str | Path | None) -> None:
    """Where the default cache lives from now on (None: ``./.llm_magic_cache.sqlite``)."""
    settings.cache_path = None if path is None else str(path)


def get_cache(path: str | Path | None = None) -> ReplayCache:
    """The shared :class:`ReplayCache` for ``path`` (default: ``settings.cache_path``, else the working directory)."""
    path = path if path is not None else settings.cache_path
    chosen = Path(path) if path is not None else Path.cwd() / DEFAULT_FILENAME
    chosen = chosen.expanduser().resolve()
    with _caches_lock:
        if chosen not in _caches:
            _caches[chosen] = ReplayCache(chosen)
        return _caches[chosen]


def _hash(provider: str, model: str, payload: dict[str, Any]) -> str:
    sent = {k: v for k, v in payload.items() if k not in _NOT_SENT}
    canonical = json.dumps({"provider": provider, "model": model, "request": sent},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def key_of(draft: DraftRequest) -> str:
    """The cache key of a drafted call: provider, model, and everything sent but streaming switches."""
    return _hash(draft.provider.name, draft.model, draft.payload)


def key_for(call: PreparedCall) -> str:
    """The same key from a prepared call."""
    return _hash(call.provider.name, call.model, call.payload)


def request_key(provider: str, prompt: str | None = None, **options: Any) -> str:
    """The key of ``llm_magic.ask(provider, prompt, **options)`` without a key or a network."""
    model, asked, _ = split_options(options)
    return key_of(draft_request(resolve(provider, model), prompt, asked))


def cached_answer(provider: str, prompt: str | None = None, *, path: str | Path | None = None,
                  **options: Any) -> Answer | None:
    """The stored answer for this call, or None; needs no key and contacts nobody."""
    return get_cache(path).lookup(request_key(provider, prompt, **options))


#: a replayed piece: one CJK character, a word with the spaces before it, or spaces
_PIECE = r"[{cjk}]|\s*[^\s{cjk}]+|\s+"


def _pieces(text: str) -> list[str]:
    """Words (CJK: single characters), whitespace kept, so ``"".join`` restores the text."""
    return cjk_pattern(_PIECE).findall(text)


def replay_events(answer: Answer, delay: float = 0.0) -> Iterator[Event]:
    """A stored answer as a stream: reasoning, then text, piece by piece, then ``Finished``."""
    for cls, text in ((ReasoningDelta, answer.reasoning or ""), (TextDelta, answer.text)):
        for piece in _pieces(text):
            if delay:
                time.sleep(delay)
            yield cls(piece)
    replayed = Answer(answer.text, reasoning=answer.reasoning, usage=answer.usage, model=answer.model,
                      provider=answer.provider, finish_reason=answer.finish_reason, elapsed=answer.elapsed,
                      replayed=True)
    yield Finished(replayed)


#: what stops a cache file from being used: SQLite's errors and the file system's
CACHE_FAILURES = (sqlite3.Error, OSError)


def _why(error: BaseException) -> Text:
    """The cause of a cache failure in a few words."""
    words = str(error).lower()
    if "locked" in words or "busy" in words:
        return Text("another program holds it locked", "另一个程序锁定了它")
    if "readonly" in words or "read-only" in words or "permission" in words or "unable to open" in words:
        return Text("it cannot be written here", "此处无法写入")
    if "full" in words or "no space" in words:
        return Text("the disk is full", "磁盘已满")
    if "not a database" in words or "malformed" in words or "corrupt" in words:
        return Text("the file is damaged or is not a cache", "文件已损坏或不是缓存文件")
    return Text(type(error).__name__, type(error).__name__)


def not_read(cache: ReplayCache, error: BaseException) -> Text:
    """The warning for a cache that could not be looked in: the call goes live and is not recorded."""
    why = _why(error)
    return Text(f"The replay cache {cache.path} was not used ({why.en}): this answer comes live "
                "and is not recorded.",
                f"回放缓存 {cache.path} 未能使用（{why.zh}）：本次回答实时获取，不会被记录。")


def not_written(cache: ReplayCache, error: BaseException) -> Text:
    """The note for an answer the cache could not store: the answer itself is whole."""
    why = _why(error)
    return Text(f"The replay cache {cache.path} could not record this answer ({why.en}); "
                "the answer is complete and kept in _llm.",
                f"回放缓存 {cache.path} 未能记录这次回答（{why.zh}）；回答是完整的，已保存在 _llm 中。")


def safe_lookup(cache: ReplayCache, call_key: str) -> tuple[Answer | None, Text | None]:
    """``(stored answer or None, None)``, or ``(None, warning)`` when the file cannot be read."""
    try:
        return cache.lookup(call_key), None
    except CACHE_FAILURES as error:
        return None, not_read(cache, error)


def recording(events: Iterator[Event], cache: ReplayCache, call_key: str) -> Generator[Event, None, None]:
    """``events`` passed on; the finished answer is stored under ``call_key`` (or carries a note why not).

    ``close()`` and ``throw()`` reach ``events`` too, so a call stopped with ■ is billed for
    what arrived and its partial answer comes back (``client.run_call``)."""
    pending: Event | None = None
    while True:
        try:
            event = next(events) if pending is None else pending
        except StopIteration:
            return
        pending = None
        if isinstance(event, Finished):
            try:
                cache.store(call_key, event.answer)
            except CACHE_FAILURES as error:  # the paid answer matters more than its copy
                event = Finished(event.answer.with_note(not_written(cache, error)))
        try:
            yield event
        except GeneratorExit:
            getattr(events, "close", lambda: None)()
            raise
        except BaseException as error:  # noqa: BLE001 - passed on to the call, which raises it again
            throw = getattr(events, "throw", None)
            if throw is None:
                raise
            try:
                pending = throw(error)  # the next event, or the error raised again
            except StopIteration:
                return


def noting(events: Iterator[Event], note: Text) -> Generator[Event, None, None]:
    """``events`` passed on, the finished answer carrying ``note``."""
    for event in events:
        yield Finished(event.answer.with_note(note)) if isinstance(event, Finished) else event


def cached_stream(provider: str, prompt: str | None = None, *, refresh: bool = False,
                  path: str | Path | None = None, delay: float = 0.0, **options: Any) -> Iterator[Event]:
    """Replay a stored answer, or run the call live and store it; ``refresh`` forces a live call."""
    model, asked, send = split_options(options)
    draft = draft_request(resolve(provider, model), prompt, asked)
    cache, call_key = get_cache(path), key_of(draft)
    hit, warning = (None, None) if refresh else safe_lookup(cache, call_key)
    if hit is not None:
        if draft.expect is None:
            yield from replay_events(hit, delay)
        else:
            from .structured import checked  # a stored --json answer is parsed and checked again

            yield from checked(replay_events(hit, delay), draft.expect)
        return
    events = run_call(prepare(draft, send))
    yield from noting(events, warning) if warning is not None else recording(events, cache, call_key)
