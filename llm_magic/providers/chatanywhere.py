"""ChatAnywhere: an OpenAI relay reachable from China, with a limited free tier."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import settings
from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, ContextLimit, DefaultModel, Price, unknown_price

HOSTS = {"cn": "https://api.chatanywhere.tech/v1", "global": "https://api.chatanywhere.org/v1"}
FREE_MODELS = "gpt-4o-mini, gpt-3.5-turbo, gpt-4.1-mini, gpt-4.1-nano, gpt-5-mini, gpt-5-nano"


class ChatAnywhere(Provider):
    name = "chatanywhere"
    display_name = "ChatAnywhere"
    aliases = ("chatgpt",)
    # OPENAI_API_KEY is deliberately not read: it would send an OpenAI key to a relay.
    key_vars = ("CHATANYWHERE_API_KEY",)
    default_base_url = HOSTS["cn"]
    base_url_var = "CHATANYWHERE_BASE_URL"
    key_url = "https://api.chatanywhere.tech/v1/oauth/free/render"
    billing_url = "https://peiqishop.cn/"
    key_prefixes = ("sk-",)
    # 200 calls a day on a free ChatAnywhere key.
    default = DefaultModel("gpt-4o-mini", checked="2026-11", source="https://github.com/chatanywhere/GPT_API_free")
    context_limits = (("", ContextLimit(4_096, False, "a free ChatAnywhere key accepts inputs under 4096 tokens")),)
    prices: Mapping[str, Price] = {ANY_MODEL: unknown_price(
        "https://github.com/chatanywhere/GPT_API_free (free key: no charge; paid models priced there)")}

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
        return Text(
            f"A free ChatAnywhere key may use only some models, e.g. {FREE_MODELS}; pick one with -m.",
            f"ChatAnywhere 免费 Key 只能使用部分模型，例如 {FREE_MODELS}；请用 -m 选择其中一个。",
        )
