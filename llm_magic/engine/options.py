"""What a call asks and how it is sent, as typed values instead of loose keyword dictionaries.

:class:`AskOptions` shapes the answer (so it is part of a replay-cache key); :class:`SendOptions`
only changes how the request travels. ``split_options`` sorts the keywords of ``llm_magic.ask``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

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
    #: further fields copied into the request body as they are
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sampling(self) -> dict[str, Any]:
        """The sampling parameters that were set, for footers and notebook metadata."""
        chosen = {"temperature": self.temperature, "max_tokens": self.max_tokens, "top_p": self.top_p}
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass(frozen=True)
class SendOptions:
    """How a call travels: none of it changes the answer, so none of it keys a replay."""

    timeout: float | None = None
    key: Secret | None = field(default=None, repr=False)
    base_url: str | None = None
    max_retries: int | None = None


_ASK = {f.name for f in fields(AskOptions)} - {"extra"}
_SEND = {f.name for f in fields(SendOptions)}


def split_options(options: Mapping[str, Any]) -> tuple[str | None, AskOptions, SendOptions]:
    """``(model, ask, send)`` from ``llm_magic.ask``'s keywords; unknown ones go into the body."""
    asked = {name: value for name, value in options.items() if name in _ASK}
    sent = {name: value for name, value in options.items() if name in _SEND}
    if sent.get("key") is not None:
        sent["key"] = Secret(sent["key"])
    extra = {name: value for name, value in options.items() if name not in _ASK | _SEND | {"model"}}
    return options.get("model"), AskOptions(**asked, extra=extra), SendOptions(**sent)
