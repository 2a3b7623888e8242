"""Each provider's error responses, in its own envelope, so clients meet the real variety.

DeepSeek and OpenAI use ``{"error":{message,type,param,code}}``; DashScope adds ``request_id``;
ChatAnywhere puts ``"403 FORBIDDEN"`` in ``code`` and answers a bad key with an HTML page;
Hugging Face uses a bare string, an object, a list, or plain text.  Where a provider's
wording is documented it is kept; elsewhere the wording is ours, the shape is theirs.
"""

from __future__ import annotations

import http
import uuid
from collections.abc import Mapping
from typing import NamedTuple

from .flavours import Flavour, get_flavour
from .wire import json_bytes

ERROR_KINDS = (
    "auth", "balance", "forbidden", "model_not_found", "bad_request", "rate_limit",
    "content_filter", "server", "unavailable", "overloaded", "not_found",
    "thinking_nonstream", "reasoning_input", "unsupported_parameter", "unsupported_value",
)
_KIND_OF_STATUS = {401: "auth", 402: "balance", 403: "forbidden", 404: "not_found",
                   400: "bad_request", 429: "rate_limit", 500: "server", 503: "unavailable"}
JSON = "application/json"


class ErrorResponse(NamedTuple):
    """What the server sends for an error: unpacks as ``status, content_type, body, headers``."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = {}


class _Entry(NamedTuple):
    status: int
    message: str
    type: str | None = "invalid_request_error"
    code: str | None = "invalid_request_error"
    shape: str = "object"  # object | string | list | text | html
    param: str | None = None


_DS = "invalid_request_error"
_TABLES: dict[str, dict[str, _Entry]] = {
    "deepseek": {
        "auth": _Entry(401, "Authentication Fails, Your api key: ****{tail} is invalid",
                       "authentication_error"),
        "balance": _Entry(402, "Insufficient Balance", "unknown_error"),
        "forbidden": _Entry(403, "Permission denied for this API key", "permission_error"),
        "model_not_found": _Entry(400, "Model Not Exist"),
        "bad_request": _Entry(400, "{detail}"),
        "rate_limit": _Entry(429, "Rate Limit Reached", "rate_limit_error"),
        "content_filter": _Entry(400, "Content Exists Risk"),
        "server": _Entry(500, "Server Error", "server_error"),
        "unavailable": _Entry(503, "Service Unavailable", "server_error"),
        "overloaded": _Entry(503, "Server Overloaded", "server_error"),
        "reasoning_input": _Entry(400, "The reasoning_content field of input messages is not "
                                       "supported; remove it from the conversation history."),
    },
    "dashscope": {
        "auth": _Entry(401, "Incorrect API key provided. ", code="invalid_api_key"),
        "balance": _Entry(400, "Access denied: the account is in arrears, please top it up.",
                          "Arrearage", "Arrearage"),
        "forbidden": _Entry(403, "Access denied: this key may not call the model.",
                            "access_denied", "access_denied"),
        "model_not_found": _Entry(
            404, "The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found"),
        "bad_request": _Entry(400, "{detail}", code="invalid_parameter_error"),
        "thinking_nonstream": _Entry(
            400, "parameter.enable_thinking must be set to false for non-streaming calls",
            code="invalid_parameter_error"),
        "rate_limit": _Entry(429, "Request rate limit exceeded, please retry later.",
                             "limit_requests", "limit_requests"),
        "content_filter": _Entry(400, "The input or output may contain inappropriate content.",
                                 "data_inspection_failed", "data_inspection_failed"),
        "server": _Entry(500, "An internal error occurred, please retry later.",
                         "internal_error", "internal_error"),
        "unavailable": _Entry(503, "The service is temporarily unavailable.",
                              "service_unavailable", "service_unavailable"),
        "overloaded": _Entry(503, "The model is overloaded, please retry later.",
                             "service_unavailable", "service_unavailable"),
    },
    "chatanywhere": {
        "auth": _Entry(401, "", shape="html"),
        "balance": _Entry(402, "余额不足，请充值后再试。The balance of this key is used up; "
                               "top it up to continue.", "chatanywhere_error",
                          "402 PAYMENT REQUIRED"),
        "forbidden": _Entry(403, "免费API不能使用该模型，请使用付费API。The free key may not use "
                                 "this model; a paid key is needed.", "chatanywhere_error",
                            "403 FORBIDDEN"),
        "model_not_found": _Entry(
            404, "The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found"),
        "bad_request": _Entry(400, "{detail}", "chatanywhere_error", "400 BAD REQUEST"),
        "rate_limit": _Entry(429, "今日免费次数已用完，请明天再试。The free daily quota for this "
                                  "model is used up; try again tomorrow.", "chatanywhere_error",
                             "429 TOO MANY REQUESTS"),
        "content_filter": _Entry(400, "The prompt was filtered by the upstream content policy.",
                                 None, "content_filter"),
        "server": _Entry(500, "上游服务出错。The upstream service failed.", "chatanywhere_error",
                         "500 INTERNAL SERVER ERROR"),
        "unavailable": _Entry(503, "服务暂不可用。The service is temporarily unavailable.",
                              "chatanywhere_error", "503 SERVICE UNAVAILABLE"),
        "overloaded": _Entry(503, "上游繁忙。The upstream model is overloaded.",
                             "chatanywhere_error", "503 SERVICE UNAVAILABLE"),
    },
    "openai": {
        "auth": _Entry(401, "Incorrect API key provided: sk-****{tail}.", code="invalid_api_key"),
        "balance": _Entry(429, "You exceeded your current quota; check your plan and billing.",
                          "insufficient_quota", "insufficient_quota"),
        "forbidden": _Entry(403, "You are not allowed to use this model.",
                            code="permission_denied"),
        "model_not_found": _Entry(
            404, "The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found"),
        "bad_request": _Entry(400, "{detail}", code=None),
        "rate_limit": _Entry(429, "Rate limit reached for requests; retry shortly.", "requests",
                             "rate_limit_exceeded"),
        "content_filter": _Entry(400, "The request was rejected by the content policy.",
                                 code="content_policy_violation"),
        "server": _Entry(500, "The server had an error while processing your request.",
                         "server_error", None),
        "unavailable": _Entry(503, "The service is temporarily unavailable.", "server_error", None),
        "overloaded": _Entry(503, "The engine is currently overloaded, please retry later.",
                             "server_error", None),
        # GPT-5-family and newer reasoning models, verbatim as quoted in dify #24307, opencode
        # #37964 (max_tokens) and langchaingo #1355, llmcomp #69 (temperature), 2025-2026.
        "unsupported_parameter": _Entry(
            400, "Unsupported parameter: '{param}' is not supported with this model. "
                 "Use 'max_completion_tokens' instead.", code="unsupported_parameter"),
        "unsupported_value": _Entry(
            400, "Unsupported value: '{param}' does not support {value} with this model. "
                 "Only the default (1) value is supported.", code="unsupported_value"),
    },
    "huggingface": {
        "auth": _Entry(401, "Invalid username or password.", shape="string"),
        "balance": _Entry(402, "You have used all the monthly credits included for Inference "
                               "Providers; buy credits or subscribe to PRO to continue.",
                          shape="string"),
        "forbidden": _Entry(403, "Access to model {model} is restricted: accept its conditions "
                                 "on the Hub first.", shape="string"),
        "model_not_found": _Entry(400, "The model '{model}' is not served by any provider you "
                                       "have enabled.", param="model", code="model_not_supported"),
        "bad_request": _Entry(400, "{detail}", shape="list"),
        "rate_limit": _Entry(429, "Rate limit reached, please retry later.", shape="string"),
        "content_filter": _Entry(400, "The request was blocked by the provider's content policy.",
                                 shape="string"),
        "server": _Entry(500, "Internal Server Error", shape="text"),
        "unavailable": _Entry(503, "Service Unavailable", shape="text"),
        "overloaded": _Entry(503, "Model {model} is currently loading", shape="string"),
        "not_found": _Entry(404, "Not Found", shape="text"),
    },
    "ollama": {
        "auth": _Entry(401, "unauthorized", "api_error", None),
        "model_not_found": _Entry(404, 'model "{model}" not found, try pulling it first',
                                  "api_error", None),
        "bad_request": _Entry(400, "{detail}", code=None),
    },
}

#: ChatAnywhere relays OpenAI's models; that it passes their 400s through verbatim is assumed
#: (unconfirmed, 2026-12-01): its own envelope is kept for the errors it makes itself.
_BORROWS = {"ollama": ("openai",), "chatanywhere": ("openai",)}

_TENGINE_401 = (
    "<html>\n<head><title>401 Authorization Required</title></head>\n<body>\n"
    "<center><h1>401 Authorization Required</h1></center>\n"
    "<hr><center>Tengine</center>\n</body>\n</html>\n"
)

_DEFAULT_STATUS = {
    "auth": 401, "balance": 402, "forbidden": 403, "model_not_found": 404, "bad_request": 400,
    "rate_limit": 429, "content_filter": 400, "server": 500, "unavailable": 503,
    "overloaded": 503, "not_found": 404, "thinking_nonstream": 400, "reasoning_input": 400,
    "unsupported_parameter": 400, "unsupported_value": 400,
}


def error_body(
    flavour: str | Flavour,
    kind: str | int,
    *,
    model: str | None = None,
    key: str | None = None,
    detail: str | None = None,
    param: str | None = None,
    value: str | None = None,
) -> ErrorResponse:
    """The response ``flavour`` sends for ``kind`` (one of ERROR_KINDS, or an HTTP status).

    ``model`` and ``key`` fill the provider's message (DeepSeek echoes the key's last four
    characters); ``detail`` is the message of a ``bad_request``; ``param`` and ``value`` name
    what an ``unsupported_parameter`` / ``unsupported_value`` refers to.
    """
    flav = flavour if isinstance(flavour, Flavour) else get_flavour(flavour)
    status: int | None = None
    if isinstance(kind, int):
        status, kind = kind, _KIND_OF_STATUS.get(kind, "")
    elif kind not in _DEFAULT_STATUS:
        raise ValueError(f"unknown error kind {kind!r}; choose one of {', '.join(ERROR_KINDS)}")
    entry = _entry(flav.family, kind, status)
    message = entry.message.format(
        model=model or "unknown", tail=(key or "")[-4:], detail=detail or "Invalid request",
        param=param or "", value=value or "")
    entry = entry._replace(message=message, status=status or entry.status, param=param or entry.param)
    return _render(flav.family, kind, entry)


def _entry(family: str, kind: str, status: int | None) -> _Entry:
    """The family's own entry, Ollama borrowing OpenAI's, else a generic one in its envelope."""
    for table in (family, *_BORROWS.get(family, ())):
        found = _TABLES[table].get(kind)
        if found is not None:
            return found
    code = status or _DEFAULT_STATUS.get(kind, 500)
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    message = "{detail}" if kind == "bad_request" else phrase
    if family == "huggingface":
        return _Entry(code, message, shape="string")
    if family == "chatanywhere":
        return _Entry(code, message, "chatanywhere_error", f"{code} {phrase.upper()}")
    kind_type = "api_error" if code >= 500 else "invalid_request_error"
    deepseek_code = "invalid_request_error" if family == "deepseek" else None
    return _Entry(code, message, kind_type, deepseek_code)


def _render(family: str, kind: str, entry: _Entry) -> ErrorResponse:
    if entry.shape == "html":
        return ErrorResponse(entry.status, "text/html", _TENGINE_401.encode())
    if entry.shape == "text":
        return ErrorResponse(entry.status, "text/plain; charset=utf-8", entry.message.encode())
    if entry.shape == "string":
        body: dict[str, object] = {"error": entry.message}
        if kind == "overloaded":
            body["estimated_time"] = 20.0
    elif entry.shape == "list":
        body = {"error": [entry.message]}
    else:
        body = {"error": {"message": entry.message, "type": entry.type,
                          "param": entry.param, "code": entry.code}}
    if family == "dashscope":
        request_id = str(uuid.uuid4())
        if kind in ("balance", "content_filter"):
            body["id"] = f"chatcmpl-{request_id}"
        body["request_id"] = request_id
    return ErrorResponse(entry.status, JSON, json_bytes(body))
