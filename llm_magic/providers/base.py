"""The OpenAI-compatible provider every adapter builds on: declarations plus small hooks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..config import settings
from ..i18n import Text
from .facts import (
    ANY_MODEL,
    UNKNOWN_CONTEXT,
    ContextLimit,
    DefaultModel,
    Embeddings,
    ParameterRule,
    Price,
    Retirement,
    StructuredOutput,
    Vision,
)


class Provider:
    """An OpenAI-compatible chat endpoint. Subclasses declare facts and override quirks.

    Adapters receive the key as an argument; they never read keys from the environment,
    never print and never import IPython.
    """

    name: str = ""
    display_name: str = ""
    aliases: tuple[str, ...] = ()
    #: environment variables that may hold the key, first set wins
    key_vars: tuple[str, ...] = ()
    needs_key: bool = True
    default_base_url: str = ""
    #: environment variable that overrides the base URL
    base_url_var: str | None = None
    #: where a user creates a key, and where they top up
    key_url: str | None = None
    billing_url: str | None = None
    #: key prefixes this provider issues; another prefix suggests a key of another provider
    key_prefixes: tuple[str, ...] = ()
    #: ask for usage at the end of a stream
    stream_usage: bool = True
    #: the model used when a cell names none (``settings.models`` overrides it)
    default: DefaultModel | None = None
    #: (model-name prefix, context size); the first prefix that matches wins
    context_limits: tuple[tuple[str, ContextLimit], ...] = ()
    #: model name (or ``ANY_MODEL``) → price per million tokens; ``prices.set_price`` overrides
    prices: Mapping[str, Price] = {}
    #: a model name may end in a routing suffix after this character (Hugging Face's ``:cheapest``)
    route_separator: str | None = None
    #: models the provider retires or has retired, dated; the first pattern that matches wins
    retirements: tuple[Retirement, ...] = ()
    #: how model families take --max-tokens, -t and --top-p; the first pattern that matches wins
    parameter_rules: tuple[ParameterRule, ...] = ()
    #: which models read images, and the limits (None: nothing declared; the provider decides)
    vision: Vision | None = None
    #: which response_format types chat completions accept (--json, --schema)
    structured: StructuredOutput = StructuredOutput()
    #: the embeddings endpoint (None: the provider has none)
    embeddings: Embeddings | None = None

    def __init__(self, **overrides: Any) -> None:
        for attribute, value in overrides.items():
            if not hasattr(type(self), attribute):
                raise TypeError(f"unknown provider attribute {attribute!r}")
            setattr(self, attribute, value)
        if not self.display_name:
            self.display_name = self.name

    def __repr__(self) -> str:
        return f"<provider {self.name}>"

    # -- where to send -------------------------------------------------------------------
    def base_url(self, explicit: str | None = None) -> str:
        """Explicit argument, then the *_BASE_URL variable, then configuration, then the default."""
        from_env = os.environ.get(self.base_url_var, "").strip() if self.base_url_var else ""
        chosen = explicit or from_env or settings.base_urls.get(self.name) or self.builtin_base_url()
        return chosen.rstrip("/")

    def builtin_base_url(self) -> str:
        return self.default_base_url

    def default_model(self) -> str:
        """The course's choice (``settings.models``), else the model this adapter declares."""
        chosen = settings.models.get(self.name)
        if chosen:
            return chosen
        return self.default.name if self.default else ""

    # -- what a model is -----------------------------------------------------------------
    def split_route(self, model: str) -> tuple[str, str]:
        """``("openai/gpt-oss-20b", ":cheapest")``: the model proper and its routing suffix, if any."""
        if self.route_separator and self.route_separator in model:
            head, sep, tail = model.partition(self.route_separator)
            return head, sep + tail
        return model, ""

    def context_limit(self, model: str) -> ContextLimit:
        """The context size known for ``model``, or a conservative guess."""
        lowered = model.lower()
        for prefix, limit in self.context_limits:
            if lowered.startswith(prefix):
                return limit
        return UNKNOWN_CONTEXT

    def retirement_of(self, model: str) -> Retirement | None:
        """The declared shutdown of ``model`` (routing suffix ignored), if any."""
        bare = self.split_route(model)[0]
        found = next((r for r in self.retirements if r.matches(bare)), None)
        default = self.default
        if found is None and default and default.shutdown and default.name == model:
            found = Retirement(default.name, default.shutdown, default.replacement,
                               default.source or "", default.checked or "")
        return found

    def parameter_rule(self, model: str) -> ParameterRule | None:
        """The rule for ``model``'s sampling parameters, if its family has one."""
        bare = self.split_route(model)[0]
        return next((rule for rule in self.parameter_rules if rule.matches(bare)), None)

    def price(self, model: str) -> Price | None:
        """The declared price of ``model``: its exact name, without a routing suffix, then ``ANY_MODEL``."""
        for candidate in (model, self.split_route(model)[0], ANY_MODEL):
            if candidate in self.prices:
                return self.prices[candidate]
        return None

    # -- what to send --------------------------------------------------------------------
    def wire_stream(self, stream: bool, think: bool | None) -> bool:
        """Whether to stream on the wire; a provider may need streaming for a feature."""
        return stream

    def build_payload(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        stream: bool,
        think: bool | None,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": model, "messages": messages}
        payload.update({name: value for name, value in params.items() if value is not None})
        if stream:
            payload["stream"] = True
            if self.stream_usage:
                payload["stream_options"] = {"include_usage": True}
        self.apply_thinking(payload, think, stream)
        return payload

    def apply_thinking(self, payload: dict[str, Any], think: bool | None, stream: bool) -> None:
        """Switch reasoning on or off; ``None`` leaves the model's default."""

    # -- what comes back ------------------------------------------------------------------
    @staticmethod
    def reasoning_of(part: Mapping[str, Any]) -> str | None:
        """Reasoning text from a delta or message: ``reasoning_content``, or ``reasoning``."""
        value = part.get("reasoning_content")
        if value is None:
            value = part.get("reasoning")
        return value if isinstance(value, str) else None

    # -- embeddings -----------------------------------------------------------------------
    def embeddings_url(self, base_url: str, model: str) -> str:
        """Where embeddings are asked: ``{base}/embeddings`` for OpenAI-compatible APIs."""
        return f"{base_url}/embeddings"

    def embeddings_payload(self, model: str, texts: list[str]) -> dict[str, Any]:
        return {"model": model, "input": texts}

    @staticmethod
    def vectors_of(body: Any) -> tuple[list[Any], Mapping[str, Any] | None]:
        """(vectors in input order, usage) from an OpenAI-style ``{"data": [{"index", "embedding"}]}``."""
        items = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            return [], None
        ordered = sorted(items, key=lambda item: item.get("index", 0) if isinstance(item, Mapping) else 0)
        usage = body.get("usage")
        return ([item.get("embedding") if isinstance(item, Mapping) else None for item in ordered],
                usage if isinstance(usage, Mapping) else None)

    # -- explaining failures ---------------------------------------------------------------
    def vision_hint(self) -> Text:
        """Which of this provider's models read images."""
        if self.vision is None or not self.vision.models:
            return Text(f"Choose a model of {self.display_name} that reads images (see its model list).",
                        f"请选择 {self.display_name} 能读图片的模型（见它的模型列表）。")
        names, names_zh = ", ".join(self.vision.models), "、".join(self.vision.models)
        return Text(f"Models of {self.display_name} that read images: {names}; choose one with -m.",
                    f"{self.display_name} 能读图片的模型有：{names_zh}；请用 -m 选择其中一个。")

    def builtin_key(self) -> str | None:
        """A key the provider brings itself when it needs none from the user (the demo's token)."""
        return None

    def builtin_key_variable(self) -> str | None:
        """The environment variable that holds :meth:`builtin_key`, for code printed by ``--show-code``."""
        return None

    def key_hint(self) -> Text:
        """How to give this provider a key."""
        variables = " / ".join(self.key_vars) or "—"
        text = Text(
            f"Set {variables} (environment or a .env file), or run %llm_key {self.name}.",
            f"请设置 {variables}（环境变量或 .env 文件），或运行 %llm_key {self.name}。",
        )
        if self.key_url:
            text = text + Text(f"Create a key at {self.key_url} .", f"在 {self.key_url} 创建 Key。")
        return text

    def foreign_key_hint(self, key: str) -> Text | None:
        """A hint when the key looks like another provider's (an hf_ key given to DeepSeek)."""
        if not self.key_prefixes or key.startswith(self.key_prefixes):
            return None
        if key.startswith("hf_"):
            owner = "Hugging Face"
        elif key.startswith("sk-"):
            owner = "DeepSeek / Bailian / ChatAnywhere / OpenAI"
        else:
            owner = None
        expected = " or ".join(f"{p}…" for p in self.key_prefixes)
        if owner:
            return Text(
                f"This key looks like a {owner} key; {self.display_name} keys start with {expected}.",
                f"这个 Key 看起来属于 {owner}；{self.display_name} 的 Key 以 {expected} 开头。",
            )
        return Text(
            f"{self.display_name} keys start with {expected}; check that you copied the whole key.",
            f"{self.display_name} 的 Key 以 {expected} 开头；请检查是否完整复制了 Key。",
        )

    def auth_hint(self, key: str | None) -> Text:
        """Why a 401 may have happened with this provider, and what to do."""
        hint = Text(
            f"Check that the key is complete and still valid, then set it again with %llm_key {self.name}.",
            f"请确认 Key 完整且仍然有效，然后用 %llm_key {self.name} 重新设置。",
        )
        foreign = self.foreign_key_hint(key) if key else None
        return foreign + hint if foreign else hint

    def balance_hint(self) -> Text:
        if self.billing_url:
            return Text(f"Top up at {self.billing_url}, then run the cell again.",
                        f"请在 {self.billing_url} 充值后重新运行。")
        return Text("Top up your account, then run the cell again.", "请为账户充值后重新运行。")

    def budget_hint(self) -> Text:
        """What to do when a gateway (LiteLLM) says the key's own budget is spent."""
        return Text("The budget set for this key on the gateway is used up: ask whoever gave you the key "
                    "to raise it, or wait until it resets.",
                    "网关为这个 Key 设定的额度已经用完：请联系发给你 Key 的人提高额度，或等额度重置后再试。")

    def acted_out_hint(self, error: Exception) -> Text | None:
        """A hint that replaces the usual one when this provider only acted a failure out (the demo)."""
        return None

    def forbidden_hint(self, message: str) -> Text:
        return Text(
            "This key may not use this model or feature; "
            "choose another model (%llm_models) or check the key's permissions.",
            "这个 Key 无权使用该模型或功能；请换一个模型（%llm_models）或检查 Key 的权限。",
        )
