"""Deterministic embeddings for the loopback server and the demo: a hashed bag of characters.

Each character and each pair of neighbouring characters (case and spacing folded) adds a fixed
pseudo-random ±1 direction chosen by its CRC-32; the sum is scaled to length 1. Sentences that share
words or characters point the same way, so "similar sentences are close" shows offline, in any
language, the same on every machine.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from .flavours import Flavour
from .wire import count_prompt_tokens

DIMENSIONS = 128


def _direction(gram: str, dimensions: int) -> list[float]:
    """A fixed pseudo-random ±1 direction for one character or pair (xorshift seeded by CRC-32)."""
    state = zlib.crc32(gram.encode("utf-8")) or 1
    values = []
    for _ in range(dimensions):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        values.append(1.0 if state & 1 else -1.0)
    return values


def hashed_vector(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """The unit vector of ``text``'s characters and character pairs."""
    folded = " ".join(text.lower().split())
    total = [0.0] * dimensions
    grams = list(folded) + [folded[i:i + 2] for i in range(len(folded) - 1)]
    for gram in grams:
        if gram.strip():
            total = [a + b for a, b in zip(total, _direction(gram, dimensions), strict=True)]
    norm = math.sqrt(sum(value * value for value in total)) or 1.0
    return [round(value / norm, 6) for value in total]


def texts_of(body: Any, flavour: Flavour) -> list[str] | None:
    """The texts an embeddings request asks about: ``input`` (OpenAI) or ``inputs`` (Hugging Face)."""
    if not isinstance(body, Mapping):
        return None
    value = body.get("inputs" if flavour.embeddings == "feature-extraction" else "input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def embeddings_body(flavour: Flavour, model: str, texts: Sequence[str]) -> Any:
    """The reply: a bare list of vectors for feature-extraction, else OpenAI's ``{"data": [...]}``."""
    vectors = [hashed_vector(text) for text in texts]
    if flavour.embeddings == "feature-extraction":
        return vectors
    tokens = count_prompt_tokens(list(texts))
    return {"object": "list", "model": model,
            "data": [{"object": "embedding", "index": index, "embedding": vector}
                     for index, vector in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
