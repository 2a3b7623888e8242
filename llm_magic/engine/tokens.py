"""Estimate how many tokens a text or a message list takes, without shipping a tokenizer.

A text whose letters are at least a quarter CJK counts ``chars / 2`` tokens, other text
``chars / 4``, plus 4 tokens per message. Real tokenizers differ by up to about 1.5x, so
callers warn early and refuse only when an estimate is far over a limit that is sourced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..i18n import CJK

#: tokens a chat format adds around each message
MESSAGE_OVERHEAD = 4


def estimate_tokens(text: str | Sequence[Mapping[str, Any]] | None) -> int:
    """Rough token count of a text or a message list."""
    if not text:
        return 0
    if not isinstance(text, str):
        return sum(estimate_tokens(str(m.get("content") or "")) + MESSAGE_OVERHEAD for m in text)
    letters = sum(1 for ch in text if not ch.isspace()) or 1
    cjk_heavy = len(CJK.findall(text)) * 4 >= letters
    return math.ceil(len(text) / (2 if cjk_heavy else 4))
