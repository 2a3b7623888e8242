"""JSON bodies and stream chunks in each flavour's exact shape, built from plain text parts."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .flavours import Flavour

# CJK ideographs, kana, Hangul and full-width punctuation stream one character at a time, as real
# tokenizers roughly do; everything else streams one word at a time (leading spaces kept).
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKEN = re.compile(rf"\s*(?:[{_CJK}]|[^\s{_CJK}]+)|\s+")
_ONE_CJK = re.compile(rf"[{_CJK}]")


def split_tokens(text: str, size: int = 1) -> list[str]:
    """Cut ``text`` into parts of ``size`` words (or CJK characters); joined, they give it back."""
    tokens = _TOKEN.findall(text)
    size = max(1, size)
    return ["".join(tokens[i:i + size]) for i in range(0, len(tokens), size)]


#: tokens a chat template adds around each message (OpenAI's guide counts 3 to 4)
MESSAGE_TOKENS = 4


def count_prompt_tokens(messages: Any) -> int:
    """A deterministic stand-in for a tokenizer, counting a prompt as the demo streams an answer.

    One token per word (or CJK character), two per token in mostly-CJK text, as the demo
    streams a Chinese answer two characters at a time; plus ``MESSAGE_TOKENS`` per message.
    """
    if not isinstance(messages, list) or not messages:
        return 1
    return max(1, sum(count_text_tokens(_content_text(m)) + MESSAGE_TOKENS for m in messages))


def count_text_tokens(text: str) -> int:
    """Stream parts ``text`` would take: words, or pairs of them when at least half are CJK characters."""
    parts = split_tokens(text)
    cjk = sum(1 for part in parts if _ONE_CJK.fullmatch(part.strip()))
    size = 2 if parts and cjk * 2 >= len(parts) else 1
    return len(split_tokens(text, size))


def _content_text(message: Any) -> str:
    content = message.get("content") if isinstance(message, Mapping) else None
    if isinstance(content, list):
        return " ".join(str(p.get("text") or "") for p in content if isinstance(p, Mapping))
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def make_usage(
    flavour: Flavour, prompt: int, completion: int, reasoning: int = 0
) -> dict[str, Any]:
    """The usage object with each provider's extra fields (DeepSeek's cache counters...)."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt, "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if flavour.usage_details == "basic":
        return usage
    usage["prompt_tokens_details"] = {"cached_tokens": 0}
    if reasoning or (flavour.usage_details == "openai" and flavour.family != "dashscope"):
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if flavour.usage_details == "deepseek":
        usage["prompt_cache_hit_tokens"] = 0
        usage["prompt_cache_miss_tokens"] = prompt
    return usage


def completion_id(flavour: Flavour, number: int) -> str:
    """Deterministic ids in the provider's style (DeepSeek: bare UUID; TGI: empty string)."""
    if flavour.id_style == "empty":
        return ""
    text = str(uuid.UUID(int=number))
    return text if flavour.id_style == "uuid" else f"chatcmpl-{text}"


@dataclass(frozen=True)
class Completion:
    """Everything needed to render one answer, streamed or not."""

    id: str
    created: int
    model: str
    content: Sequence[str]
    reasoning: Sequence[str] = ()
    finish_reason: str = "stop"
    usage: Mapping[str, Any] | None = None
    include_usage: bool = False
    reasoning_key: str = "reasoning_content"
    #: Azure-backed relays open with a ``"choices":[]`` chunk holding ``prompt_filter_results``
    prompt_filter: bool = False


def completion_body(flavour: Flavour, c: Completion) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": "".join(c.content)}
    if c.reasoning:
        message[c.reasoning_key] = "".join(c.reasoning)
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": c.finish_reason}
    body: dict[str, Any] = {
        "id": c.id, "object": "chat.completion", "created": c.created, "model": c.model,
        "choices": [choice], "usage": dict(c.usage or {}),
    }
    if flavour.fingerprint is not None:
        body["system_fingerprint"] = flavour.fingerprint
    return body


