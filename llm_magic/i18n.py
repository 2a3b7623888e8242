"""Pick the language of messages (English or Chinese) and hold bilingual texts."""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Any

_LANGUAGES = ("auto", "en", "zh", "both")
_language = "auto"


def set_language(language: str) -> None:
    """Choose ``"en"``, ``"zh"``, ``"both"`` or ``"auto"`` (follow the locale)."""
    global _language
    if language not in _LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(_LANGUAGES)}, not {language!r}")
    _language = language


def get_language() -> str:
    """The language in force: ``"en"``, ``"zh"`` or ``"both"`` (``"auto"`` resolved)."""
    if _language != "auto":
        return _language
    return "zh" if _locale_is_chinese() else "en"


def _locale_is_chinese() -> bool:
    for variable in ("LLM_MAGIC_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            if variable == "LLM_MAGIC_LANGUAGE" and value in ("en", "zh"):
                return value == "zh"
            return value.lower().startswith("zh")
    try:
        current = locale.getlocale()[0] or ""
    except ValueError:
        current = ""
    return current.lower().startswith(("zh", "chinese"))


@dataclass(frozen=True)
class Text:
    """One message in English and Chinese; ``str()`` gives the language in force."""

    en: str
    zh: str

    def format(self, **values: Any) -> "Text":
        return Text(self.en.format(**values), self.zh.format(**values))

    def in_language(self, language: str) -> str:
        if language == "zh":
            return self.zh
        if language == "both":
            return self.zh if self.zh == self.en else f"{self.zh}\n{self.en}"
        return self.en

    def __str__(self) -> str:
        return self.in_language(get_language())

    def __add__(self, other: "Text") -> "Text":
        return Text(f"{self.en} {other.en}".strip(), f"{self.zh}{other.zh}".strip())
