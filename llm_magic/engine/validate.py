"""The refusals every engine entry point shares: a bad option is named before anything is sent."""

from __future__ import annotations

import math
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text

NOTHING_SENT = Text("Nothing was sent; fix the option and run again.", "请求没有发送；请修改选项后重新运行。")


def bad_option(en: str, zh: str, provider: str | None = None) -> ConfigurationError:
    """A ConfigurationError whose hint says that nothing was sent."""
    return ConfigurationError(Text(en, zh), hint=NOTHING_SENT, provider=provider)


def check_number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float | None:
    """``value`` if it is a number in ``[low, high]`` (``(low, high]`` when ``low_open``); None passes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise bad_option(f"{name} must be a number, not {value!r}.", f"{name} 必须是数字，你填的是 {value!r}。")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise bad_option(f"{name} must be in {bracket}{low:g}, {high:g}], not {value:g}.",
                         f"{name} 的取值范围是 {bracket}{low:g}, {high:g}]，你填的是 {value:g}。")
    return float(value)


def check_whole(name: str, value: Any, low: int, provider: str | None = None) -> int | None:
    """``value`` if it is a whole number of at least ``low``; None passes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise bad_option(f"{name} must be a whole number of at least {low}, not {value!r}.",
                         f"{name} 必须是不小于 {low} 的整数，你填的是 {value!r}。", provider)
    return value
