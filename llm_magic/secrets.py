"""Keep keys out of every text a user can see: masking for display, redaction of echoes."""

from __future__ import annotations

import re
import threading

_known_keys: set[str] = set()
_lock = threading.Lock()
# Things that look like keys even when we never saw them (a provider echoing another key back).
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|hf_[A-Za-z0-9]{8,})")


def mask(key: str | None) -> str:
    """``sk-…a1b2``: a recognisable prefix and never more than the last 4 characters."""
    if not key:
        return ""
    prefix = ""
    for candidate in ("sk-sp-", "sk-", "hf_"):
        if key.startswith(candidate):
            prefix = candidate
            break
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{prefix}…{tail}"


def remember(key: str) -> None:
    """Note a key this process handles, so that :func:`redact` can hide it anywhere."""
    if key and len(key) >= 4:
        with _lock:
            _known_keys.add(key)


def forget(key: str) -> None:
    with _lock:
        _known_keys.discard(key)


def redact(text: str) -> str:
    """Replace every known key, and anything shaped like a key, by its mask."""
    if not text:
        return text
    with _lock:
        keys = sorted(_known_keys, key=len, reverse=True)
    for key in keys:
        if key in text:
            text = text.replace(key, mask(key))
    return _KEY_PATTERN.sub(lambda match: mask(match.group(0)), text)
