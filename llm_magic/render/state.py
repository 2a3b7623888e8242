"""What a streaming answer looks like right now: the one record every view draws from."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..answer import Answer
from ..secrets import redact_known


@dataclass
class StreamState:
    """Text and reasoning received so far, a retry notice, and the outcome once known."""

    provider: str
    display_name: str
    model: str
    parameters: dict[str, Any] = field(default_factory=dict)
    fmt: str = "markdown"
    started: float = field(default_factory=time.monotonic)
    text_parts: list[str] = field(default_factory=list)
    reasoning_parts: list[str] = field(default_factory=list)
    notice: str | None = None
    #: streaming → done | failed | interrupted
    outcome: str = "streaming"
    answer: Answer | None = None
    #: the LLMError that ended this answer, shown in its place when several providers answer at once
    error: Any = None
    #: ``{names}`` in the prompt that were replaced by notebook variables, for the footer
    substituted: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The answer so far; live views read new parts themselves instead of joining all of them."""
        return redact_known("".join(self.text_parts))

    @property
    def reasoning(self) -> str:
        return "".join(self.reasoning_parts)

    @property
    def final(self) -> bool:
        return self.outcome != "streaming"

    def add_text(self, piece: str) -> None:
        self.text_parts.append(piece)
        self.notice = None

    def add_reasoning(self, piece: str) -> None:
        self.reasoning_parts.append(piece)
        self.notice = None

    def partial_answer(self, *, interrupted: bool = False) -> Answer:
        """An Answer from what arrived, for an interrupted call that the engine never finished."""
        return Answer(self.text, reasoning=self.reasoning or None, model=self.model, provider=self.provider,
                      elapsed=time.monotonic() - self.started, interrupted=interrupted)

    def metadata(self) -> dict[str, Any]:
        """What produced the output, for the notebook file: never a key or the prompt."""
        answer = self.answer
        data: dict[str, Any] = {
            "provider": self.provider,
            "model": answer.model if answer is not None and answer.model else self.model,
            "parameters": dict(self.parameters),
            "format": self.fmt,
            "status": self.outcome,
        }
        if answer is not None:
            data.update({key: value for key, value in answer.metadata().items() if key not in ("provider", "model")})
        else:
            data["elapsed"] = round(time.monotonic() - self.started, 3)
        return {"llm_magic": data}
