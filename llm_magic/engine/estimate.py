"""What a call would cost, worked out from its drafted body: ``%%llm --dry-run`` sends nothing.

API::

    estimate(draft) -> Estimate   # prompt tokens (estimated), the answer's cap, the dearest cost, budget left
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import settings
from ..i18n import Text
from ..providers.facts import Price
from . import prices, usage
from .request import DraftRequest
from .tokens import UPPER_MARGIN, estimate_tokens

__all__ = ["Estimate", "estimate"]

#: body fields that cap the answer's length, by provider family
_CAPS = ("max_tokens", "max_completion_tokens")


@dataclass(frozen=True)
class Estimate:
    """One drafted call, priced before sending."""

    provider: str
    model: str
    #: the estimate of ``engine.tokens`` for the messages that would be sent
    prompt_tokens: int
    #: --max-tokens as it would be sent (under whichever name the model takes); None: no cap
    max_tokens: int | None
    price: Price | None
    #: every prompt token at ``UPPER_MARGIN`` x the estimate, uncached, all of ``max_tokens`` out,
    #: at the dearest hour; None when the price is unknown or nothing caps the answer
    most: float | None
    #: tokens this session may still use; None: no limit
    budget_left: int | None
    notes: tuple[Text, ...] = ()

    @property
    def currency(self) -> str | None:
        return self.price.currency if self.price else None

    @property
    def may_exceed_budget(self) -> bool:
        """Whether the call could use more tokens than the session has left."""
        if self.budget_left is None:
            return False
        return self.prompt_tokens + (self.max_tokens or 0) > self.budget_left or self.max_tokens is None


def estimate(draft: DraftRequest) -> Estimate:
    """Price ``draft`` without a key or a request."""
    payload = draft.payload
    prompt = estimate_tokens(payload.get("messages") or [])
    cap = next((payload[name] for name in _CAPS if isinstance(payload.get(name), int)), None)
    price = prices.price_for(draft.provider.name, draft.model)
    most = prices.most_it_can_cost(price, math.ceil(prompt * UPPER_MARGIN), cap)
    left = usage.budget_left() if settings.max_tokens_per_session is not None else None
    return Estimate(draft.provider.name, draft.model, prompt, cap, price, most, left, draft.notes)
