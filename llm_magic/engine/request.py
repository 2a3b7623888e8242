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
from typing import TYPE_CHECKING, Any

from ..config import settings
from ..i18n import Text
from ..keys.lookup import clean_key, require_key
from ..providers import Provider
from ..secrets import Secret, hide_key, redact_known, remember, secret
from ..wire.urls import check_base_url
from .options import AskOptions, Message, SendOptions, split_options
from .parameters import adapt_parameters
from .pasted import refuse_pasted_keys
from .target import Target, provider_of, resolve, split_spec
from .validate import MIN_TIMEOUT, bad_option, check_number, check_sendable, check_text, check_whole

if TYPE_CHECKING:
    from .images import ImageInput
    from .structured import Expectation

__all__ = ["DraftRequest", "PreparedCall", "build_messages", "draft_request", "prepare", "prepare_call",
           "resolve_endpoint", "split_provider"]

#: the old name of :func:`~llm_magic.engine.target.split_spec`
split_provider = split_spec
#: body fields that are not sampling parameters
_NOT_PARAMETERS = ("messages", "model", "stream", "stream_options", "response_format")


def parameters_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The sampling parameters a body sends, for footers and notebook metadata (known keys masked)."""
    return {k: redact_known(v) if isinstance(v, str) else v for k, v in payload.items() if k not in _NOT_PARAMETERS}


@dataclass(frozen=True)
class DraftRequest:
    """What a call asks, validated, before any key or URL is known: enough to key a replay cache."""

    target: Target
    payload: dict[str, Any] = field(repr=False)
    stream: bool  # on the wire
    #: what was changed to fit the model's parameter rules (a -t left out...), or how a JSON request
    #: was shaped (a JSON mode the provider lacks): one-line notes above the answer
    notes: tuple[Text, ...] = ()
    #: the images sent, for the cell's thumbnails
    images: tuple[ImageInput, ...] = field(default=(), repr=False)
    #: what the answer must be (``--json``, ``--schema``): checked when it arrives
    expect: Expectation | None = None

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
    #: the longest wait for the answer to begin (``wire.patience``)
    timeout: float
    max_retries: int
    expect: Expectation | None = None
    #: the whole call's cap; None: none
    max_time: float | None = None
    #: the longest silence between tokens; None: ``settings.idle_timeout`` when the call runs
    idle_timeout: float | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def parameters(self) -> dict[str, Any]:
        return parameters_of(self.payload)


def build_messages(prompt: str | None, system: str | None, messages: Sequence[Message] | None,
                   images: Sequence[ImageInput] = ()) -> list[dict[str, Any]]:
    """History, then the prompt (with its images); reasoning text is never sent back to a provider."""
    built = [_history_message(message) for message in messages or ()]
    if system and not any(m["role"] == "system" for m in built):
        built.insert(0, {"role": "system", "content": system})
    if images or prompt is not None:
        built.append(_prompt_message(prompt, images))
    if not any(m["role"] == "user" and _says_something(m.get("content")) for m in built):
        raise bad_option("The prompt is empty: there is nothing to send.", "提示词是空的：没有可发送的内容。")
    _check_size(built)
    return built


def _prompt_message(prompt: str | None, images: Sequence[ImageInput]) -> dict[str, Any]:
    """The user's turn: plain text, or (with images) a text part followed by the image parts."""
    if not images:
        return {"role": "user", "content": prompt}
    text = [{"type": "text", "text": prompt}] if prompt else []
    return {"role": "user", "content": text + [image.part() for image in images]}


