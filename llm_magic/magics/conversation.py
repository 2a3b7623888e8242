"""Named conversations: the history sent with each turn, and a warning before it outgrows the model.

API for ``magics.py`` (``--chat [NAME]``), in the order of one turn::

    name = conversation.name_for(spec, args.chat)        # default name: the provider's name
    warning = conversation.check_context(name, prompt, spec, system=system)   # may raise
    if warning: display(warning)                          # a Text, bilingual
    events = stream_events(spec, prompt, messages=conversation.history_for(name), system=system, ...)
    ... on Finished(answer): conversation.record(name, prompt, answer)

``reset(name=None)`` forgets one conversation (or all); ``show(name)`` is a text transcript.
Only ``{"role", "content"}`` is stored and sent: reasoning never goes back to a provider
(DeepSeek answers 400 when it does).

Token estimate (no tokenizer is shipped): a text whose letters are at least a quarter CJK
counts ``chars / 2`` tokens, other text ``chars / 4``, plus 4 tokens per message. Real
tokenizers differ by up to about 1.5x, so a warning comes at 80 % of the context, and
:class:`BadRequestError` only when the estimate is over 1.5x a context size that is sourced.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..answer import Answer
from ..errors import BadRequestError
from ..i18n import Text
from ..providers import get_provider
from ..engine.request import split_provider

__all__ = [
    "ContextLimit",
    "Conversation",
    "ConversationStore",
    "check_context",
    "context_limit",
    "estimate_tokens",
    "history_for",
    "name_for",
    "names",
    "record",
    "reset",
    "show",
    "store",
]

WARN_FRACTION = 0.8
CERTAIN_FACTOR = 1.5
MESSAGE_OVERHEAD = 4
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def estimate_tokens(text: str | Sequence[dict[str, Any]] | None) -> int:
    """Rough token count of a text or a message list (see the module docstring)."""
    if not text:
        return 0
    if not isinstance(text, str):
        return sum(estimate_tokens(str(m.get("content") or "")) + MESSAGE_OVERHEAD for m in text)
    letters = sum(1 for ch in text if not ch.isspace()) or 1
    cjk_heavy = len(_CJK.findall(text)) * 4 >= letters
    return math.ceil(len(text) / (2 if cjk_heavy else 4))


@dataclass(frozen=True)
class ContextLimit:
    tokens: int
    #: sourced from the provider's documentation: only then may a call be refused
    certain: bool
    note: str


# provider → (model prefix, tokens, certain, where the number comes from); first match wins.
CONTEXT_LIMITS: dict[str, list[tuple[str, int, bool, str]]] = {
    "deepseek": [("deepseek", 1_000_000, True, "DeepSeek V4: 1M context (api-docs pricing page, 2026)")],
    "bailian": [("qwen-plus", 131_072, False, "qwen-plus: 128K, not in the project's notes; check the model page")],
    "chatanywhere": [("", 4_096, False, "a free ChatAnywhere key accepts inputs under 4096 tokens")],
    "openai": [("gpt-4o-mini", 128_000, False, "gpt-4o-mini: 128K")],
}
DEFAULT_LIMIT = ContextLimit(32_000, False, "unknown model: a conservative 32K")


def context_limit(provider: str, model: str | None = None) -> ContextLimit:
    """The context size known for ``provider``'s ``model`` (a conservative default otherwise)."""
    name, model_in_spec = split_provider(provider)
    adapter = get_provider(name)
    model = (model or model_in_spec or adapter.default_model()).lower()
    for prefix, tokens, certain, note in CONTEXT_LIMITS.get(adapter.name, []):
        if model.startswith(prefix):
            return ContextLimit(tokens, certain, note)
    return DEFAULT_LIMIT


@dataclass
class Conversation:
    name: str
    messages: list[dict[str, str]] = field(default_factory=list)
    provider: str | None = None
    model: str | None = None

    @property
    def turns(self) -> int:
        return sum(1 for m in self.messages if m["role"] == "user")