def stream_chunks(flavour: Flavour, c: Completion) -> list[dict[str, Any]]:
    """Every ``chat.completion.chunk`` of a streamed answer, in order, without ``[DONE]``."""
    usage_on_chunks = flavour.usage_null_always or c.include_usage

    def chunk(delta: Mapping[str, Any] | None, finish: str | None = None,
              usage: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"id": c.id, "object": "chat.completion.chunk",
                                "created": c.created, "model": c.model}
        if flavour.fingerprint is not None:
            body["system_fingerprint"] = flavour.fingerprint
        body["choices"] = [] if delta is None else [
            {"index": 0, "delta": dict(delta), "logprobs": None, "finish_reason": finish}]
        if usage is not None or usage_on_chunks:
            body["usage"] = None if usage is None else dict(usage)
        return body

    deltas = list(_deltas(flavour, c))
    usage = dict(c.usage or {})
    chunks = [_prompt_filter_chunk()] if c.prompt_filter else []
    if flavour.finish_delta is None:  # finish (and usage) ride on the last content chunk
        chunks += [chunk(d) for d in deltas[:-1]]
        chunks.append(chunk(deltas[-1], c.finish_reason, usage))
        return chunks
    chunks += [chunk(d) for d in deltas]
    finish_delta = dict(flavour.finish_delta)
    if c.reasoning and "content" in finish_delta:
        finish_delta[c.reasoning_key] = None
    if flavour.usage == "on_finish":
        chunks.append(chunk(finish_delta, c.finish_reason, usage))
        return chunks
    chunks.append(chunk(finish_delta, c.finish_reason))
    if c.include_usage:
        chunks.append(chunk(None, usage=usage))
    return chunks


def _deltas(flavour: Flavour, c: Completion) -> Iterable[dict[str, Any]]:
    """Role opener, then reasoning deltas paired with ``content: null``, then content deltas."""
    role = {"role": "assistant"} if flavour.role_on_every_delta else {}
    key = c.reasoning_key
    if flavour.finish_delta is not None:  # an explicit, empty opening delta
        opener = {"role": "assistant", "content": None if c.reasoning else ""}
        if c.reasoning:
            opener[key] = ""
        yield {**opener, **dict(flavour.first_delta_extra)}
    elif not c.content and not c.reasoning:
        yield {"role": "assistant", "content": ""}
    for part in c.reasoning:
        yield {**role, "content": None, key: part}
    for part in c.content:
        yield {**role, "content": part, key: None} if c.reasoning else {**role, "content": part}


def _prompt_filter_chunk() -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    results = {"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe,
               "jailbreak": {"filtered": False, "detected": False}}
    return {"choices": [], "created": 0, "id": "", "model": "", "object": "",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": results}]}


def model_list(flavour: Flavour, models: Iterable[str]) -> dict[str, Any]:
    """``GET /models``: OpenAI's list shape; HF router entries also list serving providers."""
    return {"object": "list", "data": [model_entry(flavour, m) for m in models]}


def model_entry(flavour: Flavour, model: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": model, "object": "model", "owned_by": flavour.owned_by}
    if flavour.shutdown_dates is not None:
        entry["shutdown_date"] = dict(flavour.shutdown_dates).get(model)
    if flavour.family == "huggingface":
        entry["owned_by"] = model.split("/", 1)[0]
        entry["created"] = 1_700_000_000
        entry["providers"] = [{
            "provider": "loopback", "status": "live", "context_length": 32768,
            "pricing": {"input": 0.1, "output": 0.3}, "supports_tools": False,
            "supports_structured_output": False, "is_model_author": False,
        }]
    return entry


def json_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as the providers send it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sse_event(payload: Mapping[str, Any] | str) -> bytes:
    """One ``data:`` event; JSON is UTF-8 with real CJK characters, like the providers send."""
    data = payload if isinstance(payload, str) else json_bytes(payload).decode()
    return f"data: {data}\n\n".encode()


DONE_EVENT = sse_event("[DONE]")
