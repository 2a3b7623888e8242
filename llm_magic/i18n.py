"""Pick the language of messages (English, Chinese or both) and hold bilingual texts."""

from __future__ import annotations

import locale
import os
import re
from dataclasses import dataclass
from typing import Any

from .config import settings

LANGUAGES = ("auto", "en", "zh", "both")
#: CJK ideographs, kana, Hangul, and full-width punctuation and forms: the characters that make
#: a text "Chinese-like" for token estimates, and that stream one at a time
CJK_CHARACTERS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
CJK = re.compile(f"[{CJK_CHARACTERS}]")


def set_language(language: str) -> None:
    """Choose ``"en"``, ``"zh"``, ``"both"`` or ``"auto"`` (follow the locale)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    settings.language = language


def get_language() -> str:
    """The language in force: ``"en"``, ``"zh"`` or ``"both"`` (``"auto"`` resolved)."""
    if settings.language != "auto":
        return settings.language
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

    def format(self, **values: Any) -> Text:
        return Text(self.en.format(**values), self.zh.format(**values))

    def in_language(self, language: str) -> str:
        if language == "zh":
            return self.zh
        if language == "both":
            return self.zh if self.zh == self.en else f"{self.zh}\n{self.en}"
        return self.en

    def __str__(self) -> str:
        return self.in_language(get_language())

    def __add__(self, other: Text) -> Text:
        return Text(f"{self.en} {other.en}".strip(), f"{self.zh}{other.zh}".strip())


def say(text: Text) -> str:
    """A Text on one line: with language "both" the two versions are joined by " / "."""
    if get_language() == "both" and text.en != text.zh:
        return f"{text.zh} / {text.en}"
    return str(text)


def both(text: Text) -> str:
    """Both languages on one line, Chinese first, whatever the setting: "保存 Key / Save key" (button labels)."""
    return text.zh if text.zh == text.en else f"{text.zh} / {text.en}"
