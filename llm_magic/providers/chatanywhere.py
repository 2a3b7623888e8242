"""ChatAnywhere: an OpenAI relay reachable from China, with a limited free tier."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import settings
from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, ContextLimit, DefaultModel, Price, Vision
from .openai import (
    OPENAI_EMBEDDINGS,
    OPENAI_IMAGE_LIMITS,
    OPENAI_RETIREMENTS,
    OPENAI_STRUCTURED,
    OPENAI_VISION_MODELS,
    REASONING_RULES,
)

HOSTS = {"cn": "https://api.chatanywhere.tech/v1", "global": "https://api.chatanywhere.org/v1"}
README = "https://github.com/chatanywhere/GPT_API_free (README @ bb330b7, 2026-06-27)"
_READ = "2026-12-01"


@dataclass(frozen=True)
class FreeModel:
    """A model a free ChatAnywhere key may call, and how often."""

    name: str
    per_day: int
    #: the upstream model's shutdown (OpenAI's deprecations page); None: none announced
    shutdown: str | None = None


#: The free tier as the README of 2026-06-27 states it. It goes stale: the upstream models shut
#: down (gpt-3.5-turbo and gpt-4.1-nano on 2026-10-23, gpt-5-mini/nano on 2026-12-11, gpt-4o-mini,
#: gpt-4o, gpt-4.1 and gpt-4.1-mini on 2027-01-14), and how ChatAnywhere remaps them is not stated.
#: The hint lists only the models whose shutdown has not come yet.
FREE_TIER_READ_ON = "2026-06-27"
FREE_TIER: tuple[FreeModel, ...] = (
    FreeModel("gpt-4o-mini", 200, "2027-01-14"),
    FreeModel("gpt-4.1-mini", 200, "2027-01-14"),
    FreeModel("gpt-5-mini", 200, "2026-12-11"),
    FreeModel("gpt-5-nano", 200, "2026-12-11"),
    FreeModel("gpt-3.5-turbo", 200, "2026-10-23"),
    FreeModel("gpt-4.1-nano", 200, "2026-10-23"),
    FreeModel("deepseek-v3", 30),
    FreeModel("deepseek-r1", 30),
    FreeModel("deepseek-v3-2-exp", 30),
    FreeModel("gpt-4o", 5, "2027-01-14"),
    FreeModel("gpt-4.1", 5, "2027-01-14"),
)


def free_models(today: _dt.date | None = None) -> list[FreeModel]:
    """The free-tier models still served upstream on ``today``."""
    today = today or _dt.date.today()
    return [m for m in FREE_TIER if m.shutdown is None or _dt.date.fromisoformat(m.shutdown) > today]


def _per_1k(input_per_1k: float, output_per_1k: float) -> Price:
    # The README's paid price table gives yuan per 1K tokens without naming the currency; the
    # figures are about 7x OpenAI's USD list prices and the README says they are below OpenAI's,
    # so they are yuan (the issue guessed USD; this reading follows the page itself).
    return Price(round(input_per_1k * 1000, 6), round(output_per_1k * 1000, 6), "CNY", _READ,
                 README + " — paid keys; free keys are not charged")


class ChatAnywhere(Provider):
    name = "chatanywhere"
    display_name = "ChatAnywhere"
    aliases = ("chatgpt",)
    # OPENAI_API_KEY is deliberately not read: it would send an OpenAI key to a relay.
    key_vars = ("CHATANYWHERE_API_KEY",)
    default_base_url = HOSTS["cn"]
    base_url_var = "CHATANYWHERE_BASE_URL"
    key_url = "https://api.chatanywhere.tech/v1/oauth/free/render"
    # The README links its shop here (it linked peiqishop.me until 2024-05); balance and notices
    # are at https://api.chatanywhere.tech/ (README @ bb330b7).
    billing_url = "https://api.chatanywhere.tech/#/shop/"
    key_prefixes = ("sk-",)
    # 200 calls a day on a free key; OpenAI shuts gpt-4o-mini down on 2027-01-14 and names
    # gpt-6-luna, which ChatAnywhere's free tier does not list yet: choose a new default before then.
    default = DefaultModel("gpt-4o-mini", checked=_READ, source=README, shutdown="2027-01-14",
                           replacement="gpt-6-luna")
    context_limits = (("", ContextLimit(4_096, False, "a free ChatAnywhere key accepts inputs under 4096 tokens")),)
    prices: Mapping[str, Price] = {
        "gpt-4o-mini": _per_1k(0.00105, 0.0042),
        "gpt-4.1-mini": _per_1k(0.0028, 0.0112),
        "gpt-5-mini": _per_1k(0.00175, 0.014),
        "gpt-5-nano": _per_1k(0.00035, 0.0028),
        "deepseek-v3": _per_1k(0.0012, 0.0048),
        "deepseek-r1": _per_1k(0.0024, 0.0096),
        ANY_MODEL: Price(None, None, source=README),
    }
    # It relays OpenAI's models, so their shutdowns and parameter rules are OpenAI's. Whether it
    # passes OpenAI's 400s through is unconfirmed; refusing before sending makes that moot.
    retirements = OPENAI_RETIREMENTS
    parameter_rules = REASONING_RULES
    # OpenAI's models read images and make embeddings (its free keys count embeddings apart from
    # chat: 200 a day each); the DeepSeek models it relays read text only.
    vision = Vision(models=OPENAI_VISION_MODELS, text_only=("gpt-3.5", "deepseek-"), limits=OPENAI_IMAGE_LIMITS,
                    checked="2026-12", source=README)
    structured = OPENAI_STRUCTURED
    embeddings = OPENAI_EMBEDDINGS

    def builtin_base_url(self) -> str:
        return HOSTS.get(settings.chatanywhere_host, HOSTS["cn"])

    def auth_hint(self, key: str | None) -> Text:
        return super().auth_hint(key) + Text(
            "ChatAnywhere keys start with sk-; a key with a space or a missing prefix gets an HTML 401 page.",
            "ChatAnywhere 的 Key 以 sk- 开头；多了空格或缺了前缀时，会返回一个 401 网页。",
        )

    def forbidden_hint(self, message: str) -> Text:
        if "4096" in message or "token" in message.lower():
            return Text(
                "A free ChatAnywhere key accepts prompts under 4096 tokens: shorten the prompt.",
                "ChatAnywhere 免费 Key 的输入需少于 4096 个 token：请缩短提示词。",
            )
        names = ", ".join(m.name for m in free_models())
        names_zh = "、".join(m.name for m in free_models())
        return Text(
            f"A free ChatAnywhere key may use only some models, e.g. {names} (its README of "
            f"{FREE_TIER_READ_ON}, less the models shut down since); pick one with -m.",
            f"ChatAnywhere 免费 Key 只能使用部分模型，例如 {names_zh}（据其 {FREE_TIER_READ_ON} 的 README，"
            "已去掉此后停用的模型）；请用 -m 选择其中一个。",
        )
