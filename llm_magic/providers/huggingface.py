"""Hugging Face Inference Providers: the OpenAI-compatible router, model:provider suffixes."""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, DefaultModel, Price, unknown_price


class HuggingFace(Provider):
    name = "huggingface"
    display_name = "Hugging Face"
    aliases = ("hf",)
    key_vars = ("HF_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
    default_base_url = "https://router.huggingface.co/v1"
    base_url_var = "HF_BASE_URL"
    key_url = "https://huggingface.co/settings/tokens"
    billing_url = "https://huggingface.co/settings/billing"
    key_prefixes = ("hf_",)
    # small, not gated, routed to the cheapest provider: kind to the free monthly credits.
    default = DefaultModel("openai/gpt-oss-20b:cheapest", checked="2026-12-01",
                           source="https://huggingface.co/docs/inference-providers")
    prices: Mapping[str, Price] = {
        ANY_MODEL: unknown_price("https://huggingface.co/docs/inference-providers/pricing (varies by routed provider)"),
    }
    route_separator = ":"  # openai/gpt-oss-20b:cheapest, :fastest, :groq …

    def auth_hint(self, key: str | None) -> Text:
        return super().auth_hint(key) + Text(
            "Use a fine-grained token with the 'Make calls to Inference Providers' permission.",
            "请使用带有 “Make calls to Inference Providers” 权限的细粒度（fine-grained）Token。",
        )

    def forbidden_hint(self, message: str) -> Text:
        return Text(
            "Gated models (meta-llama/*, google/gemma-*) need their licence accepted on the model's page first; "
            "or pick an open model such as openai/gpt-oss-20b.",
            "受限模型（meta-llama/*、google/gemma-* 等）需先在模型页面同意许可协议；"
            "也可以换用开放模型，例如 openai/gpt-oss-20b。",
        )
