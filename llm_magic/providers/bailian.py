"""Alibaba Cloud Bailian (DashScope, Qwen): regions, enable_thinking, a separate usage chunk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import settings
from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, ContextLimit, DefaultModel, Price, unknown_price

REGION_BASE_URLS = {
    "cn": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    "us": "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
    "hk": "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
}


class Bailian(Provider):
    name = "bailian"
    display_name = "Bailian 百炼 (Qwen)"
    aliases = ("dashscope", "qwen")
    key_vars = ("BAILIAN_API_KEY", "DASHSCOPE_API_KEY")
    default_base_url = REGION_BASE_URLS["cn"]
    base_url_var = "BAILIAN_BASE_URL"
    key_url = "https://bailian.console.aliyun.com/?tab=model#/api-key"
    billing_url = "https://billing-cost.console.aliyun.com/"
    key_prefixes = ("sk-",)
    # qwen-turbo was retired on 2026-10-10; qwen-plus is what the official thinking examples use.
    default = DefaultModel("qwen-plus", checked="2026-11", source="https://help.aliyun.com/zh/model-studio/deep-thinking")
    context_limits = (
        ("qwen-plus",
         ContextLimit(131_072, False, "qwen-plus: 128K, not in the project's notes; check the model page")),
    )
    prices: Mapping[str, Price] = {ANY_MODEL: unknown_price("https://help.aliyun.com/zh/model-studio/models")}

    def builtin_base_url(self) -> str:
        region = settings.bailian_region
        if region not in REGION_BASE_URLS:
            from ..errors import ConfigurationError

            raise ConfigurationError(
                Text(f"Unknown Bailian region {region!r}; use one of {', '.join(REGION_BASE_URLS)}.",
                     f"未知的百炼地域 {region!r}；可选 {', '.join(REGION_BASE_URLS)}。"),
                provider=self.name,
            )
        return REGION_BASE_URLS[region]

    def wire_stream(self, stream: bool, think: bool | None) -> bool:
        # Thinking output is only served on streaming calls: stream on the wire, answer whole.
        return stream or bool(think)

    def apply_thinking(self, payload: dict[str, Any], think: bool | None, stream: bool) -> None:
        if think is not None:
            payload["enable_thinking"] = bool(think)
        elif not stream:
            # Open-source Qwen3 models think by default and then refuse non-streaming calls.
            payload["enable_thinking"] = False

    def auth_hint(self, key: str | None) -> Text:
        region = Text(
            "Bailian keys belong to one region: a Beijing key fails on the Singapore host and vice versa. "
            "Set llm_magic.settings.bailian_region ('cn', 'intl', 'us', 'hk') or BAILIAN_BASE_URL to match your key.",
            "百炼的 Key 与地域绑定：北京的 Key 不能用于新加坡等地域，反之亦然。"
            "请把 llm_magic.settings.bailian_region（'cn'、'intl'、'us'、'hk'）"
            "或 BAILIAN_BASE_URL 设为与 Key 相同的地域。",
        )
        if key and key.startswith("sk-sp-"):
            region = Text(
                "Keys starting with sk-sp- belong to the Coding Plan and work only on its own host.",
                "以 sk-sp- 开头的 Key 属于 Coding Plan，只能用于它自己的地址。",
            )
        return super().auth_hint(key) + region
