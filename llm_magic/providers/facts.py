"""Facts a provider declares that change over time: its default model, context sizes, prices.

Each fact says when it was read and where, so a teacher can tell a stale one from a current
one; an unknown price or limit stays unknown (``None``), never zero. The engine reads them
from the adapter; ``llm_magic.settings`` and ``prices.set_price`` override them for a course.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultModel:
    """The model used when a cell names none, and when and where that choice was checked."""

    name: str
    checked: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ContextLimit:
    """How many tokens a model's context holds."""

    tokens: int
    #: sourced from the provider's documentation: only then may a call be refused
    certain: bool
    note: str


#: an unknown model: a conservative guess, which only ever warns
UNKNOWN_CONTEXT = ContextLimit(32_000, False, "unknown model: a conservative 32K")


@dataclass(frozen=True)
class Price:
    """Price per million tokens. ``None`` means unknown; 0 means free."""

    input: float | None
    output: float | None
    currency: str | None = None  # "CNY" or "USD"
    #: the day the price was read on the source page (prices change often)
    read_on: str | None = None
    source: str | None = None
    #: input tokens served from the provider's cache; None charges them at ``input``
    cached_input: float | None = None

    @property
    def known(self) -> bool:
        return self.input is not None and self.output is not None


#: ``Provider.prices`` key that applies to every model without a price of its own
ANY_MODEL = "*"


def unknown_price(source: str) -> Price:
    """A price nobody has filled in yet, with the page that lists it."""
    return Price(None, None, source=source)


#: what runs on this computer or offline
FREE = Price(0.0, 0.0, source="runs without a provider account")
