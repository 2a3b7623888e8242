"""The models a provider lists, remembered for the session, and the closest one to a mistyped name.

API::

    models_for("deepseek", refresh=False) -> list[str]       # GET /models, cached per provider + base URL
    suggest("bailian", "Qwen-Plus") -> "qwen-plus" | None     # difflib; routing suffixes (HF ":cheapest") ignored
    explain_unknown_model(error, target) -> LLMError

The cell runner passes every :class:`BadRequestError` through ``explain_unknown_model``
before showing it: when the model is not in the provider's list, the returned copy's hint
starts with "Did you mean ...?". Any failure to list the models returns the original error.
"""

from __future__ import annotations

import difflib
import threading
from typing import Any

from ..errors import BadRequestError, LLMError
from ..i18n import Text
from ..providers import Provider
from .client import list_models
from .target import Target, resolve

__all__ = ["clear", "explain_unknown_model", "models_for", "suggest"]

#: explaining an error must not make the user wait long for it
EXPLAIN_TIMEOUT = 10.0

_cache: dict[tuple[str, str], list[str]] = {}
_lock = threading.Lock()


def _adapter(provider: str | Provider | Target) -> Provider:
    return provider.provider if isinstance(provider, Target) else resolve(provider).provider


def models_for(provider: str | Provider | Target, refresh: bool = False, *, key: str | None = None,
               base_url: str | None = None, timeout: float | None = None) -> list[str]:
    """The model ids ``provider`` lists (sorted), fetched once per session unless ``refresh``."""
    adapter = _adapter(provider)
    name, url = adapter.name, adapter.base_url(base_url)
    with _lock:
        cached = None if refresh else _cache.get((name, url))
    if cached is not None:
        return list(cached)
    listed = list_models(adapter, key=key, base_url=url, timeout=timeout)
    ids = sorted({str(entry.get("id")) for entry in listed if entry.get("id")}, key=str.lower)
    with _lock:
        _cache[(name, url)] = ids
    return list(ids)


def clear() -> None:
    """Forget every cached list."""
    with _lock:
        _cache.clear()


def suggest(provider: str | Provider | Target, model: str, models: list[str] | None = None) -> str | None:
    """The listed model closest to ``model``; None if it is listed or nothing is close.

    Matching ignores case (ids are case-sensitive, so ``Qwen-Plus`` suggests ``qwen-plus``)
    and Hugging Face routing suffixes, which the suggestion keeps.
    """
    adapter = _adapter(provider)
    if models is None:
        models = models_for(adapter)
    bare = adapter.split_route
    wanted, suffix = bare(model)
    by_lower: dict[str, str] = {}
    for listed in models:
        by_lower.setdefault(bare(listed)[0].lower(), bare(listed)[0])
    if wanted in by_lower.values():
        return None
    exact = by_lower.get(wanted.lower())
    close = [exact] if exact else [
        by_lower[m] for m in difflib.get_close_matches(wanted.lower(), list(by_lower), n=1, cutoff=0.6)]
    return close[0] + suffix if close else None


def explain_unknown_model(error: LLMError, target: Target | str, model: str | None = None,
                          **endpoint: Any) -> LLMError:
    """``error`` with "Did you mean ...?" added to its hint, or ``error`` itself.

    Only a :class:`BadRequestError` is explained, and only when the model list can be
    fetched and the target's model is not in it; ``endpoint`` (key, base_url) goes to :func:`models_for`.
    """
    if not isinstance(error, BadRequestError):
        return error
    try:
        asked = target if isinstance(target, Target) and model is None else resolve(target, model)
        endpoint.setdefault("timeout", EXPLAIN_TIMEOUT)
        closest = suggest(asked, asked.model, models_for(asked, **endpoint))
    except Exception:  # noqa: BLE001 - the original error matters more than this failure
        return error
    if not closest:
        return error
    (message_en, hint_en), (message_zh, hint_zh) = error.texts("en"), error.texts("zh")
    hint = Text(f"Did you mean {closest!r}? {hint_en}".strip(), f"是不是想用 {closest!r}？{hint_zh}".strip())
    better = type(error)(Text(message_en, message_zh), hint=hint, provider=error.provider, status=error.status,
                         partial=error.partial, retry_after=error.retry_after)
    better.show_traceback = error.show_traceback
    better.suggestion = closest  # type: ignore[attr-defined]
    better.__cause__ = error.__cause__
    return better
