"""The models a provider lists, remembered for the session, and the closest one to a mistyped name.

API::

    models_for("deepseek", refresh=False) -> list[str]       # GET /models, cached per provider + base URL
    model_infos("openai") -> list[ModelInfo]                  # the same list with shutdown dates (OpenAI's
                                                              # ``shutdown_date``, a ``deprecated`` flag)
    listed_shutdown("openai", "gpt-5-mini") -> str | None     # from this session's list only: no request
    suggest("bailian", "Qwen-Plus") -> "qwen-plus" | None     # difflib; routing suffixes (HF ":cheapest") ignored
    explain_unknown_model(error, target) -> LLMError

The cell runner passes every :class:`BadRequestError` through ``explain_unknown_model``
before showing it: when the model is not in the provider's list, the returned copy's hint
starts with "Did you mean ...?". Any failure to list the models returns the original error.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequestError, LLMError
from ..i18n import Text
from ..providers import Provider
from .client import list_models
from .target import Target, provider_of, resolve

__all__ = ["ModelInfo", "clear", "explain_unknown_model", "listed_shutdown", "model_infos", "models_for", "suggest"]

#: explaining an error must not make the user wait long for it
EXPLAIN_TIMEOUT = 10.0
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ModelInfo:
    """One listed model, and what the list says of its end."""

    id: str
    #: "YYYY-MM-DD" (OpenAI's ``shutdown_date``); None: none announced
    shutdown: str | None = None
    deprecated: bool = False


def _info(entry: dict[str, Any]) -> ModelInfo:
    shutdown = entry.get("shutdown_date")
    shutdown = shutdown if isinstance(shutdown, str) and _DATE.fullmatch(shutdown) else None
    deprecated = entry.get("deprecated") is True or entry.get("status") == "deprecated" or shutdown is not None
    return ModelInfo(str(entry.get("id")), shutdown, deprecated)


_cache: dict[tuple[str, str], list[ModelInfo]] = {}
_lock = threading.Lock()


def _adapter(provider: str | Provider | Target) -> Provider:
    return provider.provider if isinstance(provider, Target) else provider_of(provider)


def models_for(provider: str | Provider | Target, refresh: bool = False, *, key: str | None = None,
               base_url: str | None = None, timeout: float | None = None) -> list[str]:
    """The model ids ``provider`` lists (sorted), fetched once per session unless ``refresh``."""
    return [info.id for info in model_infos(provider, refresh, key=key, base_url=base_url, timeout=timeout)]


def model_infos(provider: str | Provider | Target, refresh: bool = False, *, key: str | None = None,
                base_url: str | None = None, timeout: float | None = None) -> list[ModelInfo]:
    """The models ``provider`` lists, sorted by id, with their shutdown dates; cached like ``models_for``."""
    adapter = _adapter(provider)
    name, url = adapter.name, adapter.base_url(base_url)
    with _lock:
        cached = None if refresh else _cache.get((name, url))
    if cached is not None:
        return list(cached)
    listed = list_models(adapter, key=key, base_url=url, timeout=timeout)
    unique = {str(entry.get("id")): _info(entry) for entry in listed if entry.get("id")}
    infos = [unique[model] for model in sorted(unique, key=str.lower)]
    with _lock:
        _cache[(name, url)] = infos
    return list(infos)


def listed_shutdown(provider: Provider, model: str) -> str | None:
    """The shutdown date a list fetched this session gave ``model``; None if none did (nothing is fetched)."""
    with _lock:
        lists = [infos for (name, _), infos in _cache.items() if name == provider.name]
    found = (info.shutdown for infos in lists for info in infos if info.id == model and info.shutdown)
    return next(found, None)


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
