"""Errors raised by llm_magic: one base class, each subclass says what went wrong.

Every message is short, names the next step, exists in English and Chinese, and never
contains a key. The tree::

    LLMError                      base: .provider, .status (HTTP status or None), .hint, .partial
    ├── ConfigurationError        bad option, unknown provider, unsafe base URL, malformed key
    │   └── UnknownProviderError  a provider name that is not registered (suggests the closest)
    ├── MissingKeyError           no key in this session, the environment or a .env file
    ├── SessionBudgetError        this kernel session used its token budget; nothing was sent
    ├── AuthenticationError       401: the provider rejected the key
    ├── PermissionDeniedError     403: the key may not use this model or feature
    ├── InsufficientBalanceError  402, DeepSeek "Insufficient Balance", DashScope Arrearage, HF credits
    ├── RateLimitError            429: too many requests or a daily quota
    ├── BadRequestError           400, 404, 413, 422, unknown model
    ├── ContentFilterError        the provider's moderation blocked the input or the output
    ├── ServerError               5xx: the provider failed
    ├── RequestTimeoutError       no answer within the timeout (also 408)
    ├── NetworkError              DNS failure, connection refused or reset, TLS failure
    └── ResponseFormatError       a body that is not what the API promises
        └── AnswerTooLargeError   an answer longer than ``settings.max_answer_bytes``, cut off there

    Interrupted                   (a KeyboardInterrupt) the user stopped the answer with ■ or Ctrl+C

An error raised after part of the answer arrived keeps that text on ``.partial``.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, overload

from .i18n import Text, get_language
from .secrets import redact

if TYPE_CHECKING:
    from .answer import Answer

__all__ = [
    "LLMError", "ConfigurationError", "UnknownProviderError", "MissingKeyError", "SessionBudgetError",
    "AuthenticationError", "PermissionDeniedError", "InsufficientBalanceError",
    "RateLimitError", "BadRequestError", "ContentFilterError", "ServerError",
    "RequestTimeoutError", "NetworkError", "ResponseFormatError", "AnswerTooLargeError", "Interrupted",
]


_BLANKS = re.compile(r"\s+")


def excerpt(data: bytes | str, limit: int = 120) -> str:
    """At most ``limit`` printable characters of a reply, for a message; binary data is only described.

    A gzip or binary body must never put control characters or mojibake into an error.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    sample = text[:4096]
    unreadable = sum(1 for c in sample if c == "\ufffd" or not (c.isprintable() or c.isspace()))
    if sample and unreadable > len(sample) // 10:
        size = len(data) if isinstance(data, bytes) else len(text.encode("utf-8", "surrogatepass"))
        return f"<{size:,} bytes of binary data>"
    shown = "".join(c for c in _BLANKS.sub(" ", text[: limit * 4]) if c.isprintable()).strip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@overload
def _as_text(value: Text | str) -> Text: ...
@overload
def _as_text(value: Text | str | None) -> Text | None: ...
def _as_text(value: Text | str | None) -> Text | None:
    if value is None or isinstance(value, Text):
        return value
    return Text(value, value)


