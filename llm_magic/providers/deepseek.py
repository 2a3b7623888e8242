"""DeepSeek: reasoning_content, a thinking switch, usage on the final chunk, keep-alive comments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Provider
from .facts import (
    ANY_MODEL,
    ContextLimit,
    DefaultModel,
    ImageLimits,
    MiB,
    PeakHours,
    Price,
    Retirement,
    StructuredOutput,
    Vision,
    unknown_price,
)

PRICING = "https://api-docs.deepseek.com/zh-cn/quick_start/pricing/"
_READ = "2026-12-01"
#: Peak hours, Beijing time, weekdays: 09:00-12:00 and 14:00-18:00, at twice the off-peak price
#: (the pricing page, read 2026-12-01). It also exempts Chinese public holidays, which are not
#: modelled: a holiday is priced as peak, which can only overstate a cost.
PEAK = PeakHours(((9, 12), (14, 18)), 2.0)
_NEWS = "https://api-docs.deepseek.com/news/news260424"


class DeepSeek(Provider):
    name = "deepseek"
    display_name = "DeepSeek"
    key_vars = ("DEEPSEEK_API_KEY",)
    default_base_url = "https://api.deepseek.com"
    base_url_var = "DEEPSEEK_BASE_URL"
    key_url = "https://platform.deepseek.com/api_keys"
    billing_url = "https://platform.deepseek.com/top_up"
    key_prefixes = ("sk-",)
    # deepseek-chat / deepseek-reasoner were retired on 2026-07-24; deepseek-flash replaced v4-flash.
    default = DefaultModel("deepseek-flash", checked=_READ, source=PRICING)
    context_limits = (
        ("deepseek", ContextLimit(1_000_000, True, "DeepSeek V4: 1M context (api-docs pricing page, 2026)")),
    )
    # CNY per million tokens, off-peak (cache miss, output, cache hit), from the pricing page read
    # 2026-12-01. The update notes of 2026-12 quoted flash output at 2.00 (a BlockBeats relay of
    # June) and 4.0 (a changelog of 2026-09-10); the official page says 4 off-peak, 8 at peak.
    # deepseek-v4-pro is still listed there, so it is not retired (a changelog said otherwise).
    prices: Mapping[str, Price] = {
        "deepseek-flash": Price(1.0, 4.0, "CNY", _READ, PRICING, cached_input=0.02, peak=PEAK),
        "deepseek-v4-flash": Price(1.0, 4.0, "CNY", _READ, PRICING, cached_input=0.02, peak=PEAK),
        "deepseek-v4-pro": Price(4.5, 13.5, "CNY", _READ, PRICING, cached_input=0.15, peak=PEAK),
        ANY_MODEL: unknown_price(PRICING),
    }
    # "deprecated on 2026/07/24 15:59 UTC" (the news of 2026-04-24, as quoted in providers.md).
    retirements = (
        Retirement("deepseek-chat", "2026-07-24", "deepseek-flash", _NEWS, _READ),
        Retirement("deepseek-reasoner", "2026-07-24", "deepseek-flash", _NEWS, _READ),
    )
    # Vision came with deepseek-v4-flash-vision-exp (2026-08-21); since V4.1 (2026-09) deepseek-flash
    # serves that name too. Images only in user messages: a system or assistant image is a 400.
    vision = Vision(
        models=("deepseek-flash", "deepseek-v4-flash-vision-exp"),
        limits=ImageLimits(per_image=32 * MiB, body=48 * MiB, count=600, user_messages_only=True,
                           source="https://api-docs.deepseek.com/guides/vision"),
        checked="2026-12", source="https://api-docs.deepseek.com/news/v4-1-flash")
    # JSON Output: response_format json_object, and the word "json" in the prompt; no json_schema.
    structured = StructuredOutput(json_object=True, needs_json_word=True,
                                  source="https://api-docs.deepseek.com/guides/json_mode")
    # DeepSeek has no embeddings endpoint: embeddings stays None.

    def apply_thinking(self, payload: dict[str, Any], think: bool | None, stream: bool) -> None:
        # V4 models think by default; the switch is {"thinking": {"type": ...}}.
        if think is not None:
            payload["thinking"] = {"type": "enabled" if think else "disabled"}
