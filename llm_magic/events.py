"""What a call yields while it runs: text, reasoning, a retry pause, and the finished answer."""

from __future__ import annotations

from dataclasses import dataclass

from .answer import Answer
from .errors import LLMError


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of a reasoning model's thinking, kept apart from the answer."""

    text: str


@dataclass(frozen=True)
class RetryWait:
    """The call failed before any answer arrived and will be tried again after ``seconds``."""

    attempt: int
    seconds: float
    error: LLMError
    #: how many retries this call may make in all (0: not said)
    retries: int = 0


@dataclass(frozen=True)
class Finished:
    """The whole answer, with usage and timing."""

    answer: Answer


Event = TextDelta | ReasoningDelta | RetryWait | Finished