class LLMError(Exception):
    """Base of every error llm_magic raises on purpose."""

    #: False when trying again in a few seconds cannot help (no balance, a daily quota, DNS, TLS)
    retryable = True

    def __init__(
        self,
        message: Text | str,
        *,
        hint: Text | str | None = None,
        provider: str | None = None,
        status: int | None = None,
        partial: Answer | None = None,
        retry_after: float | None = None,
    ) -> None:
        self._message = _as_text(message)
        self._hint = _as_text(hint)
        self.provider = provider
        self.status = status
        self.partial = partial
        self.retry_after = retry_after
        #: set by the magics (``--debug``) to show the whole traceback instead of the short text
        self.show_traceback = False
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return redact(str(self._message))

    @property
    def hint(self) -> str:
        return redact(str(self._hint)) if self._hint else ""

    def replace_hint(self, hint: Text) -> None:
        """Say what to do differently (the demo says a failure was only acted out)."""
        self._hint = hint

    def texts(self, language: str | None = None) -> tuple[str, str]:
        """(message, hint) in ``language`` (default: the language in force)."""
        language = language or get_language()
        message = redact(self._message.in_language(language))
        hint = redact(self._hint.in_language(language)) if self._hint else ""
        return message, hint

    def headline(self) -> str:
        """``AuthenticationError · deepseek · HTTP 401``: what and where, no prose."""
        parts = [type(self).__name__]
        if self.provider:
            parts.append(self.provider)
        if self.status:
            parts.append(f"HTTP {self.status}")
        return " · ".join(parts)

    def __str__(self) -> str:
        message, hint = self.texts()
        return f"{message} {hint}".strip() if hint else message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, status={self.status!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Callable[[type[LLMError], Text, Text | None, str | None, int | None], LLMError],
                                  tuple[type[LLMError], Text, Text | None, str | None, int | None]]:
        # keep pickling (multiprocessing, caches) from needing the kwargs
        return (_rebuild, (type(self), self._message, self._hint, self.provider, self.status))

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback; the cell still fails."""
        if self.show_traceback:
            lines = traceback.format_exception(type(self), self, self.__traceback__)
            return [redact(line.rstrip("\n")) for line in lines]
        message, hint = self.texts()
        lines = [f"\x1b[1;31m{self.headline()}\x1b[0m", message]
        if hint:
            lines.append(hint)
        if self.partial:
            lines.append(str(Text("(The part of the answer that arrived is kept in _llm.)",
                                  "（已收到的部分回答保存在 _llm 中。）")))
        return lines


def _rebuild(cls: type[LLMError], message: Text, hint: Text | None, provider: str | None,
             status: int | None) -> LLMError:
    return cls(message, hint=hint, provider=provider, status=status)


class ConfigurationError(LLMError, ValueError):
    """A setting or an option is wrong; nothing was sent."""


class UnknownProviderError(ConfigurationError):
    """The provider name is not registered."""


class MissingKeyError(LLMError):
    """No key was found for a provider that needs one; nothing was sent."""


class SessionBudgetError(LLMError):
    """This session has used ``settings.max_tokens_per_session`` tokens; nothing was sent."""

    retryable = False


class AuthenticationError(LLMError):
    """HTTP 401: the key was rejected."""


class PermissionDeniedError(LLMError):
    """HTTP 403: the key is valid but may not do this."""


class InsufficientBalanceError(LLMError):
    """The account has no balance or credits left."""


class RateLimitError(LLMError):
    """HTTP 429: too many requests, or a daily quota is used up."""


class BadRequestError(LLMError, ValueError):
    """The provider refused the request as malformed (400, 404, 413, 422, unknown model)."""


class ContentFilterError(LLMError):
    """The provider's content moderation blocked the prompt or the answer."""


class ServerError(LLMError):
    """HTTP 5xx: the provider failed; usually worth trying again later."""


class RequestTimeoutError(LLMError, TimeoutError):
    """No complete answer within the time allowed."""


class NetworkError(LLMError, ConnectionError):
    """The provider could not be reached: DNS, refused or reset connection, TLS."""


class ResponseFormatError(LLMError):
    """The provider answered with something that is not what its API promises."""


class AnswerTooLargeError(ResponseFormatError):
    """The answer passed ``settings.max_answer_bytes``; reading stopped there, the part read is kept."""

    retryable = False
    #: the cap in bytes that was reached
    cap: int = 0


class Interrupted(KeyboardInterrupt):
    """The user stopped the call (■ in a notebook, Ctrl+C): still a KeyboardInterrupt, so a loop of
    cells stops and ``except Exception`` does not swallow it, but shown in three short lines like
    every other error, without a traceback through the HTTP library. ``.partial`` keeps what arrived."""

    def __init__(self, *, provider: str | None = None, partial: Answer | None = None) -> None:
        self.provider = provider
        self.partial = partial
        self.show_traceback = False
        super().__init__(str(self.message))

    @property
    def message(self) -> Text:
        received = len(self.partial) if self.partial else 0
        if received:
            return Text(f"You stopped the answer (■ or Ctrl+C) after {received:,} characters.",
                        f"你中止了回答（■ 或 Ctrl+C），已收到 {received:,} 个字符。")
        return Text("You stopped the call (■ or Ctrl+C) before any answer arrived.",
                    "你在回答到达之前中止了调用（■ 或 Ctrl+C）。")

    def _render_traceback_(self) -> list[str]:
        if self.show_traceback:
            lines = traceback.format_exception(type(self), self, self.__traceback__)
            return [redact(line.rstrip("\n")) for line in lines]
        headline = " · ".join(part for part in ("Interrupted", self.provider) if part)
        if self.partial:
            hint = Text("The part that arrived is kept in _llm; run the cell again for a whole answer.",
                        "已收到的部分保存在 _llm 中；重新运行这个单元格可以得到完整的回答。")
        else:
            hint = Text("Run the cell again when you are ready.", "准备好后重新运行这个单元格即可。")
        return [f"\x1b[1;31m{headline}\x1b[0m", str(self.message), str(hint)]
