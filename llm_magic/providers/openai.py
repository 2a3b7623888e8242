"""OpenAI itself: the reference wire format, and the parameter rules of its reasoning models."""

from collections.abc import Mapping

from .base import Provider
from .facts import (
    ANY_MODEL,
    OPENAI_IMAGE_FORMATS,
    ContextLimit,
    DefaultModel,
    Embeddings,
    ImageLimits,
    MiB,
    ParameterRule,
    Price,
    Retirement,
    StructuredOutput,
    Vision,
    unknown_price,
)

DEPRECATIONS = "https://developers.openai.com/api/docs/deprecations"
_READ = "2026-12-01"

#: GPT-5-family and newer reasoning models on Chat Completions: 400 "Unsupported parameter:
#: 'max_tokens' … Use 'max_completion_tokens'" and 400 "Unsupported value: 'temperature' does not
#: support 0.2 … Only the default (1) value is supported" (issues dify #24307, opencode #37964,
#: langchaingo #1355, llmcomp #69; checked 2026-12-01). ChatAnywhere relays the same models.
#: A new family is one more line here.
_REASONING = (("temperature", 1.0), ("top_p", 1.0))
_ISSUES = "https://github.com/anomalyco/opencode/issues/37964 ; https://github.com/johny-b/llmcomp/issues/69"
REASONING_RULES: tuple[ParameterRule, ...] = tuple(
    ParameterRule(pattern, "max_completion_tokens", _REASONING, source=_ISSUES, checked=_READ)
    for pattern in ("gpt-5*", "gpt-6*", "o[1-9]*")
)

#: OpenAI's deprecations page, read 2026-12-01 (the current page; older third-party copies named
#: gpt-5.6-* replacements, the page itself now names gpt-6.1-*). More specific patterns first.
OPENAI_RETIREMENTS: tuple[Retirement, ...] = (
    Retirement("gpt-4.1-nano*", "2026-10-23", None, DEPRECATIONS, _READ),
    Retirement("gpt-3.5-turbo*", "2026-10-23", None, DEPRECATIONS, _READ),
    Retirement("o4-mini*", "2026-10-23", None, DEPRECATIONS, _READ),
    Retirement("gpt-4o-2024-05-13", "2026-10-23", None, DEPRECATIONS, _READ),
    Retirement("gpt-5-mini*", "2026-12-11", "gpt-6.1-terra", DEPRECATIONS, _READ),
    Retirement("gpt-5-nano*", "2026-12-11", None, DEPRECATIONS, _READ),
    Retirement("gpt-5", "2026-12-11", "gpt-6.1-sol", DEPRECATIONS, _READ),
    Retirement("gpt-5-2025-08-07", "2026-12-11", "gpt-6.1-sol", DEPRECATIONS, _READ),
    Retirement("o3", "2026-12-11", None, DEPRECATIONS, _READ),
    Retirement("o3-2025-04-16", "2026-12-11", None, DEPRECATIONS, _READ),
    Retirement("gpt-4o-mini*", "2027-01-14", "gpt-6-luna", DEPRECATIONS, _READ),
    Retirement("gpt-4o*", "2027-01-14", "gpt-6-luna", DEPRECATIONS, _READ),
    Retirement("gpt-4.1-mini*", "2027-01-14", "gpt-6-luna", DEPRECATIONS, _READ),
    Retirement("gpt-4.1*", "2027-01-14", "gpt-6-luna", DEPRECATIONS, _READ),
)

#: USD per million tokens (standard tier, prompts under 272K), read 2026-12-01. Source: LiteLLM's
#: launch note and apidog's price guide, both quoting openai.com/api/pricing (launched 2026-10-26).
_PRICE_SOURCE = "https://openai.com/api/pricing/ (as quoted by https://docs.litellm.ai/blog/gpt-6-1-terra)"

#: the images-and-vision guide: 20 MB per image, 500 images and 50 MB of images per request
OPENAI_IMAGE_LIMITS = ImageLimits(per_image=20 * MiB, all_images=50 * MiB, count=500,
                                  formats=OPENAI_IMAGE_FORMATS,
                                  source="https://platform.openai.com/docs/guides/images-vision")
OPENAI_VISION_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1")
#: json_object and json_schema (Structured Outputs) on Chat Completions
OPENAI_STRUCTURED = StructuredOutput(json_object=True, json_schema=True,
                                     source="https://platform.openai.com/docs/guides/structured-outputs")
#: POST /v1/embeddings takes up to 2,048 inputs per request
OPENAI_EMBEDDINGS = Embeddings(
    DefaultModel("text-embedding-3-small", checked="2026-12",
                 source="https://platform.openai.com/docs/guides/embeddings"),
    batch_limit=2048, source="https://platform.openai.com/docs/api-reference/embeddings/create")


class OpenAI(Provider):
    name = "openai"
    display_name = "OpenAI"
    key_vars = ("OPENAI_API_KEY",)
    default_base_url = "https://api.openai.com/v1"
    base_url_var = "OPENAI_BASE_URL"
    key_url = "https://platform.openai.com/api-keys"
    billing_url = "https://platform.openai.com/settings/organization/billing"
    key_prefixes = ("sk-",)
    # gpt-5-mini shuts down on 2026-12-11; the deprecations page names gpt-6.1-terra instead.
    default = DefaultModel("gpt-6.1-terra", checked=_READ, source=DEPRECATIONS)
    context_limits = (
        ("gpt-6.1", ContextLimit(922_000, False, "gpt-6.1-terra: 922K input (third-party summaries)")),
        ("gpt-4o-mini", ContextLimit(128_000, False, "gpt-4o-mini: 128K")),
    )
    prices: Mapping[str, Price] = {
        "gpt-6.1-terra": Price(1.00, 5.00, "USD", _READ, _PRICE_SOURCE, cached_input=0.05),
        ANY_MODEL: unknown_price("https://openai.com/api/pricing/"),
    }
    retirements = OPENAI_RETIREMENTS
    parameter_rules = REASONING_RULES
    vision = Vision(models=OPENAI_VISION_MODELS, text_only=("gpt-3.5", "o1-mini", "o3-mini"),
                    limits=OPENAI_IMAGE_LIMITS, checked="2026-12",
                    source="https://platform.openai.com/docs/guides/images-vision")
    structured = OPENAI_STRUCTURED
    embeddings = OPENAI_EMBEDDINGS
