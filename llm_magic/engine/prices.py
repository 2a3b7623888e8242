"""Prices per million tokens: what each provider declares, and what a teacher sets for a course.

API (used by ``usage.py`` and ``%llm_usage``)::

    price_for("deepseek", "deepseek-flash") -> Price | None     # None: nobody filled it in
    set_price("deepseek", "deepseek-flash", input=..., output=..., currency="CNY", read_on="2026-11-20")
    cost(price, usage, at=None) -> float | None                 # None when the price is unknown
    answer_cost(answer, at) -> Cost | None                      # what the footer and %llm_usage show
    most_it_can_cost(price, prompt_tokens, max_tokens) -> float | None   # --dry-run: the dearest hour

``at`` (an aware datetime) picks DeepSeek's peak or off-peak price; cache hits reported in
``usage["cached_tokens"]`` (DeepSeek's ``prompt_cache_hit_tokens``) are charged at ``cached_input``.

The declared prices live on the adapters (``Provider.prices``, dated, with their source); an
unknown price stays unknown, never zero. A teacher who reads the pricing page fills one in for
the course, and it wins over the declaration::

    from llm_magic import prices
    prices.set_price("deepseek", "*", input=2.0, output=8.0, currency="CNY", read_on="2026-11-20")
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..answer import Answer
from ..errors import UnknownProviderError
from ..providers import get_provider
from ..providers.facts import ANY_MODEL, PeakHours, Price

__all__ = ["ANY_MODEL", "PRICES", "Cost", "PeakHours", "Price", "answer_cost", "cost", "most_it_can_cost",
           "price_for", "set_price"]

#: provider → model (or ``"*"``) → price set for this course with :func:`set_price`
PRICES: dict[str, dict[str, Price]] = {}
_lock = threading.Lock()


def price_for(provider: str | None, model: str | None) -> Price | None:
    """The price of ``model``: a course's own (exact name, without a routing suffix, ``"*"``), else the declared one."""
    try:
        adapter = get_provider(provider or "")
    except UnknownProviderError:
        return None
    model = model or ""
    with _lock:
        table = dict(PRICES.get(adapter.name, {}))
    for candidate in (model, adapter.split_route(model)[0], ANY_MODEL):
        if candidate in table:
            return table[candidate]
    return adapter.price(model)


def set_price(provider: str, model: str, *, input: float | None, output: float | None,
              currency: str, read_on: str | None = None, cached_input: float | None = None,
              source: str | None = None, peak: PeakHours | None = None) -> Price:
    """Record a price per million tokens (``model="*"`` for every model of the provider)."""
    if currency not in ("CNY", "USD"):
        raise ValueError(f"currency must be 'CNY' or 'USD', not {currency!r}")
    for name, value in (("input", input), ("output", output), ("cached_input", cached_input)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ValueError(f"{name} must be a non-negative number of {currency} per million tokens, not {value!r}")
    price = Price(input, output, currency, read_on, source, cached_input, peak)
    with _lock:
        PRICES.setdefault(get_provider(provider).name, {})[model] = price
    return price


def cost(price: Price | None, usage: Mapping[str, Any] | None, at: _dt.datetime | None = None) -> float | None:
    """Estimated cost of one usage record (normalised by ``assemble.normalise_usage``) made at ``at``.

    ``at=None`` prices a time-of-day price at its peak: never less than the bill.
    """
    if price is None or price.input is None or price.output is None or usage is None:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = min(int(usage.get("cached_tokens") or 0), prompt)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    amount = ((prompt - cached) * price.input + cached * cached_rate + completion * price.output) / 1_000_000
    return amount * price.multiplier(at)


@dataclass(frozen=True)
class Cost:
    """An amount in a currency, and whether it was billed at a peak-hour price."""

    amount: float
    currency: str | None
    peak: bool = False


def answer_cost(answer: Answer, at: _dt.datetime | None = None) -> Cost | None:
    """What ``answer`` cost by the price in force; None when the price or the usage is unknown."""
    if answer.replayed or not answer.usage:
        return None
    price = price_for(answer.provider, answer.model)
    amount = cost(price, answer.usage, at)
    if amount is None or price is None:
        return None
    return Cost(amount, price.currency, price.multiplier(at) > 1)


def most_it_can_cost(price: Price | None, prompt_tokens: int, max_tokens: int | None) -> float | None:
    """The dearest a call can be: every prompt token uncached, ``max_tokens`` out, at peak hours.

    None when the price is unknown or nothing caps the answer's length.
    """
    if price is None or not price.known or max_tokens is None:
        return None
    return cost(price, {"prompt_tokens": prompt_tokens, "completion_tokens": max_tokens}, at=None)
