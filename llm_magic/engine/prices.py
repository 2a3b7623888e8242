"""Prices per million tokens, in one editable table; an unknown price stays unknown, never zero.

API (used by ``usage.py`` and ``%llm_usage``)::

    price_for("deepseek", "deepseek-flash") -> Price | None     # None: nobody filled it in
    set_price("deepseek", "deepseek-flash", input=..., output=..., currency="CNY", read_on="2026-11-20")
    cost(price, usage) -> float | None                          # None when the price is unknown

Only prices with a source in the project's provider notes are filled in. Those notes
(/work/shared/providers.md, read 2026-11) quote no per-token price for DeepSeek, Bailian,
ChatAnywhere, Hugging Face or OpenAI, so those rows name the pricing page and leave the
numbers empty. A teacher who reads the page fills them in for the course::

    from llm_magic import prices
    prices.set_price("deepseek", "*", input=2.0, output=8.0, currency="CNY", read_on="2026-11-20")

``demo`` and ``ollama`` cost nothing: the first is offline, the second runs on this computer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PRICES", "Price", "cost", "price_for", "set_price"]

ANY_MODEL = "*"


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


def _unknown(source: str) -> Price:
    return Price(None, None, source=source)


_FREE = Price(0.0, 0.0, currency=None, read_on=None, source="runs without a provider account")

#: provider → model (or ``"*"``) → price. Edit here, or call :func:`set_price` at run time.
PRICES: dict[str, dict[str, Price]] = {
    "deepseek": {ANY_MODEL: _unknown("https://api-docs.deepseek.com/zh-cn/quick_start/pricing")},
    "bailian": {ANY_MODEL: _unknown("https://help.aliyun.com/zh/model-studio/models")},
    "chatanywhere": {ANY_MODEL: _unknown("https://github.com/chatanywhere/GPT_API_free (free key: no charge; paid models priced there)")},
    "huggingface": {ANY_MODEL: _unknown("https://huggingface.co/docs/inference-providers/pricing (varies by routed provider)")},
    "openai": {ANY_MODEL: _unknown("https://openai.com/api/pricing/")},
    "ollama": {ANY_MODEL: _FREE},
    "demo": {ANY_MODEL: _FREE},
}
_lock = threading.Lock()


def _bare(model: str) -> str:
    """Hugging Face routes ``model:provider``; the price belongs to the model part."""
    return model.split(":", 1)[0] if ":" in model else model


def price_for(provider: str | None, model: str | None) -> Price | None:
    """The price of ``model``: exact name, then without an HF ``:provider`` suffix, then ``"*"``."""
    with _lock:
        table = PRICES.get(provider or "", {})
        for candidate in (model or "", _bare(model or ""), ANY_MODEL):
            if candidate in table:
                return table[candidate]
    return None


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
        PRICES.setdefault(provider, {})[model] = price
    return price


def cost(price: Price | None, usage: Mapping[str, Any] | None) -> float | None:
    """Estimated cost of one usage record (normalised by ``assemble.normalise_usage``)."""
    if price is None or not price.known or usage is None:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    cached = min(int(usage.get("cached_tokens") or 0), prompt)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    assert price.input is not None and price.output is not None and cached_rate is not None
    return ((prompt - cached) * price.input + cached * cached_rate + completion * price.output) / 1_000_000
