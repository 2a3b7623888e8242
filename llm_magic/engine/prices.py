"""Prices per million tokens: what each provider declares, and what a teacher sets for a course.

API (used by ``usage.py`` and ``%llm_usage``)::

    price_for("deepseek", "deepseek-flash") -> Price | None     # None: nobody filled it in
    set_price("deepseek", "deepseek-flash", input=..., output=..., currency="CNY", read_on="2026-11-20")
    cost(price, usage) -> float | None                          # None when the price is unknown

The declared prices live on the adapters (``Provider.prices``, dated, with their source); an
unknown price stays unknown, never zero. A teacher who reads the pricing page fills one in for
the course, and it wins over the declaration::

    from llm_magic import prices
    prices.set_price("deepseek", "*", input=2.0, output=8.0, currency="CNY", read_on="2026-11-20")
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ..errors import UnknownProviderError
from ..providers import get_provider
from ..providers.facts import ANY_MODEL, Price

__all__ = ["ANY_MODEL", "PRICES", "Price", "cost", "price_for", "set_price"]

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
              source: str | None = None) -> Price:
    """Record a price per million tokens (``model="*"`` for every model of the provider)."""
    if currency not in ("CNY", "USD"):
        raise ValueError(f"currency must be 'CNY' or 'USD', not {currency!r}")
    for name, value in (("input", input), ("output", output), ("cached_input", cached_input)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ValueError(f"{name} must be a non-negative number of {currency} per million tokens, not {value!r}")
    price = Price(input, output, currency, read_on, source, cached_input)
    with _lock:
        PRICES.setdefault(get_provider(provider).name, {})[model] = price
    return price


def cost(price: Price | None, usage: Mapping[str, Any] | None) -> float | None:
    """Estimated cost of one usage record (normalised by ``assemble.normalise_usage``)."""
    if price is None or price.input is None or price.output is None or usage is None:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = min(int(usage.get("cached_tokens") or 0), prompt)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    return ((prompt - cached) * price.input + cached * cached_rate + completion * price.output) / 1_000_000
