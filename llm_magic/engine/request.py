"""Check everything about a call and build its request before anything is sent.

Two steps, so that a replay cache can key a call without a key or a network:
:func:`draft_request` validates what is asked and builds the body; :func:`prepare` adds the
checked base URL, the key and the time allowed. :func:`prepare_call` does both from
``llm_magic.ask``'s arguments.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import settings
from ..i18n import Text
from ..keys.lookup import clean_key, require_key
from ..providers import Provider
from ..secrets import Secret, hide_key, redact_known, remember, secret
from ..wire.urls import check_base_url
from .options import AskOptions, Message, SendOptions, split_options
from .parameters import adapt_parameters
from .pasted import refuse_pasted_keys
from .target import Target, resolve, split_spec
from .validate import bad_option, check_number, check_whole

__all__ = ["DraftRequest", "PreparedCall", "build_messages", "draft_request", "prepare", "prepare_call",
           "resolve_endpoint", "split_provider"]

#: the old name of :func:`~llm_magic.engine.target.split_spec`
split_provider = split_spec
#: body fields that are not sampling parameters
_NOT_PARAMETERS = ("messages", "model", "stream", "stream_options")


def parameters_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The sampling parameters a body sends, for footers and notebook metadata (known keys masked)."""
    return {k: redact_known(v) if isinstance(v, str) else v for k, v in payload.items() if k not in _NOT_PARAMETERS}


@dataclass(frozen=True)
class DraftRequest:
    """What a call asks, validated, before any key or URL is known: enough to key a replay cache."""

    target: Target
    payload: dict[str, Any] = field(repr=False)
    stream: bool  # on the wire
    #: what was changed to fit the model's parameter rules (a -t left out...), for a one-line note
    notes: tuple[Text, ...] = ()

    @property
    def provider(self) -> Provider:
        return self.target.provider

    @property
    def model(self) -> str:
        return self.target.model

    @property
    def parameters(self) -> dict[str, Any]:
        return parameters_of(self.payload)


@dataclass(frozen=True)
class PreparedCall:
    """A validated call: where it goes, what it sends, how long it may take. Holds no secret in repr."""

    provider: Provider
    model: str
    base_url: str
    payload: dict[str, Any] = field(repr=False)
    key: Secret | None = field(repr=False)
    stream: bool  # on the wire
    timeout: float
    max_retries: int

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def parameters(self) -> dict[str, Any]:
        return parameters_of(self.payload)


def build_messages(prompt: str | None, system: str | None, messages: Sequence[Message] | None) -> list[dict[str, Any]]:
    """History, then the prompt; reasoning text is never sent back to a provider."""
    built = [_history_message(message) for message in messages or ()]
    if system and not any(m["role"] == "system" for m in built):
        built.insert(0, {"role": "system", "content": system})
    if prompt is not None:
        built.append({"role": "user", "content": prompt})
    if not any(m["role"] == "user" and str(m.get("content") or "").strip() for m in built):
        raise bad_option("The prompt is empty: there is nothing to send.", "提示词是空的：没有可发送的内容。")
    _check_size(built)
    return built


def _history_message(message: Any) -> dict[str, Any]:
    if not isinstance(message, Mapping) or "role" not in message:
        raise bad_option("Each message must be a dict with 'role' and 'content'.",
                         "每条消息都必须是包含 'role' 和 'content' 的字典。")
    return {k: v for k, v in message.items() if k not in ("reasoning_content", "reasoning")}


def _check_size(built: list[dict[str, Any]]) -> None:
    """A prompt of millions of characters is most likely a file pasted by mistake."""
    size = sum(len(str(m.get("content") or "")) for m in built)
    if size > settings.max_prompt_chars:
        raise bad_option(
            f"The prompt has {size:,} characters, more than the {settings.max_prompt_chars:,} allowed; "
            "was a whole file pasted by mistake?",
            f"提示词有 {size:,} 个字符，超过了上限 {settings.max_prompt_chars:,}；是不是误粘贴了整个文件？")


def draft_request(target: Target, prompt: str | None, asked: AskOptions) -> DraftRequest:
    """Validate what is asked and build the payload; needs no key and contacts nobody."""
    adapter = target.provider
    check_number("temperature", asked.temperature, 0, 2)
    check_number("top_p", asked.top_p, 0, 1, low_open=True)
    check_whole("max_tokens", asked.max_tokens, 1, adapter.name)
    built = build_messages(prompt, asked.system, asked.messages)
    wire_stream = adapter.wire_stream(asked.stream, asked.think)
    params, notes = adapt_parameters(adapter, target.model, {**asked.sampling, **asked.extra})
    payload = adapter.build_payload(target.model, built, stream=wire_stream, think=asked.think, params=params)
    return DraftRequest(target, payload, wire_stream, tuple(notes))


def resolve_endpoint(provider: str | Provider, *, key: str | Secret | None = None,
                     base_url: str | None = None) -> tuple[Provider, str, Secret | None]:
    """The adapter, a checked base URL and a clean key (found if not given): all a request needs."""
    adapter = resolve(provider).provider if isinstance(provider, str) else provider
    url = check_base_url(adapter.base_url(base_url), adapter.name)
    found: Secret | None = None
    if key is not None:
        found = clean_key(key, adapter)
        remember(found)
    elif adapter.needs_key:
        found = require_key(adapter)
    else:
        found = secret(adapter.builtin_key())
    return adapter, url, found


def prepare(draft: DraftRequest, send: SendOptions) -> PreparedCall:
    """Resolve URL, key and time for a drafted call; raise before anything is sent."""
    timeout = settings.timeout if send.timeout is None else send.timeout
    if check_number("timeout", timeout, 0, 86400, low_open=True) is None:
        timeout = settings.timeout
    _, url, key = resolve_endpoint(draft.provider, key=send.key, base_url=send.base_url)
    refuse_pasted_keys(draft.payload, draft.provider.name, allow=send.allow_secrets)
    retries = settings.max_retries if send.max_retries is None else max(0, int(send.max_retries))
    return PreparedCall(draft.provider, draft.model, url, draft.payload, key, draft.stream, float(timeout), retries)


def prepare_call(provider: str | Provider | Target, prompt: str | None = None, **options: Any) -> PreparedCall:
    """Validate every argument of ``llm_magic.ask`` and resolve provider, model, URL and key.

    ``options``: model, system, temperature, max_tokens, top_p, messages, think, stream, timeout,
    key, base_url, max_retries, and extra payload fields.
    """
    model, asked, send = split_options(hide_key(options))
    draft = draft_request(resolve(provider, model), prompt, asked)
    for note in draft.notes:
        warnings.warn(str(note), UserWarning, stacklevel=3)
    return prepare(draft, send)
