"""Check everything about a call and build its request before anything is sent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..config import settings
from ..errors import ConfigurationError
from ..i18n import Text
from ..keys.lookup import clean_key, require_key
from ..providers import Provider, get_provider
from ..secrets import remember
from ..wire.transport import check_base_url


@dataclass(frozen=True)
class PreparedCall:
    """A validated call: where it goes, what it sends, how long it may take. Holds no secret in repr."""

    provider: Provider
    model: str
    base_url: str
    payload: dict[str, Any] = field(repr=False)
    key: str | None = field(repr=False)
    stream: bool  # on the wire
    timeout: float
    max_retries: int

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def parameters(self) -> dict[str, Any]:
        """The sampling parameters sent, for footers and notebook metadata."""
        return {k: v for k, v in self.payload.items() if k not in ("messages", "model", "stream", "stream_options")}


def split_provider(spec: str) -> tuple[str, str | None]:
    """``"deepseek:deepseek-v4-pro"`` → ``("deepseek", "deepseek-v4-pro")``; HF suffixes survive."""
    name, sep, model = spec.strip().partition(":")
    return name, (model or None) if sep else None


def _bad_option(en: str, zh: str, provider: str | None = None) -> ConfigurationError:
    return ConfigurationError(Text(en, zh), hint=Text("Nothing was sent; fix the option and run again.",
                                                      "请求没有发送；请修改选项后重新运行。"), provider=provider)


def _check_number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise _bad_option(f"{name} must be a number, not {value!r}.", f"{name} 必须是数字，而不是 {value!r}。")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise _bad_option(f"{name} must be in {bracket}{low:g}, {high:g}], not {value:g}.",
                          f"{name} 的取值范围是 {bracket}{low:g}, {high:g}]，而不是 {value:g}。")
    return value


def build_messages(prompt: str | None, system: str | None, messages: Sequence[dict] | None) -> list[dict[str, Any]]:
    """History, then the prompt; reasoning text is never sent back to a provider."""
    built: list[dict[str, Any]] = []
    for message in messages or ():
        if not isinstance(message, dict) or "role" not in message:
            raise _bad_option("Each message must be a dict with 'role' and 'content'.",
                              "每条消息都必须是包含 'role' 和 'content' 的字典。")
        built.append({k: v for k, v in message.items() if k not in ("reasoning_content", "reasoning")})
    if system and not any(m["role"] == "system" for m in built):
        built.insert(0, {"role": "system", "content": system})
    if prompt is not None:
        built.append({"role": "user", "content": prompt})
    if not any(m["role"] == "user" and str(m.get("content") or "").strip() for m in built):
        raise _bad_option("The prompt is empty: there is nothing to send.", "提示词是空的：没有可发送的内容。")
    size = sum(len(str(m.get("content") or "")) for m in built)
    if size > settings.max_prompt_chars:
        raise _bad_option(
            f"The prompt has {size:,} characters, more than the {settings.max_prompt_chars:,} allowed; was a whole file pasted by mistake?",
            f"提示词有 {size:,} 个字符，超过了上限 {settings.max_prompt_chars:,}；是不是误粘贴了整个文件？")
    return built


def resolve_endpoint(
    provider: str | Provider, *, key: str | None = None, base_url: str | None = None
) -> tuple[Provider, str, str | None]:
    """The adapter, a checked base URL and a clean key (found if not given): all a request needs."""
    adapter = get_provider(split_provider(provider)[0]) if isinstance(provider, str) else provider
    url = check_base_url(adapter.base_url(base_url), adapter.name)
    if key is not None:
        key = clean_key(key, adapter)
        remember(key)
    elif adapter.needs_key:
        key = require_key(adapter)
    return adapter, url, key


@dataclass(frozen=True)
class DraftRequest:
    """What a call asks, validated, before any key or URL is known: enough to key a replay cache."""

    provider: Provider
    model: str
    payload: dict[str, Any] = field(repr=False)
    stream: bool  # on the wire


def draft_request(
    provider: str | Provider,
    prompt: str | None = None,
    *,
    model: str | None = None,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    top_p: float | None = None,
    messages: Sequence[dict] | None = None,
    think: bool | None = None,
    stream: bool = True,
    **extra: Any,
) -> DraftRequest:
    """Validate what is asked and build the payload; needs no key and contacts nobody."""
    if isinstance(provider, str):
        name, model_in_name = split_provider(provider)
        adapter = get_provider(name)
        model = model or model_in_name
    else:
        adapter = provider
    model = (model or adapter.default_model()).strip()
    if not model or any(ch.isspace() for ch in model):
        raise _bad_option(f"{model!r} is not a model name.", f"{model!r} 不是有效的模型名。", adapter.name)
    _check_number("temperature", temperature, 0, 2)
    _check_number("top_p", top_p, 0, 1, low_open=True)
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        raise _bad_option(f"max_tokens must be a whole number of at least 1, not {max_tokens!r}.",
                          f"max_tokens 必须是不小于 1 的整数，而不是 {max_tokens!r}。", adapter.name)
    built = build_messages(prompt, system, messages)
    wire_stream = adapter.wire_stream(stream, think)
    params = {"temperature": temperature, "max_tokens": max_tokens, "top_p": top_p, **extra}
    payload = adapter.build_payload(model, built, stream=wire_stream, think=think, params=params)
    return DraftRequest(adapter, model, payload, wire_stream)


def prepare_call(
    provider: str | Provider,
    prompt: str | None = None,
    *,
    timeout: float | None = None,
    key: str | None = None,
    base_url: str | None = None,
    max_retries: int | None = None,
    **asked: Any,
) -> PreparedCall:
    """Validate every argument and resolve provider, model, URL and key; raise before sending.

    ``asked`` are :func:`draft_request`'s arguments: model, system, temperature, max_tokens,
    top_p, messages, think, stream and extra payload fields.
    """
    timeout = settings.timeout if timeout is None else timeout
    if _check_number("timeout", timeout, 0, 86400, low_open=True) is None:
        timeout = settings.timeout
    draft = draft_request(provider, prompt, **asked)
    _, url, key = resolve_endpoint(draft.provider, key=key, base_url=base_url)
    retries = settings.max_retries if max_retries is None else max(0, int(max_retries))
    return PreparedCall(draft.provider, draft.model, url, draft.payload, key, draft.stream, float(timeout), retries)
