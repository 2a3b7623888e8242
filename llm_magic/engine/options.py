"""What a call asks and how it is sent, as typed values instead of loose keyword dictionaries.

:class:`AskOptions` shapes the answer (so it is part of a replay-cache key); :class:`SendOptions`
only changes how the request travels. ``split_options`` sorts the keywords of ``llm_magic.ask``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text
from ..secrets import Secret

Message = Mapping[str, Any]


@dataclass(frozen=True)
class AskOptions:
    """Everything sent to the model besides the prompt and the model name."""

    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    #: earlier turns, sent before the prompt
    messages: Sequence[Message] | None = None
    think: bool | None = None
    stream: bool = True
    #: images sent with the prompt: paths, https:// URLs, bytes, PIL images, figures, arrays (engine.images)
    images: Sequence[Any] = ()
    #: ask for a JSON answer (``--json``); a schema implies it
    json: bool = False
    #: the JSON the answer must follow: a JSON Schema dict, a dataclass, a pydantic model or "name, age int"
    schema: Any = None
    #: further fields copied into the request body as they are (``extra_body=``, checked)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sampling(self) -> dict[str, Any]:
        """The sampling parameters that were set, for footers and notebook metadata."""
        chosen = {"temperature": self.temperature, "max_tokens": self.max_tokens, "top_p": self.top_p}
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass(frozen=True)
class SendOptions:
    """How a call travels: none of it changes the answer, so none of it keys a replay."""

    #: the longest wait for the answer to begin, and for any token after it (settings.timeout, idle_timeout)
    timeout: float | None = None
    #: the whole call at most this long (``--max-time``; None: settings.max_time, by default no cap)
    max_time: float | None = None
    key: Secret | None = field(default=None, repr=False)
    base_url: str | None = None
    max_retries: int | None = None
    #: send even when the body holds something that is, or looks like, a key (``--allow-secrets``)
    allow_secrets: bool = False


_ASK = {f.name for f in fields(AskOptions)} - {"extra"}
_SEND = {f.name for f in fields(SendOptions)}
#: every keyword ``llm_magic.ask`` takes
KNOWN = tuple(sorted(_ASK | _SEND | {"model", "extra_body"}))
#: body fields that have their own option (or are the request itself)
_RESERVED = {"model", "messages", "stream", "stream_options"}
_CREDENTIAL_NAMES = {"key", "apikey", "api_key", "token", "access_token", "auth", "authorization", "bearer",
                     "password", "secret", "secret_key"}


def looks_like_credential(name: str) -> bool:
    """``api_key``, ``Authorization``, ``openai_api_key``, ``hf-token``…: a name a key hides behind."""
    plain = name.lower().replace("-", "_")
    return plain in _CREDENTIAL_NAMES or plain.endswith(("_key", "_token", "_secret", "_password"))


def _credential_error(name: str) -> ConfigurationError:
    return ConfigurationError(
        Text(f"{name!r} looks like a key. A key never goes into the request body, where a relay or a log "
             "could read it; it was not sent.",
             f"{name!r} 看起来是一个 Key。Key 不会放进请求正文（中转服务或日志可能读到它），这次没有发送。"),
        hint=Text("Pass it as key=… (llm_magic.ask(..., key=...)), or set it once with %llm_key PROVIDER.",
                  "请用 key=… 传入（llm_magic.ask(..., key=...)），或用 %llm_key 服务商 设置一次。"))


def _unknown_error(name: str) -> ConfigurationError:
    close = difflib.get_close_matches(name, KNOWN, n=1)
    guess = Text(f" Did you mean {close[0]!r}?", f"是不是想写 {close[0]!r}？") if close else Text("", "")
    return ConfigurationError(
        Text(f"Unknown option {name!r}.", f"未知选项 {name!r}。") + guess,
        hint=Text(f"The options are: {', '.join(KNOWN)}. To send another field in the request body, "
                  f"pass it in extra_body={{{name!r}: …}}. Nothing was sent.",
                  f"可用的选项有：{', '.join(KNOWN)}。如果要在请求正文中发送其他字段，请放进 "
                  f"extra_body={{{name!r}: …}}。请求没有发送。"))


def body_fields(extra_body: Any) -> dict[str, Any]:
    """``extra_body``, checked: a mapping of field names, none a credential or a field with its own option."""
    if extra_body is None:
        return {}
    if not isinstance(extra_body, Mapping) or not all(isinstance(name, str) for name in extra_body):
        raise ConfigurationError(Text(f"extra_body must be a dict of field names, not {type(extra_body).__name__}.",
                                      f"extra_body 必须是以字段名为键的字典，而不是 {type(extra_body).__name__}。"),
                                 hint=Text("For example extra_body={'seed': 42}.", "例如 extra_body={'seed': 42}。"))
    for name in extra_body:
        if looks_like_credential(name):
            raise _credential_error(name)
        if name in _RESERVED:
            raise ConfigurationError(
                Text(f"extra_body may not set {name!r}: it has its own option.",
                     f"extra_body 不能设置 {name!r}：它有自己的选项。"),
                hint=Text(f"Use {name}=… (or the prompt) instead.", f"请改用 {name}=…（或提示词）。"))
    return dict(extra_body)


def split_options(options: Mapping[str, Any]) -> tuple[str | None, AskOptions, SendOptions]:
    """``(model, ask, send)`` from ``llm_magic.ask``'s keywords; body fields only from ``extra_body``.

    An unknown keyword is an error, not a body field: a typo (``temprature``) or a key under the
    wrong name (``api_key=``) would otherwise travel in the JSON body to whoever serves the URL.
    """
    for name in options:
        if name not in KNOWN:
            raise _credential_error(name) if looks_like_credential(name) else _unknown_error(name)
    asked = {name: value for name, value in options.items() if name in _ASK}
    sent = {name: value for name, value in options.items() if name in _SEND}
    if sent.get("key") is not None:
        sent["key"] = Secret(sent["key"])
    extra = body_fields(options.get("extra_body"))
    return options.get("model"), AskOptions(**asked, extra=extra), SendOptions(**sent)
