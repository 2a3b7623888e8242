"""How each provider shapes its wire format, as data, so the fake server can imitate it exactly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypedDict

UsagePlacement = Literal["on_finish", "separate", "on_last_content"]
UsageDetails = Literal["deepseek", "openai", "basic"]
IdStyle = Literal["uuid", "chatcmpl", "empty"]
#: a small JSON object kept hashable, so Flavour stays a frozen value
Fields = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Flavour:
    """One provider's observable behaviour; every knob is something a client must cope with."""

    name: str
    base_path: str
    #: error envelopes: "deepseek", "dashscope", "chatanywhere", "openai", "huggingface", "ollama"
    family: str
    owned_by: str
    models: tuple[str, ...]
    #: the key FakeProvider checks by default, shaped like the provider's real keys
    test_key: str | None
    #: DeepSeek rides usage on the finish chunk; OpenAI/DashScope send a separate
    #: ``"choices":[]`` chunk (only when asked); HF providers put it on the last content chunk.
    usage: UsagePlacement
    usage_details: UsageDetails
    #: delta of the chunk carrying finish_reason; None: finish rides on the last content chunk
    finish_delta: Fields | None
    #: hf-inference and Ollama repeat ``"role":"assistant"`` on every delta
    role_on_every_delta: bool = False
    first_delta_extra: Fields = ()
    reasoning_key: str = "reasoning_content"
    #: every chunk carries ``"usage": null`` even when usage was not requested
    usage_null_always: bool = True
    id_style: IdStyle = "chatcmpl"
    fingerprint: str | None = None
    extra_prefixes: tuple[str, ...] = ()
    #: OpenAI's ``GET /models`` gives every model a ``shutdown_date`` (``YYYY-MM-DD``, or null
    #: when none is announced); None: the provider's list has no such field
    shutdown_dates: Fields | None = None
    #: "openai": POST {base}/embeddings; "feature-extraction": Hugging Face's
    #: /hf-inference/models/{model}/pipeline/feature-extraction at the root; None: no embeddings (DeepSeek)
    embeddings: str | None = "openai"
    #: texts one embeddings request may carry (more is a 400); None: no limit known
    embedding_batch: int | None = None
    #: bytes a request body may have (more is a 413); None: no limit
    max_body: int | None = None

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Every path prefix that serves ``/chat/completions`` and ``/models``."""
        return (self.base_path, *self.extra_prefixes)

    def route(self, path: str) -> str | None:
        """``/v1/chat/completions`` → ``/chat/completions``; None when outside every prefix."""
        path = path.split("?", 1)[0].rstrip("/") or "/"
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if prefix == "" or path == prefix or path.startswith(prefix + "/"):
                return path[len(prefix):] or "/"
        return None


class _FamilyTraits(TypedDict, total=False):
    """Flavour fields that providers of one wire family share."""

    family: str
    usage: UsagePlacement
    usage_details: UsageDetails
    finish_delta: Fields | None
    first_delta_extra: Fields
    usage_null_always: bool
    id_style: IdStyle
    fingerprint: str | None


_DEEPSEEK = _FamilyTraits(
    family="deepseek", usage="on_finish", usage_details="deepseek",
    finish_delta=(("content", ""),), id_style="uuid",
    fingerprint="fp_loopback_prod",
)
_OPENAI = _FamilyTraits(
    family="openai", usage="separate", usage_details="openai",
    finish_delta=(), first_delta_extra=(("refusal", None),),
    usage_null_always=False, fingerprint="fp_loopback",
)

FLAVOURS: Mapping[str, Flavour] = MappingProxyType({
    "deepseek": Flavour(
        "deepseek", "", owned_by="deepseek", extra_prefixes=("/v1",),
        models=("deepseek-flash", "deepseek-v4-pro", "deepseek-chat", "deepseek-reasoner"),
        test_key="sk-test0loopback0deepseek00000001", embeddings=None, max_body=48 * 1024 * 1024,
        **_DEEPSEEK),
    "bailian": Flavour(
        "bailian", "/compatible-mode/v1", family="dashscope", owned_by="system",
        models=("qwen3-max", "qwen-plus", "qwen-flash", "qwen3-32b", "qwen3-8b"),
        test_key="sk-test0loopback0bailian000000001", usage="separate",
        usage_details="openai", finish_delta=(("content", ""),), embedding_batch=10),
    "chatanywhere": Flavour(
        "chatanywhere", "/v1", owned_by="system",
        models=("gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini", "gpt-4o-mini-ca", "deepseek-r1"),
        test_key="sk-test0loopback0chatanywhere000000000000000001", embedding_batch=2048,
        **(_OPENAI | {"family": "chatanywhere"})),
    "openai": Flavour(
        "openai", "/v1", owned_by="openai",
        models=("gpt-6.1-terra", "gpt-6.1-sol", "gpt-6-luna", "gpt-5-mini", "gpt-4o-mini"),
        test_key="sk-test-loopback-openai-0000000001", embedding_batch=2048,
        # the dates of OpenAI's deprecations page (read 2026-12-01)
        shutdown_dates=(("gpt-5-mini", "2026-12-11"), ("gpt-4o-mini", "2027-01-14")), **_OPENAI),
    "huggingface": Flavour(
        "huggingface", "/v1", family="huggingface", owned_by="huggingface",
        models=("openai/gpt-oss-20b", "Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1"),
        test_key="hf_testLoopbackToken000000000000001", usage="on_last_content",
        usage_details="basic", finish_delta=None, role_on_every_delta=True,
        reasoning_key="reasoning", id_style="empty", fingerprint="3.2.1-native",
        embeddings="feature-extraction"),
    "ollama": Flavour(
        "ollama", "/v1", family="ollama", owned_by="library", models=("qwen3:8b", "llama3.2"),
        test_key=None, usage="separate", usage_details="basic",
        finish_delta=(("role", "assistant"), ("content", "")),
        role_on_every_delta=True, reasoning_key="reasoning", usage_null_always=False,
        fingerprint="fp_ollama"),
    "demo": Flavour(
        "demo", "/v1", owned_by="llm_magic", models=("demo-chat", "demo-reasoner"),
        test_key=None, embedding_batch=8, **_DEEPSEEK),
})

#: Bailian's open-source Qwen3 checkpoints think by default (commercial ``qwen3-max`` does not).
_QWEN3_OPEN_SOURCE = re.compile(r"^qwen3-\d+(\.\d+)?b(-a\d+(\.\d+)?b)?$")


def get_flavour(name: str) -> Flavour:
    """The flavour called ``name``; the error lists the valid names."""
    try:
        return FLAVOURS[name]
    except KeyError:
        raise ValueError(f"unknown flavour {name!r}; choose one of {', '.join(FLAVOURS)}") from None


def bare_model(flavour: Flavour, model: str) -> str:
    """HF routes ``model:cheapest`` / ``model:cerebras``; the part before ``:`` names the model."""
    if flavour.family == "huggingface" and ":" in model:
        return model.split(":", 1)[0]
    return model


def thinks_by_default(flavour: Flavour, model: str) -> bool:
    """Open-source Qwen3 on Bailian reasons unless ``enable_thinking`` is false."""
    return flavour.family == "dashscope" and bool(_QWEN3_OPEN_SOURCE.match(model))


def wants_reasoning(flavour: Flavour, body: Mapping[str, Any]) -> bool:
    """Whether the request turns the model's reasoning on, by each provider's own switch."""
    model = str(body.get("model", ""))
    if flavour.family == "deepseek":
        thinking = body.get("thinking")
        enabled = isinstance(thinking, Mapping) and thinking.get("type") == "enabled"
        return enabled or model.endswith("reasoner")
    if flavour.family == "dashscope":
        switch = body.get("enable_thinking")
        return switch is True or (switch is None and thinks_by_default(flavour, model))
    return False
