"""``%%llm --dry-run``: the call priced before sending, as one table; nothing is sent and no key is needed."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import settings
from ..engine.estimate import Estimate
from ..i18n import Text
from ..providers.facts import Price
from ..render.document import CURRENCY_SIGNS, cost_text
from ..render.table import Table

_UNKNOWN = Text("unknown", "未知")


def dry_run_table(estimates: Sequence[Estimate]) -> Table:
    """One row per provider: estimated prompt tokens, the answer's cap, the price, the most it can cost."""
    header = [str(t) for t in (
        Text("provider · model", "服务商 · 模型"), Text("prompt tokens (estimate)", "输入 token（估算）"),
        Text("answer at most", "回答上限"), Text("price per million", "每百万 token 单价"),
        Text("most it can cost", "最多花费"))]
    rows = [[f"{e.provider} · {e.model}", f"≈ {e.prompt_tokens:,}", _cap(e), _price(e.price), _most(e)]
            for e in estimates]
    title = Text("Dry run: nothing was sent", "试运行：请求没有发送")
    return Table(header, rows, title=str(title), note=str(_note(estimates)))


def _cap(estimate: Estimate) -> str:
    if estimate.max_tokens is None:
        return str(Text("no cap (--max-tokens)", "不限（--max-tokens）"))
    return str(Text(f"{estimate.max_tokens:,} tokens", f"{estimate.max_tokens:,} 个 token"))


def _price(price: Price | None) -> str:
    if price is None or not price.known or price.input is None or price.output is None:
        return str(_UNKNOWN)
    sign = CURRENCY_SIGNS.get(price.currency or "", "")
    text = f"{sign}{price.input:g} / {sign}{price.output:g}"
    if price.peak is not None:
        text += str(Text(f" (×{price.peak.multiplier:g} at peak hours)", f"（高峰时段 ×{price.peak.multiplier:g}）"))
    return text + (f" · {price.read_on}" if price.read_on else "")


def _most(estimate: Estimate) -> str:
    if estimate.most is not None:
        return cost_text(estimate.most, estimate.currency).replace("≈", "≤")
    if estimate.price is None or not estimate.price.known:
        return str(_UNKNOWN)
    return str(Text("no cap: add --max-tokens", "不限：请加上 --max-tokens"))


def _note(estimates: Sequence[Estimate]) -> Text:
    note = Text("Prices in: input / output. The most counts the prompt at 1.5 × the estimate, uncached, "
                "all of --max-tokens, at peak hours. Prices come from llm_magic.prices.",
                "单价为：输入 / 输出。“最多花费”按估算的 1.5 倍计输入（不计缓存命中）、按 --max-tokens 全部用完、"
                "按高峰时段单价计算。单价来自 llm_magic.prices。")
    left = estimates[0].budget_left if estimates else None
    if left is None:
        return note + Text("No session budget is set (%config LLMMagics.max_tokens_per_session).",
                           "没有设置会话 token 上限（%config LLMMagics.max_tokens_per_session）。")
    limit = settings.max_tokens_per_session
    budget = Text(f"Session budget: {left:,} of {limit:,} tokens left.",
                  f"会话上限：还剩 {left:,} / {limit:,} 个 token。")
    if any(e.may_exceed_budget for e in estimates):
        budget = budget + Text("This call may use more than that.", "这次调用可能用完剩余的额度。")
    return note + budget