def _says_something(content: Any) -> bool:
    return isinstance(content, list) or bool(str(content or "").strip())


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list (images left out)."""
    if isinstance(content, list):
        return "".join(str(part.get("text") or "") for part in content if isinstance(part, Mapping))
    return str(content or "")


def _history_message(message: Any) -> dict[str, Any]:
    if not isinstance(message, Mapping) or "role" not in message:
        raise bad_option("Each message must be a dict with 'role' and 'content'.",
                         "每条消息都必须是包含 'role' 和 'content' 的字典。")
    return {k: v for k, v in message.items() if k not in ("reasoning_content", "reasoning")}


def _check_size(built: list[dict[str, Any]]) -> None:
    """A prompt of millions of characters is most likely a file pasted by mistake."""
    size = sum(len(text_of(m.get("content"))) for m in built)
    if size > settings.max_prompt_chars:
        raise bad_option(
            f"The prompt has {size:,} characters, more than the {settings.max_prompt_chars:,} allowed; "
            "was a whole file pasted by mistake?",
            f"提示词有 {size:,} 个字符，超过了上限 {settings.max_prompt_chars:,}；是不是误粘贴了整个文件？")


def draft_request(target: Target, prompt: str | None, asked: AskOptions) -> DraftRequest:
    """Validate what is asked and build the payload; needs no key and contacts nobody."""
    adapter = target.provider
    check_text("prompt", prompt)
    check_text("system", asked.system)
    check_number("temperature", asked.temperature, 0, 2)
    check_number("top_p", asked.top_p, 0, 1, low_open=True)
    check_whole("max_tokens", asked.max_tokens, 1, adapter.name)
    images = _images(target, asked)
    built = build_messages(prompt, asked.system, asked.messages, images)
    params, notes = adapt_parameters(adapter, target.model, {**asked.sampling, **asked.extra})
    expect, notices = _structured(adapter, asked, built, params)
    if images or any(isinstance(m.get("content"), list) for m in built):
        _check_sent_images(adapter, images, built)
    wire_stream = adapter.wire_stream(asked.stream, asked.think)
    payload = adapter.build_payload(target.model, built, stream=wire_stream, think=asked.think, params=params)
    check_sendable(payload)  # a lone surrogate in the history or an extra field, a value JSON cannot hold
    return DraftRequest(target, payload, wire_stream, (*notes, *notices), images, expect)


def _images(target: Target, asked: AskOptions) -> tuple[ImageInput, ...]:
    """The cell's images, read and checked against the model and the provider's limits (nothing sent yet)."""
    if not asked.images:
        return ()
    from .images import check_images, check_model, images_from  # loaded only when a cell sends images

    images = images_from(asked.images)
    if images:
        check_model(target.provider, target.model)
        check_images(target.provider, images)
    return images


def _check_sent_images(adapter: Provider, images: Sequence[ImageInput], built: list[dict[str, Any]]) -> None:
    from .images import check_body, check_roles

    check_roles(adapter, built)
    check_body(adapter, images, sum(len(text_of(m.get("content"))) for m in built) + 1024)


def _structured(adapter: Provider, asked: AskOptions, built: list[dict[str, Any]],
                params: dict[str, Any]) -> tuple[Expectation | None, tuple[Text, ...]]:
    """``--json`` / ``--schema``: the response_format (into ``params``) and any system instruction (into ``built``)."""
    if not asked.json and asked.schema is None:
        return None, ()
    from .structured import Expectation, name_of, plan_for, schema_from  # loaded only when asked

    schema = schema_from(asked.schema) if asked.schema is not None else None
    expect = Expectation(schema, name_of(asked.schema) if asked.schema is not None else "answer")
    plan = plan_for(adapter, expect)
    if plan.response_format is not None:
        params.setdefault("response_format", plan.response_format)
    if plan.instruction:
        if built and built[0]["role"] == "system":
            built[0] = {**built[0], "content": f"{text_of(built[0].get('content'))}\n\n{plan.instruction}"}
        else:
            built.insert(0, {"role": "system", "content": plan.instruction})
    return expect, (plan.notice,) if plan.notice else ()


def resolve_endpoint(provider: str | Provider, *, key: str | Secret | None = None,
                     base_url: str | None = None) -> tuple[Provider, str, Secret | None]:
    """The adapter, a checked base URL and a clean key (found if not given): all a request needs."""
    adapter = provider_of(provider)
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
    timeout = _seconds("timeout", settings.timeout if send.timeout is None else send.timeout)
    max_time = settings.max_time if send.max_time is None else send.max_time
    max_time = None if max_time is None else _seconds("max_time", max_time)
    retries = settings.max_retries if send.max_retries is None else check_whole("max_retries", send.max_retries, 0) or 0
    _, url, key = resolve_endpoint(draft.provider, key=send.key, base_url=send.base_url)
    refuse_pasted_keys(draft.payload, draft.provider.name, allow=send.allow_secrets)
    return PreparedCall(draft.provider, draft.model, url, draft.payload, key, draft.stream, timeout, retries,
                        draft.expect, max_time, settings.idle_timeout)


def _seconds(name: str, value: Any) -> float:
    """A time allowed: a number of seconds, at least MIN_TIMEOUT, at most a day."""
    seconds = check_number(name, value, 0, 86400, low_open=True)
    if seconds is None or seconds < MIN_TIMEOUT:  # 1e-300 passes "more than 0" but leaves no time to connect
        raise bad_option(f"{name} must be at least {MIN_TIMEOUT:g} seconds, not {value:g}.",
                         f"{name} 至少为 {MIN_TIMEOUT:g} 秒，而不是 {value:g}。")
    return seconds


def prepare_call(provider: str | Provider | Target, prompt: str | None = None, **options: Any) -> PreparedCall:
    """Validate every argument of ``llm_magic.ask`` and resolve provider, model, URL and key.

    ``options``: model, system, temperature, max_tokens, top_p, messages, think, stream, timeout, max_time,
    key, base_url, max_retries, and extra payload fields.
    """
    model, asked, send = split_options(hide_key(options))
    draft = draft_request(resolve(provider, model), prompt, asked)
    for note in draft.notes:
        warnings.warn(str(note), UserWarning, stacklevel=3)
    return prepare(draft, send)
