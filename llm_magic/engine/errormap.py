"""Turn a provider's error reply (any status, any body shape) into one explained LLMError."""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from .. import errors as e
from ..i18n import Text
from ..providers import Provider

_DETAIL_LIMIT = 240
_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class ErrorBody:
    """What an error body says, whatever envelope it came in."""

    message: str = ""
    code: str = ""
    type: str = ""
    estimated_time: float | None = None

    @property
    def words(self) -> str:
        return f"{self.code} {self.type} {self.message}".lower()


def parse_error_body(body: bytes | str) -> ErrorBody:
    """Read ``{"error": str | {message, code, type} | [...]}``, DashScope's native form, HTML or text."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = text.strip()
    try:
        data = json.loads(text) if text[:1] in "{[" else None
    except (ValueError, RecursionError):  # very deep nesting is not JSON we can use
        data = None
    if isinstance(data, dict):
        return error_from_object(data)
    if data is not None:
        return ErrorBody(message=_short(json.dumps(data, ensure_ascii=False)))
    if "<" in text and ">" in text:
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        heading = re.search(r"<h1>(.*?)</h1>", text, re.I | re.S)
        shown = (heading or title).group(1) if (heading or title) else _TAG.sub(" ", text)
        return ErrorBody(message=_short(html.unescape(shown)))
    return ErrorBody(message=_short(text))


def error_from_object(data: Mapping[str, Any]) -> ErrorBody:
    """The parts of a decoded JSON error object."""
    error = data.get("error", data)
    estimated = data.get("estimated_time")
    estimated = float(estimated) if isinstance(estimated, (int, float)) else None
    if isinstance(error, str):
        return ErrorBody(message=_short(error), estimated_time=estimated)
    if isinstance(error, list):
        return ErrorBody(message=_short("; ".join(str(item) for item in error)), estimated_time=estimated)
    if isinstance(error, Mapping):
        message = error.get("message") or error.get("msg") or error.get("detail") or ""
        if not isinstance(message, str):
            message = json.dumps(message, ensure_ascii=False)
        return ErrorBody(message=_short(message), code=str(error.get("code") or ""),
                         type=str(error.get("type") or ""), estimated_time=estimated)
    return ErrorBody(message=_short(str(error)))


def _short(text: str) -> str:
    text = _WS.sub(" ", text).strip()
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from these APIs, and the backoff copes
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class Context:
    """What the request was, so the message can name it."""

    provider: Provider
    model: str
    base_url: str
    key: str | None = None


def error_for_status(
    status: int, body: bytes | str, context: Context, headers: Mapping[str, str] | None = None
) -> e.LLMError:
    """The LLMError for an HTTP error reply."""
    parsed = parse_error_body(body)
    error = _classify(status, parsed, context, _retry_after(headers))
    return error


def error_in_stream(data: Mapping[str, Any], context: Context) -> e.LLMError:
    """The LLMError for an ``{"error": ...}`` object that arrived inside a 200 reply."""
    parsed = error_from_object(data)
    status = None
    error = data.get("error")
    if isinstance(error, Mapping):
        for candidate in (error.get("status"), error.get("code"), data.get("status")):
            if isinstance(candidate, int) or (isinstance(candidate, str) and candidate.isdigit()):
                status = int(candidate)
                break
    return _classify(status, parsed, context, None)


def _classify(status: int | None, body: ErrorBody, ctx: Context, retry_after: float | None) -> e.LLMError:
    p = ctx.provider
    words = body.words
    detail = f": {body.message}" if body.message else "."
    detail_zh = f"：{body.message}" if body.message else "。"
    common = {"provider": p.name, "status": status}

    def said(en: str, zh: str) -> Text:
        return Text(f"{p.display_name} {en}{detail}", f"{p.display_name} {zh}{detail_zh}")

    if "arrearage" in words or "overdue" in words or "insufficient balance" in words or status == 402 \
            or "exceeded your monthly included credits" in words or "insufficient_quota" in words:
        error = e.InsufficientBalanceError(said("says the account has no balance left", "提示账户余额不足"),
                                           hint=p.balance_hint(), **common)
        error.retryable = False  # OpenAI's insufficient_quota comes as a 429: waiting seconds cannot top it up
        return error
    if "data_inspection" in words or "datainspection" in words or "content_filter" in words \
            or "inappropriate content" in words or "content exists risk" in words:
        return e.ContentFilterError(said("blocked the request with its content moderation", "的内容审核拦截了这次请求"),
                                    hint=Text("Rephrase the prompt; this is the provider's rule, not a bug in your code.",
                                              "请换一种说法；这是服务商的审核规则，不是代码的问题。"), **common)
    if status == 401:
        return e.AuthenticationError(said("rejected the key (HTTP 401)", "拒绝了这个 Key（HTTP 401）"),
                                     hint=p.auth_hint(ctx.key), **common)
    if status == 403:
        return e.PermissionDeniedError(said("refused this request (HTTP 403)", "拒绝了这次请求（HTTP 403）"),
                                       hint=p.forbidden_hint(body.message), **common)
    if status == 429 or "rate limit" in words or "limit_requests" in words or "throttling" in words:
        return _rate_limit(body, ctx, retry_after, said, common)
    if _is_unknown_model(status, words):
        return e.BadRequestError(
            Text(f"{p.display_name} has no model {ctx.model!r} (or this key may not use it){detail}",
                 f"{p.display_name} 没有名为 {ctx.model!r} 的模型（或这个 Key 无权使用）{detail_zh}"),
            hint=Text(f"List the models with %llm_models {p.name} (GET {ctx.base_url}/models) and choose one with -m. "
                      "Model names are case-sensitive.",
                      f"用 %llm_models {p.name}（GET {ctx.base_url}/models）查看可用模型，再用 -m 指定。模型名区分大小写。"),
            **common)
    if status == 408 or status == 504:
        return e.RequestTimeoutError(said(f"timed out (HTTP {status})", f"处理超时（HTTP {status}）"),
                                     hint=Text("Try again; a shorter prompt or a smaller --max-tokens helps.",
                                               "请重试；缩短提示词或减小 --max-tokens 会有帮助。"), **common)
    if status is not None and status >= 500 or status == 409:
        return _server_error(status, body, said, common)
    if status == 404:
        return e.BadRequestError(said(f"has no chat endpoint at {ctx.base_url} (HTTP 404)",
                                      f"在 {ctx.base_url} 没有对话接口（HTTP 404）"),
                                 hint=Text(f"Check the base URL ({p.base_url_var or 'configuration'}); "
                                           "it should end where /chat/completions is appended.",
                                           f"请检查 Base URL（{p.base_url_var or '配置'}）：它应当是拼接 /chat/completions 之前的部分。"),
                                 **common)
    if status == 410:
        return e.BadRequestError(said("no longer serves this address (HTTP 410)", "已停止服务这个地址（HTTP 410）"),
                                 hint=Text("Use the provider's current base URL (for Hugging Face: https://router.huggingface.co/v1).",
                                           "请改用服务商当前的 Base URL（Hugging Face 为 https://router.huggingface.co/v1）。"),
                                 **common)
    if status == 413:
        return e.BadRequestError(said("says the request is too large (HTTP 413)", "提示请求过大（HTTP 413）"),
                                 hint=Text("Shorten the prompt or the conversation (%llm_reset).",
                                           "请缩短提示词或对话历史（%llm_reset）。"), **common)
    if status is None:
        return e.ServerError(said("reported an error in the middle of the answer", "在回答过程中报告了错误"),
                             hint=Text("Run the cell again; the part that arrived is kept.",
                                       "请重新运行；已收到的部分会保留。"), **common)
    return e.BadRequestError(said(f"refused the request (HTTP {status})", f"拒绝了这次请求（HTTP {status}）"),
                             hint=_bad_request_hint(body), **common)


def _is_unknown_model(status: int | None, words: str) -> bool:
    return status in (400, 404) and any(marker in words for marker in (
        "model not exist", "does not exist", "model_not_found", "model_not_supported",
        "modelnotfound", "not supported by any provider", "unknown model", "no such model"))


def _bad_request_hint(body: ErrorBody) -> Text:
    words = body.words
    if "max_tokens" in words:
        return Text("Choose --max-tokens inside the range the message gives.", "请把 --max-tokens 设在提示的范围内。")
    if "temperature" in words or "top_p" in words:
        return Text("Choose -t between 0 and 2 and --top-p between 0 and 1.", "请把 -t 设在 0 到 2 之间，--top-p 设在 0 到 1 之间。")
    if "enable_thinking" in words:
        return Text("This model thinks only when streaming: drop --no-stream or add --no-think.",
                    "这个模型只在流式输出时思考：请去掉 --no-stream 或加上 --no-think。")
    return Text("Check the options of the cell (-m, -t, --max-tokens); the message says what the provider disliked.",
                "请检查单元格的选项（-m、-t、--max-tokens）；上面的信息说明了服务商不接受的地方。")


def _rate_limit(body: ErrorBody, ctx: Context, retry_after: float | None, said, common) -> e.LLMError:
    message = said("says there are too many requests (HTTP 429)", "提示请求过于频繁（HTTP 429）")
    daily = any(marker in body.words for marker in ("00:00", "每日", "per day", "tomorrow", "明天"))
    if daily:
        hint = Text("The free daily quota for this model is used up: try again tomorrow, or pick another model with -m.",
                    "该模型今天的免费额度已用完：请明天再试，或用 -m 换一个模型。")
    elif retry_after:
        hint = Text(f"Wait {retry_after:.0f} seconds, then run the cell again.", f"请等待 {retry_after:.0f} 秒后重新运行。")
    else:
        hint = Text("Wait a minute, then run the cell again; free keys have small per-minute and daily quotas.",
                    "请等一分钟后重新运行；免费 Key 的每分钟和每日额度都很小。")
    error = e.RateLimitError(message, hint=hint, retry_after=retry_after, **common)
    error.retryable = not daily  # a quota that resets at midnight is not worth a retry in seconds
    return error


def _server_error(status: int | None, body: ErrorBody, said, common) -> e.LLMError:
    if body.estimated_time:
        hint = Text(f"The model is loading: wait about {body.estimated_time:.0f} seconds and run the cell again.",
                    f"模型正在加载：请等大约 {body.estimated_time:.0f} 秒后重新运行。")
    else:
        hint = Text("The problem is on the provider's side: wait a moment and run the cell again.",
                    "问题出在服务商一侧：请稍等片刻后重新运行。")
    # A loading model says how long it needs: that is the right wait before a retry.
    return e.ServerError(said(f"had a server error (HTTP {status})", f"服务器出错（HTTP {status}）"), hint=hint,
                         retry_after=body.estimated_time, **common)
