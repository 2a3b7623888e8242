"""Build an Answer from chat-completion chunks or a whole message, whatever the provider's shape."""

from __future__ import annotations

from collections.abc import Iterator, Mapping  # abc.Mapping: isinstance is 3x faster than typing.Mapping
from typing import Any

from ..answer import Answer
from ..errors import ResponseFormatError
from ..events import ReasoningDelta, TextDelta
from ..i18n import Text
from ..secrets import redact_known
from .errormap import Context, error_in_stream


def normalise_usage(usage: Mapping[str, Any]) -> dict[str, Any]:
    """``prompt_tokens``, ``completion_tokens``, ``total_tokens``, plus cache and reasoning counts."""
    prompt = int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0)
    completion = int(usage.get("completion_tokens") or usage.get("output_tokens") or 0)
    result: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": int(usage.get("total_tokens") or prompt + completion),
    }
    reasoning = _detail(usage, "completion_tokens_details", "reasoning_tokens")
    if reasoning:
        result["reasoning_tokens"] = int(reasoning)
    cached = usage.get("prompt_cache_hit_tokens")  # DeepSeek's name; OpenAI's is in the details
    if cached is None:
        cached = _detail(usage, "prompt_tokens_details", "cached_tokens")
    if cached:
        result["cached_tokens"] = int(cached)
    return result


def _detail(usage: Mapping[str, Any], group: str, name: str) -> Any:
    details = usage.get(group) or {}
    return details.get(name) if isinstance(details, Mapping) else None


def not_a_completion(detail: str) -> ResponseFormatError:
    return ResponseFormatError(
        Text(f"The reply is not a chat completion: {detail}", f"返回的内容不是对话结果：{detail}"),
        hint=Text("Check that the base URL points at an OpenAI-compatible API "
                  "(it should end before /chat/completions).",
                  "请确认 Base URL 指向兼容 OpenAI 的接口（应当是拼接 /chat/completions 之前的部分）。"),
    )


class AnswerBuilder:
    """Collects text, reasoning, usage and finish reason as the reply arrives."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.model = context.model
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None

    @property
    def has_output(self) -> bool:
        return bool(self.text or self.reasoning)

    def add_chunk(self, chunk: Any) -> Iterator[TextDelta | ReasoningDelta]:
        """One streamed chunk: yields what it adds to the answer."""
        if not isinstance(chunk, Mapping):
            raise not_a_completion(repr(chunk)[:120])
        if "error" in chunk and not chunk.get("choices"):
            raise error_in_stream(chunk, self.context)
        self._note_meta(chunk)
        choices = chunk.get("choices") or []  # usage-only and prompt-filter chunks have none
        for choice in choices[:1]:
            if not isinstance(choice, Mapping):
                continue
            yield from self._add_part(choice.get("delta") or choice.get("message") or {})
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def add_message(self, body: Any) -> Iterator[TextDelta | ReasoningDelta]:
        """A whole (non-streamed) completion."""
        if not isinstance(body, Mapping):
            raise not_a_completion(repr(body)[:120])
        if "error" in body and not body.get("choices"):
            raise error_in_stream(body, self.context)
        if not isinstance(body.get("choices"), list) or not body["choices"]:
            raise not_a_completion("no 'choices' field.")
        yield from self.add_chunk(body)

    def _note_meta(self, chunk: Mapping[str, Any]) -> None:
        if isinstance(chunk.get("model"), str) and chunk["model"]:
            self.model = chunk["model"]
        if isinstance(chunk.get("usage"), Mapping):
            self.usage = normalise_usage(chunk["usage"])  # the last non-null usage wins

    def _add_part(self, part: Any) -> Iterator[TextDelta | ReasoningDelta]:
        if not isinstance(part, Mapping):
            return
        reasoning = self.context.provider.reasoning_of(part)
        if reasoning:
            self.reasoning.append(reasoning)
            yield ReasoningDelta(reasoning)
        content = part.get("content")
        if isinstance(content, str) and content:
            self.text.append(content)
            yield TextDelta(content)

    def answer(self, elapsed: float, *, interrupted: bool = False) -> Answer:
        return Answer(  # a model that repeats a key it was sent (--allow-secrets) shows only its mask
            redact_known("".join(self.text)),
            reasoning=redact_known("".join(self.reasoning)) or None,
            usage=self.usage,
            model=self.model,
            provider=self.context.provider.name,
            finish_reason=self.finish_reason,
            elapsed=elapsed,
            interrupted=interrupted,
        )
