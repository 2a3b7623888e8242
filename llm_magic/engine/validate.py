"""The refusals every engine entry point shares: a bad option is named before anything is sent."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text

NOTHING_SENT = Text("Nothing was sent; fix the option and run again.", "请求没有发送；请修改选项后重新运行。")
#: half of a UTF-16 pair: what ``os.listdir`` makes of a file name's bytes that are not UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
#: a call needs at least this long: less cannot even open a connection
MIN_TIMEOUT = 0.1


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


def check_text(name: str, value: Any) -> str | None:
    """``value`` if it is text that can be sent (UTF-8); None passes."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        raise bad_option(f"The {name} is bytes, not text: decode it first, e.g. {name}.decode('utf-8').",
                         f"{name} 是 bytes 而不是文本：请先解码，例如 {name}.decode('utf-8')。")
    if not isinstance(value, str):
        kind = type(value).__name__
        raise bad_option(f"The {name} must be text (str), not {kind}; convert it with str() first.",
                         f"{name} 必须是文本（str），而不是 {kind}；请先用 str() 转换。")
    _check_surrogates(name, value)
    return value


def _check_surrogates(name: str, text: str) -> None:
    found = _SURROGATE.search(text)
    if found is None:
        return
    char, where = ascii(found.group()), found.start()
    raise ConfigurationError(
        Text(f"The {name} holds {char} at index {where}: half of a character pair, which cannot be sent. "
             "Text read with the wrong encoding (a GBK file name from os.listdir()) looks like this.",
             f"{name} 下标 {where} 处的字符是 {char}：这是半个代理对，无法发送。"
             "用错误编码读取的文本（例如 os.listdir() 得到的 GBK 文件名）就会这样。"),
        hint=Text("Nothing was sent. Decode such a name with os.fsencode(name).decode('gbk'), or replace the "
                  "character with text.encode('utf-8', 'replace').decode('utf-8').",
                  "请求没有发送。这样的文件名可以用 os.fsencode(name).decode('gbk') 正确解码，"
                  "也可以用 text.encode('utf-8', 'replace').decode('utf-8') 把这个字符替换掉。"))


def check_sendable(payload: Mapping[str, Any]) -> None:
    """Every string of the body can be encoded as UTF-8 (history and extra fields included)."""
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        _check_surrogates("request", _first_unsendable(payload) or "\ud800")
    except (TypeError, ValueError) as error:
        raise bad_option(f"The request holds a value that is not JSON: {error}.",
                         f"请求中有无法转换为 JSON 的值：{error}。") from None


def _first_unsendable(value: Any) -> str | None:
    if isinstance(value, str):
        return value if _SURROGATE.search(value) else None
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, (list, tuple)) else ()
    return next((found for item in items if (found := _first_unsendable(item)) is not None), None)
