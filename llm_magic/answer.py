"""The answer: a ``str`` that also carries the reasoning, usage, model and timing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .i18n import Text
from .markup import sanitize_markdown


class Answer(str):
    """The answer text, usable anywhere a ``str`` is, with what produced it attached.

    ``reasoning`` holds a reasoning model's thinking, kept apart from the answer and never
    sent back to the provider. ``data`` holds the parsed JSON value of a ``--json`` or
    ``--schema`` answer (None otherwise). ``notes`` are short remarks on how the answer came (its
    usage could not be read, the replay cache could not store it), shown as warnings by the magics.
    """

    reasoning: str | None
    usage: dict[str, Any] | None
    model: str | None
    provider: str | None
    finish_reason: str | None
    elapsed: float | None
    interrupted: bool
    replayed: bool
    #: what this answer cost by the provider's declared price (or a course's), in ``currency``;
    #: None when the price or the usage is unknown, and for a replay (which costs nothing)
    cost: float | None
    currency: str | None
    data: Any
    notes: tuple[Text, ...]

    def __new__(
        cls,
        text: str = "",
        *,
        reasoning: str | None = None,
        usage: dict[str, Any] | None = None,
        model: str | None = None,
        provider: str | None = None,
        finish_reason: str | None = None,
        elapsed: float | None = None,
        interrupted: bool = False,
        replayed: bool = False,
        cost: float | None = None,
        currency: str | None = None,
        notes: tuple[Text, ...] = (),
    ) -> Answer:
        self = super().__new__(cls, text)
        self.reasoning = reasoning or None
        self.usage = usage
        self.model = model
        self.provider = provider
        self.finish_reason = finish_reason
        self.elapsed = elapsed
        self.interrupted = interrupted
        self.replayed = replayed
        self.cost = cost
        self.currency = currency
        self.data = None
        self.notes = tuple(notes)
        return self

    def with_note(self, note: Text) -> Answer:
        """The same answer with one more note."""
        noted = Answer(self.text, reasoning=self.reasoning, usage=self.usage, model=self.model,
                       provider=self.provider, finish_reason=self.finish_reason, elapsed=self.elapsed,
                       interrupted=self.interrupted, replayed=self.replayed, cost=self.cost,
                       currency=self.currency, notes=(*self.notes, note))
        noted.data = self.data
        return noted

    @property
    def text(self) -> str:
        return str.__str__(self)

    def metadata(self) -> dict[str, Any]:
        """What produced this answer, for notebook metadata and logs (never a key)."""
        return {
            "provider": self.provider,
            "model": self.model,
            "usage": self.usage,
            "finish_reason": self.finish_reason,
            "elapsed": None if self.elapsed is None else round(self.elapsed, 3),
            "interrupted": self.interrupted,
            "replayed": self.replayed,
            "cost": self.cost,
            "currency": self.currency,
        }

    def __repr__(self) -> str:
        shown = self.text if len(self) <= 60 else self.text[:57] + "..."
        return f"Answer({shown!r}, provider={self.provider!r}, model={self.model!r})"

    def __reduce__(self) -> tuple[Callable[[str, dict[str, Any], str | None, Any], Answer],
                                  tuple[str, dict[str, Any], str | None, Any]]:
        return (_rebuild, (self.text, self.metadata(), self.reasoning, self.data))

    def _repr_markdown_(self) -> str:
        """Shown when ``_llm`` is displayed: the answer is untrusted, so its raw HTML shows as text."""
        return sanitize_markdown(self.text)


def _rebuild(text: str, metadata: dict[str, Any], reasoning: str | None, data: Any = None) -> Answer:
    metadata = dict(metadata)
    answer = Answer(text, reasoning=reasoning, **metadata)
    answer.data = data
    return answer
