"""The provider's own refusals, checked before any scripted reply is used."""

from __future__ import annotations

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


def refuse_chat(flavour: Flavour, models: tuple[str, ...] | None,
                request: ChatRequest) -> ErrorResponse | None:
    """The error the real provider returns for this request before running a model, if any."""
    model = request.model
    if models is not None and bare_model(flavour, model) not in models:
        return error_body(flavour, "model_not_found", model=model)
    # DeepSeek: "If you pass reasoning_content in the input messages, the API returns 400."
    if flavour.family == "deepseek" and any(
            isinstance(m, Mapping) and "reasoning_content" in m for m in request.messages):
        return error_body(flavour, "reasoning_input")
    # DashScope: thinking is only available when streaming
    if flavour.family == "dashscope" and request.reasoning and not request.stream:
        return error_body(flavour, "thinking_nonstream")
    return None
