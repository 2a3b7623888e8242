"""The provider's own refusals, checked before any scripted reply is used."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .error_bodies import ErrorResponse, error_body
from .flavours import Flavour, bare_model
from .script import ChatRequest


def bearer_key(headers: Mapping[str, str]) -> str | None:
    """The key sent as ``Authorization: Bearer <key>`` (the raw value for other schemes)."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == "bearer" else value


#: OpenAI's GPT-5-family and newer reasoning models (relayed as they are by ChatAnywhere)
_REASONING_MODEL = re.compile(r"^(gpt-5|gpt-6|o[1-9])", re.I)


def refuse_parameters(flavour: Flavour, request: ChatRequest) -> ErrorResponse | None:
    """OpenAI's reasoning models reject ``max_tokens`` and any temperature / top_p but 1."""
    if flavour.family not in ("openai", "chatanywhere") or not _REASONING_MODEL.match(request.model):
        return None
    body = request.body
    if "max_tokens" in body:
        return error_body(flavour, "unsupported_parameter", param="max_tokens")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and value != 1:
            return error_body(flavour, "unsupported_value", param=name, value=f"{value:g}"
                              if isinstance(value, (int, float)) else str(value))
    return None


def refuse_chat(flavour: Flavour, models: tuple[str, ...] | None,
                request: ChatRequest) -> ErrorResponse | None:
    """The error the real provider returns for this request before running a model, if any."""
    model = request.model
    if models is not None and bare_model(flavour, model) not in models:
        return error_body(flavour, "model_not_found", model=model)
    refused = refuse_parameters(flavour, request)
    if refused is not None:
        return refused
    if flavour.family == "deepseek":
        refused = _deepseek_refusal(flavour, request)
        if refused is not None:
            return refused
    # DashScope: thinking is only available when streaming
    if flavour.family == "dashscope" and request.reasoning and not request.stream:
        return error_body(flavour, "thinking_nonstream")
    return None


def _deepseek_refusal(flavour: Flavour, request: ChatRequest) -> ErrorResponse | None:
    # "If you pass reasoning_content in the input messages, the API returns 400."
    if any(isinstance(m, Mapping) and "reasoning_content" in m for m in request.messages):
        return error_body(flavour, "reasoning_input")
    # images only in user messages; a system or assistant image is a 400
    if any(isinstance(m, Mapping) and m.get("role") != "user" and _has_image(m) for m in request.messages):
        return error_body(flavour, "bad_request", detail="Image content is only supported in user messages.")
    return None


def _has_image(message: Mapping[str, object]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(part, Mapping) and part.get("type") == "image_url" for part in content)