class ConversationStore:
    """Conversations of this kernel session, by name; safe to use from several threads."""

    def __init__(self) -> None:
        self._conversations: dict[str, Conversation] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        with self._lock:
            return list(self._conversations)

    def get(self, name: str) -> Conversation | None:
        with self._lock:
            found = self._conversations.get(name)
            return None if found is None else Conversation(found.name, [dict(m) for m in found.messages],
                                                           found.provider, found.model)

    def history_for(self, name: str) -> list[dict[str, str]]:
        """The messages to send before the new prompt (a copy; empty for a new conversation)."""
        found = self.get(name)
        return found.messages if found else []

    def record(self, name: str, user_prompt: str, answer: Answer | str) -> None:
        """Add one turn; an empty answer (nothing arrived) adds nothing."""
        text = answer.text if isinstance(answer, Answer) else str(answer)
        if not text:
            return
        with self._lock:
            conversation = self._conversations.setdefault(name, Conversation(name))
            conversation.messages.append({"role": "user", "content": str(user_prompt)})
            conversation.messages.append({"role": "assistant", "content": text})
            conversation.provider = getattr(answer, "provider", None) or conversation.provider
            conversation.model = getattr(answer, "model", None) or conversation.model

    def reset(self, name: str | None = None) -> list[str]:
        """Forget conversation ``name`` (all when None); returns the names forgotten."""
        with self._lock:
            if name is None:
                gone = list(self._conversations)
                self._conversations.clear()
                return gone
            return [name] if self._conversations.pop(name, None) is not None else []

    def show(self, name: str) -> str:
        """A plain-text transcript."""
        found = self.get(name)
        if not found or not found.messages:
            return str(Text(f"No conversation called {name!r} yet.", f"还没有名为 {name!r} 的对话。"))
        who = {"user": Text("You", "你"), "assistant": Text(found.model or name, found.model or name)}
        lines = []
        for message in found.messages:
            lines.append(f"[{who.get(message['role'], Text(message['role'], message['role']))}]")
            lines.append(message["content"])
            lines.append("")
        return "\n".join(lines).rstrip()

    def check_context(self, name: str, prompt: str | None, provider: str, *, model: str | None = None,
                      system: str | None = None) -> Text | None:
        """Before sending: a warning when the conversation nears the context size; raise when surely over."""
        limit = context_limit(provider, model)
        history = self.history_for(name)
        used = estimate_tokens(history) + estimate_tokens(prompt) + estimate_tokens(system) + MESSAGE_OVERHEAD
        if limit.certain and used > limit.tokens * CERTAIN_FACTOR:
            raise BadRequestError(
                Text(f"The conversation {name!r} is about {used:,} tokens, more than this model's "
                     f"{limit.tokens:,}-token context ({limit.note}).",
                     f"对话 {name!r} 约有 {used:,} 个 token，超过了该模型 {limit.tokens:,} 个 token 的上下文长度（{limit.note}）。"),
                hint=Text(f"Nothing was sent. Start over with %llm_reset {name}, or shorten the prompt.",
                          f"请求没有发送。请用 %llm_reset {name} 重新开始对话，或缩短提示词。"),
                provider=split_provider(provider)[0])
        if used >= limit.tokens * WARN_FRACTION:
            return Text(
                f"The conversation {name!r} is about {used:,} tokens, near this model's limit of about "
                f"{limit.tokens:,} ({limit.note}); older turns may be cut off or the call refused. "
                f"%llm_reset {name} starts over.",
                f"对话 {name!r} 约有 {used:,} 个 token，接近该模型约 {limit.tokens:,} 个 token 的上限（{limit.note}）；"
                f"较早的内容可能被截断，或请求被拒绝。用 %llm_reset {name} 可以重新开始。")
        return None


store = ConversationStore()


def name_for(provider: str, chat: str | None = None) -> str:
    """The conversation's name: ``chat`` if given, else the provider's name (aliases resolved)."""
    if chat and chat.strip():
        return chat.strip()
    return get_provider(split_provider(provider)[0]).name


def history_for(name: str) -> list[dict[str, str]]:
    return store.history_for(name)


def record(name: str, user_prompt: str, answer: Answer | str) -> None:
    store.record(name, user_prompt, answer)


def reset(name: str | None = None) -> list[str]:
    return store.reset(name)


def show(name: str) -> str:
    return store.show(name)


def names() -> list[str]:
    return store.names()


def check_context(name: str, prompt: str | None, provider: str, *, model: str | None = None,
                  system: str | None = None) -> Text | None:
    return store.check_context(name, prompt, provider, model=model, system=system)
