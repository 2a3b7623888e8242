"""Spot a key typed on a magic line, and scrub it from IPython's input history.

IPython stores a cell in ``In``/``_ih``, ``_i``/``_iN``, ``linecache`` and the history database *before* it
runs; the database write happens on a background thread, under ``db_input_cache_lock``. So
while holding that lock the entry is either still in the cache (edit it there) or already
committed (update the row). The notebook file keeps the cell's text: only the user can remove
it from there, which is why the refusal says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..secrets import mask

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

_PREFIXED = re.compile(r"^(sk-|hf_)[A-Za-z0-9_\-.]{8,}$")
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-.]{20,}$")


def key_like_tokens(line: str, allowed: Iterable[str] = ()) -> list[str]:
    """Words of ``line`` that look like a key: ``sk-…``/``hf_…``, or 20+ letters and digits mixed.

    Paths (anything with a slash) and the words in ``allowed`` are never keys.
    """
    allowed = {word.lower() for word in allowed}
    words = (word.lstrip("-") for word in re.split(r"[\s=,;:'\"]+", line))
    return [word for word in words if word.lower() not in allowed and _looks_like_key(word)]


def _looks_like_key(word: str) -> bool:
    if not word or "/" in word or "\\" in word:
        return False  # a path
    if _PREFIXED.match(word):
        return True
    return bool(_TOKENISH.match(word)) and any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def _scrub(text: Any, secrets: list[str]) -> Any:
    if not isinstance(text, str):
        return text
    for secret in secrets:
        text = text.replace(secret, mask(secret) or "…")
    return text


def scrub_history(shell: InteractiveShell | None, secrets: list[str]) -> bool:
    """Replace ``secrets`` by their mask in the shell's history; True if something was replaced."""
    manager = getattr(shell, "history_manager", None)
    if manager is None or not secrets:
        return False
    changed = _scrub_input_lists(manager, secrets)
    changed = _scrub_namespace(getattr(shell, "user_ns", {}), secrets) or changed
    changed = _scrub_linecache(secrets) or changed
    return _scrub_database(manager, secrets) or changed


def _scrub_input_lists(manager: Any, secrets: list[str]) -> bool:
    """The last few entries of ``In``/``_ih`` (one list under two names) and the manager's ``_i`` copies."""
    changed = False
    for name in ("input_hist_parsed", "input_hist_raw"):
        entries = getattr(manager, name, None) or []
        for index in range(len(entries) - 1, max(-1, len(entries) - 4), -1):
            clean = _scrub(entries[index], secrets)
            if clean != entries[index]:
                entries[index] = clean
                changed = True
    for name in ("_i", "_ii", "_iii", "_i00"):
        if hasattr(manager, name):
            setattr(manager, name, _scrub(getattr(manager, name), secrets))
    return changed


def _scrub_namespace(namespace: dict[str, Any], secrets: list[str]) -> bool:
    """``_i``, ``_ii``, ``_iN`` in the notebook's namespace."""
    changed = False
    for name, value in list(namespace.items()):
        if re.fullmatch(r"_i+|_i\d+", name) and isinstance(value, str):
            clean = _scrub(value, secrets)
            if clean != value:
                namespace[name] = clean
                changed = True
    return changed


def _scrub_linecache(secrets: list[str]) -> bool:
    """IPython keeps each cell's text in ``linecache`` for tracebacks: a full traceback would show it."""
    import linecache

    changed = False
    for name, entry in list(linecache.cache.items()):
        if len(entry) == 4 and isinstance(entry[2], list) and any(s in line for line in entry[2] for s in secrets):
            size, mtime, lines, fullname = entry
            linecache.cache[name] = (size, mtime, [_scrub(line, secrets) for line in lines], fullname)
            changed = True
    return changed


def _scrub_database(manager: Any, secrets: list[str]) -> bool:
    lock = getattr(manager, "db_input_cache_lock", None)
    if lock is None:
        return False
    changed = False
    with lock:
        cache = manager.db_input_cache
        for index, (number, source, raw) in enumerate(cache):
            clean = (number, _scrub(source, secrets), _scrub(raw, secrets))
            if clean != cache[index]:
                cache[index] = clean
                changed = True
        if not getattr(manager, "enabled", False):
            return changed
        try:
            db = manager.db
            with db:
                for secret in secrets:
                    cursor = db.execute(
                        "UPDATE history SET source = replace(source, ?, ?), source_raw = replace(source_raw, ?, ?) "
                        "WHERE session = ? AND (instr(source, ?) > 0 OR instr(source_raw, ?) > 0)",
                        (secret, mask(secret), secret, mask(secret), manager.session_number, secret, secret))
                    changed = changed or cursor.rowcount > 0
        except Exception:  # noqa: BLE001 - a locked or read-only history database must not break the magic
            pass
    return changed
