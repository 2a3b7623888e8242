"""Build an Answer from chat-completion chunks or a whole message, whatever the provider's shape."""

from __future__ import annotations

import json
import re
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


#: the note an answer carries when its usage could not be read
USAGE_UNREADABLE = Text("The provider reported token usage in a form that cannot be read; this answer's tokens "
                        "are not counted in %llm_usage.",
                        "服务商返回的 token 用量格式无法识别；这次回答的 token 没有计入 %llm_usage。")
_TEXT_PARTS = (None, "text", "output_text")
_DECODER = json.JSONDecoder()
_CONTENT_START = re.compile(rb'"content"\s*:\s*"')


def text_of(content: Any) -> str | None:
    """The text of ``content``: a string, or a list of parts ``{"type": "text", "text": ...}`` joined.

    None when it holds no text at all (None, or parts that are all images); a shape that is no
    content is a ResponseFormatError.
    """
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = [_part_text(part) for part in content]
        return "".join(piece for piece in pieces if piece) if any(p is not None for p in pieces) else None
    raise not_a_completion(f"'content' is {type(content).__name__}, not text.")


def _part_text(part: Any) -> str | None:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping):
        text = part.get("text")
        if part.get("type") in _TEXT_PARTS and isinstance(text, str):
            return text
        return None  # an image or tool part: no text to show
    raise not_a_completion(f"a content part is {type(part).__name__}, not an object.")


def partial_content(body: bytes) -> str:
    """The text of a whole (non-streamed) completion cut off before its end: what its first ``content`` held.

    Best effort, for a body over the size cap: the JSON cannot be parsed, but its text can be read.
    """
    found = _CONTENT_START.search(body)
    if found is None:
        return ""
    rest = body[found.end():].decode("utf-8", errors="ignore")
    try:
        return str(_DECODER.raw_decode(f'"{rest}')[0])  # the string ended before the cut
    except ValueError:
        pass
    rest = re.sub(r"\\(u[0-9a-fA-F]{0,3})?$", "", rest)  # an escape cut in half
    try:
        return str(json.loads(f'"{rest}"'))
    except ValueError:
        return ""


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
        self.notes: list[Text] = []

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
        if not isinstance(choices, list):
            raise not_a_completion(f"'choices' is {type(choices).__name__}, not a list.")
        for choice in choices[:1]:
            if not isinstance(choice, Mapping):
                raise not_a_completion(f"a choice is {type(choice).__name__}, not an object.")
            yield from self._add_part(choice.get("delta") or choice.get("message") or {})
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])

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
        usage = chunk.get("usage")
        if usage is None:
            return
        try:
            if not isinstance(usage, Mapping):
                raise TypeError(type(usage).__name__)
            self.usage = normalise_usage(usage)  # the last non-null usage wins
        except (TypeError, ValueError, OverflowError, AttributeError):
            if USAGE_UNREADABLE not in self.notes:
                self.notes.append(USAGE_UNREADABLE)  # the answer matters more than its count

    def _add_part(self, part: Any) -> Iterator[TextDelta | ReasoningDelta]:
        if not isinstance(part, Mapping):
            raise not_a_completion(f"'delta' or 'message' is {type(part).__name__}, not an object.")
        reasoning = self.context.provider.reasoning_of(part)
        if reasoning:
            self.reasoning.append(reasoning)
            yield ReasoningDelta(reasoning)
        content = text_of(part.get("content"))
        if content:
            self.text.append(content)
            yield TextDelta(content)

    def add_partial_text(self, text: str) -> None:
        """Text read from a reply that could not be finished (too large): kept, never shown twice."""
        if text:
            self.text.append(text)

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
            notes=tuple(self.notes),
        )
