"""Named conversations: the history sent with each turn, and a warning before it outgrows the model.

The cell runner (``cell.run_one``, for ``--chat [NAME]``), in the order of one turn::

    name = conversation.name_for(target, args.chat)       # default name: the provider's name
    warning = conversation.check_context(name, prompt, target, system=system)   # may raise
    ... send with messages=conversation.history_for(name)
    ... on Finished(answer): conversation.record(name, prompt, answer)

``reset(name=None)`` forgets one conversation (or all); ``show(name)`` is a text transcript.
Only ``{"role", "content"}`` is stored and sent: reasoning never goes back to a provider
(DeepSeek answers 400 when it does).

Sizes are estimated (``engine.tokens``): a warning comes at 80 % of the model's context, and
:class:`BadRequestError` only when the estimate is over 1.5x a context size that is sourced
(``Provider.context_limits``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..answer import Answer
from ..engine.target import Target
from ..engine.tokens import MESSAGE_OVERHEAD, estimate_tokens
from ..errors import BadRequestError
from ..i18n import Text
from ..secrets import redact_known

__all__ = [
    "Conversation",
    "ConversationStore",
    "check_context",
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
            # known keys masked: %llm_history shows these, and the next turn sends them again
            conversation.messages.append({"role": "user", "content": redact_known(str(user_prompt))})
            conversation.messages.append({"role": "assistant", "content": redact_known(text)})
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

    def check_context(self, name: str, prompt: str | None, target: Target, *,
                      system: str | None = None) -> Text | None:
        """Before sending: a warning when the conversation nears the context size; raise when surely over."""
        limit = target.provider.context_limit(target.model)
        history = self.history_for(name)
        used = estimate_tokens(history) + estimate_tokens(prompt) + estimate_tokens(system) + MESSAGE_OVERHEAD
        if limit.certain and used > limit.tokens * CERTAIN_FACTOR:
            raise BadRequestError(
                Text(f"The conversation {name!r} is about {used:,} tokens, more than this model's "
                     f"{limit.tokens:,}-token context ({limit.note}).",
                     f"对话 {name!r} 约有 {used:,} 个 token，"
                     f"超过了该模型 {limit.tokens:,} 个 token 的上下文长度（{limit.note}）。"),
                hint=Text(f"Nothing was sent. Start over with %llm_reset {name}, or shorten the prompt.",
                          f"请求没有发送。请用 %llm_reset {name} 重新开始对话，或缩短提示词。"),
                provider=target.name)
        if used >= limit.tokens * WARN_FRACTION:
            return Text(
                f"The conversation {name!r} is about {used:,} tokens, near this model's limit of about "
                f"{limit.tokens:,} ({limit.note}); older turns may be cut off or the call refused. "
                f"%llm_reset {name} starts over.",
                f"对话 {name!r} 约有 {used:,} 个 token，接近该模型约 {limit.tokens:,} 个 token 的上限（{limit.note}）；"
                f"较早的内容可能被截断，或请求被拒绝。用 %llm_reset {name} 可以重新开始。")
        return None


store = ConversationStore()


def name_for(target: Target, chat: str | None = None) -> str:
    """The conversation's name: ``chat`` if given, else the provider's name (aliases resolved)."""
    if chat and chat.strip():
        return chat.strip()
    return target.name


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


def check_context(name: str, prompt: str | None, target: Target, *, system: str | None = None) -> Text | None:
    return store.check_context(name, prompt, target, system=system)
