"""The session's ledger of calls, tokens and estimated cost, and the guard rails checked before sending.

API::

    usage.ledger.record(answer)          # client.run_call does this for every finished call
    usage.ledger.summary() -> list[UsageRow]   # per provider and model; cost None = unknown price
    usage.ledger.reset()
    usage.limits.max_tokens_per_session = 50_000   # None: no limit (settings.max_tokens_per_session)
    usage.limits.long_prompt_tokens = 4_000        # warn above this estimate; None: never

Before sending, the cell runner (and ``compare``) call::

    warning = usage.check_before_send(prompt, messages=history, system=system)  # may raise

``check_before_send`` raises :class:`SessionBudgetError` once the session has used its
token budget, so nothing more is sent (or billed) until the teacher raises the limit.
Replayed answers (``Answer.replayed``) cost nothing and are not counted.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..answer import Answer
from ..config import settings
from ..errors import SessionBudgetError
from ..i18n import Text
from . import prices
from .tokens import MESSAGE_OVERHEAD, estimate_tokens

__all__ = ["Limits", "SessionBudgetError", "UsageLedger", "UsageRow", "check_before_send", "ledger", "limits",
           "price_answer"]


class Limits:
    """The guard rails of ``llm_magic.settings`` under their older names; setting one sets the setting."""

    @property
    def max_tokens_per_session(self) -> int | None:
        """Total tokens (in + out) one kernel session may use; None: no limit."""
        return settings.max_tokens_per_session

    @max_tokens_per_session.setter
    def max_tokens_per_session(self, value: int | None) -> None:
        settings.max_tokens_per_session = value

    @property
    def long_prompt_tokens(self) -> int | None:
        """Warn before sending a prompt estimated above this many tokens; None: never warn."""
        return settings.long_prompt_tokens

    @long_prompt_tokens.setter
    def long_prompt_tokens(self, value: int | None) -> None:
        settings.long_prompt_tokens = value


limits = Limits()


@dataclass(frozen=True)
class UsageRow:
    """Calls and tokens of one provider and model in this session, and their estimated cost."""

    provider: str
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    #: calls whose reply carried no usage (tokens and cost undercount them)
    calls_without_usage: int
    #: None when the price is unknown (never shown as zero)
    cost: float | None
    currency: str | None
    price_read_on: str | None
    #: calls that ended early (cut or stopped), whose tokens are estimated
    calls_estimated: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageLedger:
    """Counts per (provider, model); safe to call from several threads at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], dict[str, Any]] = {}

    def record(self, answer: Answer, at: _dt.datetime | None = None) -> None:
        """Add one finished call made at ``at`` (default: now); replayed answers are free and skipped."""
        if getattr(answer, "replayed", False):
            return
        provider = getattr(answer, "provider", None) or "?"
        model = getattr(answer, "model", None) or "?"
        usage = getattr(answer, "usage", None)
        with self._lock:
            row = self._rows.setdefault((provider, model), {
                "calls": 0, "prompt": 0, "completion": 0, "no_usage": 0, "estimated": 0, "usages": []})
            row["calls"] += 1
            row["estimated"] += 1 if usage and usage.get("estimated") else 0
            if usage:
                row["prompt"] += int(usage.get("prompt_tokens") or 0)
                row["completion"] += int(usage.get("completion_tokens") or 0)
                row["usages"].append((dict(usage), at or _dt.datetime.now(_dt.timezone.utc)))
            else:
                row["no_usage"] += 1

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()

    @property
    def total_tokens(self) -> int:
        with self._lock:
            return sum(row["prompt"] + row["completion"] for row in self._rows.values())

    def summary(self) -> list[UsageRow]:
        """One row per provider and model, in the order first used."""
        with self._lock:
            items = [(key, dict(row, usages=list(row["usages"]))) for key, row in self._rows.items()]
        rows = []
        for (provider, model), row in items:
            price = prices.price_for(provider, model)
            # priced now, at the hour each call was made: a price set for the course since then counts
            costs = [prices.cost(price, usage, when) for usage, when in row["usages"]]
            known = price is not None and price.known
            rows.append(UsageRow(
                provider, model, row["calls"], row["prompt"], row["completion"], row["no_usage"],
                cost=sum(c for c in costs if c is not None) if known else None,
                currency=price.currency if known and price else None,
                price_read_on=price.read_on if price else None, calls_estimated=row["estimated"]))
        return rows

    def check_budget(self) -> None:
        """Raise :class:`SessionBudgetError` if the session's token budget is used up."""
        limit = settings.max_tokens_per_session
        used = self.total_tokens
        if limit is not None and used >= limit:
            raise SessionBudgetError(
                Text(f"This session has used {used:,} tokens, reaching its limit of {limit:,}; nothing was sent.",
                     f"本次会话已使用 {used:,} 个 token，达到了 {limit:,} 的上限；请求没有发送。"),
                hint=Text("%llm_usage shows where they went. The limit is %config LLMMagics.max_tokens_per_session "
                          "(None removes it); restarting the kernel starts a new session.",
                          "%llm_usage 可查看用量明细。上限由 %config LLMMagics.max_tokens_per_session 设置"
                          "（设为 None 即取消）；重启内核会开始新的会话。"))


ledger = UsageLedger()


def price_answer(answer: Answer, at: _dt.datetime | None = None) -> None:
    """Write what ``answer`` cost onto it (``cost``, ``currency``), for the footer; unknown stays None."""
    found = prices.answer_cost(answer, at or _dt.datetime.now(_dt.timezone.utc))
    if found is not None:
        answer.cost, answer.currency = found.amount, found.currency


def budget_left() -> int | None:
    """Tokens this session may still use; None: no limit is set."""
    limit = settings.max_tokens_per_session
    return None if limit is None else max(0, limit - ledger.total_tokens)


def _most_tokens(prompt: str | None, messages: Sequence[Mapping[str, Any]] | None, system: str | None) -> int:
    """An upper bound of ``estimate_tokens`` over the three: their characters, and each message's overhead."""
    history = sum(len(str(m.get("content") or "")) + MESSAGE_OVERHEAD for m in messages or ())
    return len(prompt or "") + len(system or "") + history


def check_before_send(prompt: str | None = None, *, messages: Sequence[Mapping[str, Any]] | None = None,
                      system: str | None = None) -> Text | None:
    """Raise if the session budget is used up; a warning when the prompt is very long, else None."""
    ledger.check_budget()
    threshold = settings.long_prompt_tokens
    if threshold is None or _most_tokens(prompt, messages, system) <= threshold:
        return None  # the estimate never exceeds the characters: a short prompt is not even estimated
    size = estimate_tokens(prompt) + estimate_tokens(list(messages or ())) + estimate_tokens(system)
    if size <= threshold:
        return None
    return Text(
        f"This prompt is long: about {size:,} tokens by a rough estimate (warning above {threshold:,}). "
        "Long prompts cost more and answer more slowly.",
        f"这个提示词较长：粗略估计约 {size:,} 个 token（超过 {threshold:,} 时提醒）。"
        "提示词越长，费用越高，回答也越慢。")
