"""Alibaba Cloud Bailian (DashScope, Qwen): regions and workspace hosts, enable_thinking, a separate usage chunk."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..config import settings
from ..errors import ConfigurationError
from ..i18n import Text
from .base import Provider
from .facts import (
    ANY_MODEL,
    ContextLimit,
    DefaultModel,
    Embeddings,
    Price,
    Retirement,
    StructuredOutput,
    Vision,
    unknown_price,
)

_READ = "2026-12-01"
BASE_URLS_PAGE = "https://www.alibabacloud.com/help/en/model-studio/base-url"
#: the shared DashScope hosts per region (Base URL overview, Oct 11 2026); Tokyo has none
REGION_BASE_URLS = {
    "cn": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    "us": "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
    "hk": "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
}
#: region ids of the workspace-dedicated hosts ("OpenAI compatible – Chat", Oct 13 2026, which adds
#: Japan (Tokyo)). The page lists Beijing under ap-southeast-1, evidently a copy slip: cn-beijing
#: is Alibaba Cloud's id for Beijing (unconfirmed; BAILIAN_BASE_URL overrides it).
REGION_IDS = {"cn": "cn-beijing", "intl": "ap-southeast-1", "us": "us-east-1", "hk": "cn-hongkong",
              "tokyo": "ap-northeast-1"}
WORKSPACE_HOST = "https://{workspace}.{region}.maas.aliyuncs.com/compatible-mode/v1"
REGIONS = tuple(REGION_IDS)
_WORKSPACE_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")

_RETIRED = "https://www.alibabacloud.com/zh/notice/model_studionotice_on_the_decommissioning_of_certain_historical_mainline_models_731"
#: CNY per million tokens, China (Beijing) region, inputs up to 128K (qwen-plus) / 32K (qwen3-max),
#: non-thinking output (thinking output costs more), from summaries of help.aliyun.com's model list
#: (May 2026) read 2026-12-01. Other regions bill in USD at other rates: unknown here.
_PRICES = "https://help.aliyun.com/zh/model-studio/models"


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
    default = DefaultModel("qwen-plus", checked=_READ, source="https://help.aliyun.com/zh/model-studio/deep-thinking")
    context_limits = (
        ("qwen-plus",
         ContextLimit(131_072, False, "qwen-plus: 128K, not in the project's notes; check the model page")),
    )
    prices: Mapping[str, Price] = {
        "qwen-plus": Price(0.8, 2.0, "CNY", _READ, _PRICES),
        "qwen3-max": Price(2.5, 10.0, "CNY", _READ, _PRICES),
        ANY_MODEL: unknown_price(_PRICES),
    }
    # Retired 2026-10-10; the notice names "the Qwen3.6/Qwen3.7 series" (text) and the vision page
    # qwen3-vl-plus / qwen3-vl-flash (images).
    retirements = (
        Retirement("qwen-turbo*", "2026-10-10", "qwen3.6-plus", _RETIRED, _READ),
        Retirement("qwq-plus*", "2026-10-10", "qwen3.6-plus", _RETIRED, _READ),
        Retirement("qwen-vl-max*", "2026-10-10", "qwen3-vl-plus", _RETIRED, _READ),
        Retirement("qwen-vl-plus*", "2026-10-10", "qwen3-vl-plus", _RETIRED, _READ),
        Retirement("qvq-max*", "2026-10-10", "qwen3-vl-plus", _RETIRED, _READ),
    )
    # The text models below are listed as "text generation models" on the structured-output page;
    # qwen3.5-plus reads images natively.
    vision = Vision(
        models=("qwen3-vl-plus", "qwen3-vl-flash", "qwen3.5-plus"),
        text_only=("qwen-plus", "qwen-flash", "qwen-max", "qwen3-max", "qwen-turbo", "qwq"),
        checked="2026-12", source="https://help.aliyun.com/zh/model-studio/vision")
    # json_object on most Qwen models (the word "JSON" must be in the messages); json_schema on the
    # qwen3-max, qwen-plus and qwen-flash series.
    structured = StructuredOutput(json_object=True, json_schema=True, needs_json_word=True,
                                  source="https://www.alibabacloud.com/help/en/model-studio/qwen-structured-output")
    # text-embedding-v4: 10 rows per request, 8,192 tokens per row, 1,024 dimensions by default.
    embeddings = Embeddings(
        DefaultModel("text-embedding-v4", checked="2026-12",
                     source="https://help.aliyun.com/en/model-studio/text-embedding-synchronous-api"),
        batch_limit=10, source="https://help.aliyun.com/en/model-studio/text-embedding-synchronous-api")

    def builtin_base_url(self) -> str:
        region = settings.bailian_region
        if region not in REGION_IDS:
            raise ConfigurationError(
                Text(f"Unknown Bailian region {region!r}; use one of {', '.join(REGIONS)}.",
                     f"未知的百炼地域 {region!r}；可选 {'、'.join(REGIONS)}。"),
                provider=self.name,
            )
        workspace = settings.bailian_workspace
        if workspace:
            return WORKSPACE_HOST.format(workspace=_checked_workspace(workspace), region=REGION_IDS[region])
        if region not in REGION_BASE_URLS:
            raise ConfigurationError(
                Text(f"Bailian's {region!r} region is served only on workspace-dedicated hosts.",
                     f"百炼的 {region!r} 地域只能通过业务空间专属域名访问。"),
                hint=Text("Set your workspace id: %config LLMMagics.bailian_workspace = 'ws-…' "
                          "(Bailian console → workspace details), or BAILIAN_BASE_URL.",
                          "请设置业务空间 ID：%config LLMMagics.bailian_workspace = 'ws-…'"
                          "（在百炼控制台的业务空间详情中查看），或设置 BAILIAN_BASE_URL。"),
                provider=self.name)
        return REGION_BASE_URLS[region]

    def price(self, model: str) -> Price | None:
        """The declared prices are Beijing's, in yuan: another region's stay unknown."""
        if settings.bailian_region != "cn":
            return unknown_price(_PRICES)
        return super().price(model)

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
        here = settings.bailian_region
        first, *rest = [repr(r) for r in REGIONS if r != here]
        region = Text(
            f"Bailian keys work in one region only; this call used {here!r}. For a key from another region: "
            f"%config LLMMagics.bailian_region = {first} (or {', '.join(rest)}), or set BAILIAN_BASE_URL.",
            f"百炼的 Key 只能在所属地域使用；这次调用的是 {here!r} 地域。Key 属于其他地域时，请运行 "
            f"%config LLMMagics.bailian_region = {first}（或 {'、'.join(rest)}），或设置 BAILIAN_BASE_URL。",
        )
        if key and key.startswith("sk-sp-"):
            region = Text(
                "Keys starting with sk-sp- belong to the Coding Plan and work only on its own host.",
                "以 sk-sp- 开头的 Key 属于 Coding Plan，只能用于它自己的地址。",
            )
        return super().auth_hint(key) + region


def _checked_workspace(workspace: str) -> str:
    """A workspace id becomes part of a host name: only letters, digits and inner hyphens."""
    if not _WORKSPACE_ID.fullmatch(workspace):
        raise ConfigurationError(
            Text(f"{workspace!r} is not a Bailian workspace id (letters, digits and hyphens only).",
                 f"{workspace!r} 不是百炼的业务空间 ID（只能包含字母、数字和连字符）。"),
            hint=Text("Copy it from the Bailian console, e.g. %config LLMMagics.bailian_workspace = 'ws-abc123'.",
                      "请从百炼控制台复制，例如 %config LLMMagics.bailian_workspace = 'ws-abc123'。"),
            provider="bailian")
    return workspace
