"""DeepSeek: reasoning_content, a thinking switch, usage on the final chunk, keep-alive comments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Provider
from .facts import ANY_MODEL, ContextLimit, DefaultModel, Price, unknown_price


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
    default = DefaultModel("deepseek-flash", checked="2026-11", source="https://api-docs.deepseek.com/quick_start/pricing")
    context_limits = (
        ("deepseek", ContextLimit(1_000_000, True, "DeepSeek V4: 1M context (api-docs pricing page, 2026)")),
    )
    prices: Mapping[str, Price] = {ANY_MODEL: unknown_price("https://api-docs.deepseek.com/zh-cn/quick_start/pricing")}

    def apply_thinking(self, payload: dict[str, Any], think: bool | None, stream: bool) -> None:
        # V4 models think by default; the switch is {"thinking": {"type": ...}}.
        if think is not None:
            payload["thinking"] = {"type": "enabled" if think else "disabled"}
