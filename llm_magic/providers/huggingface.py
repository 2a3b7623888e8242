"""Hugging Face Inference Providers: the OpenAI-compatible router, model:provider suffixes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, DefaultModel, Embeddings, Price, StructuredOutput, unknown_price


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
    # The router's chat-completion spec lists response_format; whether a routed provider honours
    # json_schema varies (GET /v1/models says supports_structured_output per provider).
    structured = StructuredOutput(json_object=False, json_schema=True,
                                  source="https://huggingface.co/docs/inference-providers/tasks/chat-completion")
    # The router is chat-only: embeddings go to the hf-inference feature-extraction pipeline.
    # The batch limit is this project's choice (none is documented): small requests, kind to free credits.
    embeddings = Embeddings(
        DefaultModel("intfloat/multilingual-e5-large-instruct", checked="2026-12",
                     source="https://huggingface.co/docs/inference-providers/tasks/feature-extraction"),
        batch_limit=32, route="feature-extraction",
        source="https://huggingface.co/docs/inference-providers/tasks/feature-extraction")

    def embeddings_url(self, base_url: str, model: str) -> str:
        root = base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url
        return f"{root}/hf-inference/models/{model}/pipeline/feature-extraction"

    def embeddings_payload(self, model: str, texts: list[str]) -> dict[str, Any]:
        return {"inputs": texts}

    @staticmethod
    def vectors_of(body: Any) -> tuple[list[Any], Mapping[str, Any] | None]:
        """feature-extraction answers a bare list of vectors, in input order, without usage."""
        return (list(body), None) if isinstance(body, list) else ([], None)

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
