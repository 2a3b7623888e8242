"""Pick the language of messages (English, Chinese or both) and hold bilingual texts."""

from __future__ import annotations

import functools
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


@functools.cache
def cjk_pattern(template: str = "[{cjk}]") -> re.Pattern[str]:
    """``template`` with ``{cjk}`` standing for the CJK characters, compiled on first use: a
    character class this wide takes the ``re`` compiler several milliseconds, which %load_ext and
    a first cell should not pay for a pattern they may never use."""
    return re.compile(template.replace("{cjk}", CJK_CHARACTERS))


def set_language(language: str) -> None:
    """Choose ``"en"``, ``"zh"``, ``"both"`` or ``"auto"`` (follow the locale)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    settings.language = language


def get_language() -> str:
    """The language in force: ``"en"``, ``"zh"`` or ``"both"`` (``"auto"`` resolved)."""
    if settings.language != "auto":
        return settings.language
    return language_from_environment()


#: locales that say nothing about the reader: the C locale, and the en_US that Docker images,
#: Colab and most JupyterHubs set for everyone
_NO_EVIDENCE = re.compile(r"^(c|posix|c\.[\w-]+|en_us(\.[\w-]+)?(@\w+)?)$", re.IGNORECASE)


def language_from_environment() -> str:
    """``LLM_MAGIC_LANGUAGE`` if set, ``zh`` for a Chinese locale, ``en`` for another chosen locale,
    and ``both`` (Chinese first) when the locale says nothing reliable (C, POSIX, unset, en_US)."""
    chosen = os.environ.get("LLM_MAGIC_LANGUAGE", "").strip().lower()
    if chosen in ("en", "zh", "both"):
        return chosen
    names = [name for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
             for name in os.environ.get(variable, "").split(":") if name.strip()]
    if not names:
        names = [_system_locale()]
    if any(name.lower().startswith(("zh", "chinese")) for name in names):
        return "zh"
    if any(name and not _NO_EVIDENCE.match(name.strip()) for name in names):
        return "en"
    return "both"


def _system_locale() -> str:
    """The locale Python reports (on Windows the user's own setting, such as 'Chinese (Simplified)_China')."""
    try:
        return locale.getlocale()[0] or ""
    except ValueError:
        return ""


def language_is_guessed() -> bool:
    """True when nobody chose a language and the locale gave no evidence: messages come in both."""
    return settings.language == "auto" and language_from_environment() == "both"


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
