"""OpenAI itself: the reference wire format."""

from collections.abc import Mapping

from .base import Provider
from .facts import ANY_MODEL, ContextLimit, DefaultModel, Price, unknown_price


class OpenAI(Provider):
    name = "openai"
    display_name = "OpenAI"
    key_vars = ("OPENAI_API_KEY",)
    default_base_url = "https://api.openai.com/v1"
    base_url_var = "OPENAI_BASE_URL"
    key_url = "https://platform.openai.com/api-keys"
    billing_url = "https://platform.openai.com/settings/organization/billing"
    key_prefixes = ("sk-",)
    default = DefaultModel("gpt-5-mini", checked="2026-11", source="https://platform.openai.com/docs/models")
    context_limits = (("gpt-4o-mini", ContextLimit(128_000, False, "gpt-4o-mini: 128K")),)
    prices: Mapping[str, Price] = {ANY_MODEL: unknown_price("https://openai.com/api/pricing/")}
