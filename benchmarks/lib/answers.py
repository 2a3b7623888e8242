"""The answers the benchmark server sends, chosen by the prompt: ``bench tokens=500 delay=0.02``.

A prompt is the one thing every client (llm_magic, a bare loop, the openai SDK, a kernel cell)
passes through unchanged, so it carries the script; the server in ``serve.py`` reads it back.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

_WORDS = ("the model streams tokens into a notebook cell while the reader waits and each "  # noqa: SIM905 - a sentence
          "update redraws markdown with lists code and links so that rendering stays cheap "
          "enough for long answers on small machines").split()


#: the shapes an answer can take: many short blocks, one long code block, one long paragraph
SHAPES = ("markdown", "code", "paragraph")


@dataclass(frozen=True)
class Script:
    """What the server should answer: ``tokens`` SSE events of a ``shape``, paced by ``first_delay``/``delay``."""

    tokens: int = 20
    delay: float = 0.0
    first_delay: float = 0.0
    chunked: bool = True
    shape: str = "markdown"

    def prompt(self) -> str:
        return (f"bench tokens={self.tokens} delay={self.delay:g} "
                f"first_delay={self.first_delay:g} chunked={int(self.chunked)} shape={self.shape}")

    @classmethod
    def parse(cls, prompt: str) -> Script | None:
        words = prompt.strip().split()
        if not words or words[0] != "bench":
            return None
        fields = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        return cls(int(fields.get("tokens", 20)), float(fields.get("delay", 0)),
                   float(fields.get("first_delay", 0)), fields.get("chunked", "1") != "0",
                   fields.get("shape", "markdown"))

    def answer(self) -> str:
        return shaped_answer(self.shape, self.tokens)


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _blocks(rng: random.Random) -> Iterator[str]:
    """Markdown blocks, cycling through what LLM answers contain."""
    for index in itertools.count():
        kind = index % 5
        if kind == 0:
            yield f"## Section {index // 5 + 1}"
        elif kind in (1, 3):
            yield _paragraph(rng, 40)
        elif kind == 2:
            yield "\n".join(f"- **item** {_paragraph(rng, 6)}" for _ in range(4))
        else:
            yield "```python\nfor token in stream:\n    show(token)\n```"


def markdown_tokens(count: int, seed: int = 6) -> list[str]:
    """Exactly ``count`` stream events' worth of a plausible Markdown answer.

    Tokens are cut by the loopback server's own rule (``split_tokens``: one word with its
    leading whitespace), so the server sends exactly ``count`` content events. The last block
    is a paragraph cut to fit (one word is one token), never a half-open code fence.
    """
    from llm_magic.loopback.wire import split_tokens

    rng = random.Random(seed)
    text = ""
    used = 0
    blocks = _blocks(rng)
    while used < count:  # each pass adds at least one token
        block = next(blocks)
        sep = "\n\n" if text else ""
        size = len(split_tokens(sep + block))
        if used + size > count:
            block = _paragraph(rng, count - used)
            size = count - used
        text += sep + block
        used += size
    tokens = split_tokens(text)
    assert len(tokens) == count, (len(tokens), count)
    return tokens


def markdown_answer(count: int) -> str:
    return "".join(markdown_tokens(count))


def _code_lines(rng: random.Random) -> Iterator[str]:
    """Lines of a long Python function, indented as code is."""
    names = ("total", "value", "weight", "count", "token", "stream", "cell", "row")
    for index in itertools.count():
        a, b = rng.choice(names), rng.choice(names)
        indent = "    " * (1 + index % 3)
        yield f"{indent}{a} = {b} + values[{index}] * {rng.randint(2, 99)}  # step {index}"


def _sentences(rng: random.Random) -> Iterator[str]:
    for _ in itertools.count():
        yield _paragraph(rng, rng.randint(8, 20)).capitalize() + "."


def _fill(pieces: Iterator[str], count: int, head: str, sep: str, tail: str) -> list[str]:
    """``head`` + pieces joined by ``sep`` + ``tail``, cut to exactly ``count`` stream events."""
    from llm_magic.loopback.wire import split_tokens

    budget = count - len(split_tokens(head + tail))
    body: list[str] = []
    used = 0
    while used < budget:
        piece = (sep if body else "") + next(pieces)
        size = len(split_tokens(piece))
        if used + size > budget:
            piece = "".join(split_tokens(piece)[:budget - used])
            size = budget - used
        body.append(piece)
        used += size
    tokens = split_tokens(head + "".join(body) + tail)
    assert len(tokens) == count, (len(tokens), count)
    return tokens


def shaped_tokens(shape: str, count: int, seed: int = 6) -> list[str]:
    """Exactly ``count`` stream events of an answer of ``shape`` (see ``SHAPES``)."""
    rng = random.Random(seed)
    if shape == "markdown":
        return markdown_tokens(count, seed)
    if shape == "code":
        return _fill(_code_lines(rng), count, "```python\ndef run(values):\n", "\n", "\n    return total\n```")
    if shape == "paragraph":
        return _fill(_sentences(rng), count, "", " ", "")
    raise ValueError(f"unknown shape {shape!r}; one of {SHAPES}")


def shaped_answer(shape: str, count: int) -> str:
    return "".join(shaped_tokens(shape, count))
