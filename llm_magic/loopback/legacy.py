"""The older ``POST /completions`` shape (``prompt`` in, ``choices[0].text`` out), so a class can set it
beside ``/chat/completions`` and see what changed. Whole replies only, as the chapter shows it.

Real providers have mostly retired it (OpenAI keeps it for a few ``-instruct`` models); the
loopback server answers it with the text its chat endpoint would give.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from .playback import Exchange
from .script import Answer, ChatRequest
from .wire import Completion, json_bytes


def as_chat(body: Any, flavour_name: str) -> ChatRequest | None:
    """The chat request a ``{"model", "prompt"}`` body stands for, so the usual replies answer it."""
    prompt = body.get("prompt") if isinstance(body, dict) else None
    if isinstance(prompt, list) and all(isinstance(part, str) for part in prompt):
        prompt = "\n".join(prompt)
    if not isinstance(prompt, str) or not prompt.strip():
        return None
    chat = {key: value for key, value in body.items() if key not in ("prompt", "stream", "stream_options")}
    chat["messages"] = [{"role": "user", "content": prompt}]
    return ChatRequest(chat, flavour_name)


def cut_to(completion: Completion, max_tokens: Any) -> Completion:
    """Stop at ``max_tokens`` as a real model does: ``finish_reason`` becomes ``length``."""
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or len(completion.content) <= max_tokens:
        return completion
    usage = dict(completion.usage or {})
    if usage:
        usage["completion_tokens"] = max_tokens
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + max_tokens
    return Completion(completion.id, completion.created, completion.model, completion.content[:max_tokens],
                      finish_reason="length", usage=usage)


def legacy_body(completion: Completion, number: int) -> dict[str, Any]:
    """``{"object": "text_completion", "choices": [{"text": …}]}``: the answer as one string, no roles."""
    usage = completion.usage or {}
    return {
        "id": f"cmpl-{uuid.UUID(int=number).hex[-24:]}", "object": "text_completion", "created": int(time.time()),
        "model": completion.model,
        "choices": [{"text": "".join(completion.content), "index": 0, "logprobs": None,
                     "finish_reason": completion.finish_reason}],
        "usage": {key: usage[key] for key in ("prompt_tokens", "completion_tokens", "total_tokens") if key in usage},
    }


def send_legacy(exchange: Exchange, answer: Answer, max_tokens: Any) -> None:
    """The whole answer in the old shape, after the time a model would take to write it."""
    completion = cut_to(exchange.completion(answer.text, finish_reason=answer.finish_reason, usage=answer.usage),
                        max_tokens)
    if exchange.conn.wait(answer.first_delay + answer.delay * max(len(completion.content) - 1, 0)):
        exchange.send_body(200, json_bytes(legacy_body(completion, exchange.request.number)))
