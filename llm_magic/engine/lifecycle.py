"""When the model in use is near or past its shutdown date: one note per model and session.

The dates come from the adapter's declared retirements (dated, with their source) and, when
this session already fetched the provider's list, its ``shutdown_date`` (OpenAI's ``/models``).
Nothing is fetched here: the check costs no request.
"""

from __future__ import annotations

import datetime as _dt
import threading

from ..config import settings
from ..i18n import Text
from .catalog import listed_shutdown
from .target import Target

__all__ = ["forget_warnings", "shutdown_notice"]

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def shutdown_notice(target: Target, today: _dt.date | None = None) -> Text | None:
    """A note the first time this session uses a model within ``settings.shutdown_warning_days``
    of its shutdown date (or past it), naming the replacement the provider gives; else None."""
    provider, model = target.provider, target.model
    declared = provider.retirement_of(model)
    day_text = listed_shutdown(provider, model) or (declared.shutdown if declared else None)
    if day_text is None:
        return None
    today = today or _dt.date.today()
    days = (_dt.date.fromisoformat(day_text) - today).days
    if days > settings.shutdown_warning_days:
        return None
    with _lock:
        if (provider.name, model) in _warned:
            return None
        _warned.add((provider.name, model))
    replacement = declared.replacement if declared else None
    return _when(provider.display_name, model, day_text, days) + _instead(provider.name, replacement)


def _when(name: str, model: str, day: str, days: int) -> Text:
    # "model (provider)": a relay such as ChatAnywhere serves models another company shuts down
    if days < 0:
        return Text(f"{model} ({name}) was shut down on {day}: calls to it fail.",
                    f"{model}（{name}）已于 {day} 停用：调用它会失败。")
    if days == 0:
        return Text(f"{model} ({name}) shuts down today ({day}).", f"{model}（{name}）今天（{day}）停用。")
    return Text(f"{model} ({name}) shuts down on {day}, in {days} days.",
                f"{model}（{name}）将于 {day} 停用，还有 {days} 天。")


def _instead(provider: str, replacement: str | None) -> Text:
    if replacement:
        return Text(f"The replacement it names is {replacement}: -m {replacement}, or for the whole course "
                    f"%config LLMMagics.models = {{{provider!r}: {replacement!r}}}.",
                    f"它推荐的替代模型是 {replacement}：用 -m {replacement}，或为整门课设置 "
                    f"%config LLMMagics.models = {{{provider!r}: {replacement!r}}}。")
    return Text(f"%llm_models {provider} lists the models to choose from instead.",
                f"可用 %llm_models {provider} 查看可以换用的模型。")


def forget_warnings() -> None:
    """Warn again about every model (a new session, or a test)."""
    with _lock:
        _warned.clear()
