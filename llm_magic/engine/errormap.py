"""Turn a provider's error reply (any status, any body shape) into one explained LLMError."""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import errors as e
from ..i18n import Text
from ..keys.lookup import key_source
from ..providers import Provider
from ..providers.facts import Retirement
from ..secrets import Secret, mask

_DETAIL_LIMIT = 240
_TAG = re.compile(r"<[^>]+>")


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
        found = heading or title
        shown = found.group(1) if found else _TAG.sub(" ", text)
        return ErrorBody(message=_short(html.unescape(shown)))
    return ErrorBody(message=e.excerpt(body, _DETAIL_LIMIT))  # gzip or binary bodies are only described


def error_from_object(data: Mapping[str, Any]) -> ErrorBody:
    """The parts of a decoded JSON error object."""
    error = data.get("error", data)
    estimated = _wait(data.get("estimated_time"))
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


def _wait(value: Any) -> float | None:
    """A wait the server predicts: only a positive, finite number of seconds is one (never -5 or NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _short(text: str) -> str:
    return e.excerpt(text, _DETAIL_LIMIT)


def seconds(count: float) -> Text:
    """``"1 second"``, ``"8 seconds"`` (rounded up: a wait is never shorter than asked), ``"8 秒"``."""
    whole = max(1, math.ceil(count))
    return Text(f"{whole} second{'' if whole == 1 else 's'}", f"{whole} 秒")


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
    key: Secret | None = field(default=None, repr=False)
    #: the endpoint called, after the base URL
    path: str = "/chat/completions"


@dataclass(frozen=True)
class Reply:
    """One error reply and the request it answers: what every rule below reads."""

    status: int | None
    body: ErrorBody
    context: Context
    retry_after: float | None = None
    #: where a redirect points (shown, never followed)
    location: str | None = None

    @property
    def words(self) -> str:
        return self.body.words

    def said(self, en: str, zh: str) -> Text:
        """``"DeepSeek rejected the key (HTTP 401): <the provider's own words>"``."""
        name = self.context.provider.display_name
        detail = f": {self.body.message}" if self.body.message else "."
        detail_zh = f"：{self.body.message}" if self.body.message else "。"
        return Text(f"{name} {en}{detail}", f"{name} {zh}{detail_zh}")

    def common(self) -> dict[str, Any]:
        return {"provider": self.context.provider.name, "status": self.status}


def error_for_status(
    status: int, body: bytes | str, context: Context, headers: Mapping[str, str] | None = None
) -> e.LLMError:
    """The LLMError for an HTTP error reply."""
    location = (headers or {}).get("Location")
    return classify(Reply(status, parse_error_body(body), context, _retry_after(headers),
                          e.excerpt(location, 200) if location else None))


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
    return classify(Reply(status, parsed, context))


# -- the rules, in order: the first whose test matches builds the error ------------------------
_NO_BALANCE = ("arrearage", "overdue", "insufficient balance", "exceeded your monthly included credits",
               "insufficient_quota")
_FILTERED = ("data_inspection", "datainspection", "content_filter", "inappropriate content", "content exists risk")
_RATE_LIMITED = ("rate limit", "limit_requests", "throttling")
_UNKNOWN_MODEL = ("model not exist", "does not exist", "model_not_found", "model_not_supported",
                  "modelnotfound", "not supported by any provider", "unknown model", "no such model",
                  "invalid model name")  # the last: LiteLLM's "Invalid model name passed in model=…"
_DAILY = ("每日", "per day", "tomorrow", "明天")
#: "resets at 00:00" is a daily quota; a time stamp such as LiteLLM's "Limit resets at: 2026-12-02 14:00:00 UTC"
#: (a per-minute limit, at the top of an hour) is not
_MIDNIGHT = re.compile(r"(?<![\d:])00:00(?!:)")
#: how providers say a model cannot take an image part (OpenAI, DashScope, vLLM/TGI-style routers)
_NO_IMAGES = ("image input", "image_url", "does not support image", "not support image", "vision",
              "multimodal", "cannot read images", "unsupported content type")


def _mentions(markers: tuple[str, ...]) -> Callable[[Reply], bool]:
    return lambda reply: any(marker in reply.words for marker in markers)


def _status(*statuses: int) -> Callable[[Reply], bool]:
    return lambda reply: reply.status in statuses


def _no_balance(reply: Reply) -> e.LLMError:
    error = e.InsufficientBalanceError(reply.said("says the account has no balance left", "提示账户余额不足"),
                                       hint=reply.context.provider.balance_hint(), **reply.common())
    error.retryable = False  # OpenAI's insufficient_quota comes as a 429: waiting seconds cannot top it up
    return error


#: LiteLLM's words for a virtual key (or its user, team) over budget: "Budget has been exceeded! Key=…"
#: or "ExceededBudget: …", type "budget_exceeded"; HTTP 400 up to 1.82, 422 in 1.110
#: (``litellm.budget_exceeded_status_code``, which a gateway may set to 429)
_OVER_BUDGET = ("budget has been exceeded", "exceededbudget", "budget_exceeded")
#: LiteLLM up to 1.82 refuses a model a key may not use with a 401 ("key not allowed to access
#: model…", type key_model_access_denied); 1.110 says it with a 403. Either way the key is good.
_MODEL_DENIED = ("not allowed to access model", "model_access_denied")


def _over_budget(reply: Reply) -> e.LLMError:
    error = e.InsufficientBalanceError(reply.said("says the budget for this key is used up",
                                                  "提示这个 Key 的额度已用完"),
                                       hint=reply.context.provider.budget_hint(), **reply.common())
    error.retryable = False  # a spent budget does not come back within a retry's pause, even as a 429
    return error


def _filtered(reply: Reply) -> e.LLMError:
    return e.ContentFilterError(
        reply.said("blocked the request with its content moderation", "的内容审核拦截了这次请求"),
        hint=Text("Rephrase the prompt; this is the provider's rule, not a bug in your code.",
                  "请换一种说法；这是服务商的审核规则，不是代码的问题。"), **reply.common())


def _rejected_key(reply: Reply) -> e.LLMError:
    provider, key = reply.context.provider, reply.context.key
    source = key_source(provider, key)  # the environment, a .env file or %llm_key: which one to fix
    hint = provider.auth_hint(mask(key) or None)  # the mask keeps the prefix
    return e.AuthenticationError(reply.said("rejected the key (HTTP 401)", "拒绝了这个 Key（HTTP 401）"),
                                 hint=source + hint if source else hint, **reply.common())


def _forbidden(reply: Reply) -> e.LLMError:
    return e.PermissionDeniedError(reply.said("refused this request (HTTP 403)", "拒绝了这次请求（HTTP 403）"),
                                   hint=reply.context.provider.forbidden_hint(reply.body.message), **reply.common())


def _rate_limited(reply: Reply) -> e.LLMError:
    daily = any(marker in reply.words for marker in _DAILY) or bool(_MIDNIGHT.search(reply.words))
    if daily:
        hint = Text("The free daily quota for this model is used up: try again tomorrow, "
                    "or pick another model with -m.",
                    "该模型今天的免费额度已用完：请明天再试，或用 -m 换一个模型。")
    elif reply.retry_after:
        wait = seconds(reply.retry_after)
        hint = Text(f"Wait {wait.en}, then run the cell again.", f"请等待 {wait.zh}后重新运行。")
    else:
        hint = Text("Wait a minute, then run the cell again; free keys have small per-minute and daily quotas.",
                    "请等一分钟后重新运行；免费 Key 的每分钟和每日额度都很小。")
    error = e.RateLimitError(reply.said("says there are too many requests (HTTP 429)", "提示请求过于频繁（HTTP 429）"),
                             hint=hint, retry_after=reply.retry_after, **reply.common())
    error.retryable = not daily  # a quota that resets at midnight is not worth a retry in seconds
    return error


def _unknown_model(reply: Reply) -> e.LLMError:
    p, ctx = reply.context.provider, reply.context
    return e.BadRequestError(
        reply.said(f"has no model {ctx.model!r} (or this key may not use it)",
                   f"没有名为 {ctx.model!r} 的模型（或这个 Key 无权使用）"),
        hint=Text(f"List the models with %llm_models {p.name} (GET {ctx.base_url}/models) and choose one with -m. "
                  "Model names are case-sensitive.",
                  f"用 %llm_models {p.name}（GET {ctx.base_url}/models）查看可用模型，"
                  "再用 -m 指定。模型名区分大小写。"),
        **reply.common())


#: words with which a provider says a model is gone for good
_RETIRED_WORDS = ("retired", "deprecated", "decommission", "shut down", "shutdown", "no longer available",
                  "has been removed", "下线", "停用", "已弃用")


def _past_retirement(reply: Reply) -> Retirement | None:
    """The declared shutdown of the model asked for, once its date has come."""
    declared = reply.context.provider.retirement_of(reply.context.model)
    if declared is None or declared.shutdown_day() > _dt.date.today():
        return None  # announced but not yet due: a refusal now has another cause
    return declared


def _is_retired(reply: Reply) -> bool:
    """A 400/404/410 for a model that is past its declared shutdown, or that the provider calls retired."""
    if reply.status not in (400, 404, 410):
        return False
    says_so = "model" in reply.words and any(word in reply.words for word in _RETIRED_WORDS)
    return says_so or _past_retirement(reply) is not None


def _retired(reply: Reply) -> e.LLMError:
    """It was retired (on the date declared) and what to use instead."""
    p, model = reply.context.provider, reply.context.model
    declared = _past_retirement(reply)
    when = f" on {declared.shutdown}" if declared else ""
    when_zh = f"已于 {declared.shutdown} " if declared else "已"
    instead = declared.replacement if declared else None
    if instead:
        hint = Text(f"Use {instead}, the replacement {p.display_name} names: %%llm {p.name} -m {instead} "
                    f"(or %llm_models {p.name} for the full list).",
                    f"请改用 {p.display_name} 推荐的替代模型 {instead}：%%llm {p.name} -m {instead}"
                    f"（完整列表见 %llm_models {p.name}）。")
    else:
        hint = Text(f"Choose a current model: %llm_models {p.name} lists them; pick one with -m.",
                    f"请换用现有的模型：%llm_models {p.name} 会列出它们，再用 -m 指定。")
    return e.BadRequestError(
        reply.said(f"no longer serves {model!r}: it was retired{when}",
                   f"不再提供 {model!r}：该模型{when_zh}下线"),
        hint=hint, **reply.common())


def _timed_out(reply: Reply) -> e.LLMError:
    return e.RequestTimeoutError(
        reply.said(f"timed out (HTTP {reply.status})", f"处理超时（HTTP {reply.status}）"),
        hint=Text("Try again; a shorter prompt or a smaller --max-tokens helps.",
                  "请重试；缩短提示词或减小 --max-tokens 会有帮助。"), **reply.common())


def _server_failed(reply: Reply) -> e.LLMError:
    estimated = reply.body.estimated_time
    if estimated:
        wait = seconds(estimated)
        hint = Text(f"The model is loading: wait about {wait.en} and run the cell again.",
                    f"模型正在加载：请等大约 {wait.zh}后重新运行。")
    elif reply.retry_after:
        wait = seconds(reply.retry_after)
        hint = Text(f"The provider asks to wait {wait.en}; then run the cell again.",
                    f"服务商要求等待 {wait.zh}，之后请重新运行。")
    else:
        hint = Text("The problem is on the provider's side: wait a moment and run the cell again.",
                    "问题出在服务商一侧：请稍等片刻后重新运行。")
    # A loading model says how long it needs: that is the right wait before a retry.
    return e.ServerError(reply.said(f"had a server error (HTTP {reply.status})", f"服务器出错（HTTP {reply.status}）"),
                         hint=hint, retry_after=estimated, **reply.common())


def _no_endpoint(reply: Reply) -> e.LLMError:
    p, url = reply.context.provider, reply.context.base_url
    return e.BadRequestError(
        reply.said(f"has no chat endpoint at {url} (HTTP 404)", f"在 {url} 没有对话接口（HTTP 404）"),
        hint=Text(f"Check the base URL ({p.base_url_var or 'configuration'}); "
                  "it should end where /chat/completions is appended.",
                  f"请检查 Base URL（{p.base_url_var or '配置'}）：它应当是拼接 /chat/completions 之前的部分。"),
        **reply.common())


def _no_model_list(reply: Reply) -> e.LLMError:
    p = reply.context.provider
    return e.BadRequestError(
        reply.said(f"does not list its models at {reply.context.base_url}/models (HTTP 404)",
                   f"没有在 {reply.context.base_url}/models 提供模型列表（HTTP 404）"),
        hint=Text(f"Many servers have no model list; chat may still work: try %%llm {p.name} -m MODEL "
                  "with a model name from the server's documentation.",
                  f"很多服务器不提供模型列表，对话仍可能正常：请试试 %%llm {p.name} -m 模型名，"
                  "模型名请查阅该服务的文档。"),
        **reply.common())


def _moved(reply: Reply) -> e.LLMError:
    p, where = reply.context.provider, reply.location or "?"
    error = e.BadRequestError(
        Text(f"{p.display_name} answered that {reply.context.base_url} has moved (HTTP {reply.status}) to {where}.",
             f"{p.display_name} 表示 {reply.context.base_url} 已迁移到 {where}（HTTP {reply.status}）。"),
        hint=Text(f"If you trust the new address, make it the base URL ({p.base_url_var or 'base_url'}); "
                  "redirects are never followed, so the key was not sent there.",
                  f"如果信任新地址，请把它设为 Base URL（{p.base_url_var or 'base_url'}）；"
                  "重定向不会被跟随，Key 没有发往新地址。"),
        **reply.common())
    error.retryable = False
    return error


def _gone(reply: Reply) -> e.LLMError:
    return e.BadRequestError(
        reply.said("no longer serves this address (HTTP 410)", "已停止服务这个地址（HTTP 410）"),
        hint=Text("Use the provider's current base URL (for Hugging Face: https://router.huggingface.co/v1).",
                  "请改用服务商当前的 Base URL（Hugging Face 为 https://router.huggingface.co/v1）。"),
        **reply.common())


def _too_large(reply: Reply) -> e.LLMError:
    return e.BadRequestError(reply.said("says the request is too large (HTTP 413)", "提示请求过大（HTTP 413）"),
                             hint=Text("Shorten the prompt or the conversation (%llm_reset).",
                                       "请缩短提示词或对话历史（%llm_reset）。"), **reply.common())


def _failed_mid_answer(reply: Reply) -> e.LLMError:
    return e.ServerError(reply.said("reported an error in the middle of the answer", "在回答过程中报告了错误"),
                         hint=Text("Run the cell again; the part that arrived is kept.",
                                   "请重新运行；已收到的部分会保留。"), **reply.common())


def _refused(reply: Reply) -> e.LLMError:
    return e.BadRequestError(
        reply.said(f"refused the request (HTTP {reply.status})", f"拒绝了这次请求（HTTP {reply.status}）"),
        hint=_bad_request_hint(reply.body), **reply.common())


def _cannot_read_images(reply: Reply) -> e.LLMError:
    return e.BadRequestError(reply.said("refused the image (this model may read text only)",
                                        "拒绝了图片（这个模型可能只能读文字）"),
                             hint=reply.context.provider.vision_hint(), **reply.common())


def _is_server_side(reply: Reply) -> bool:
    return (reply.status is not None and reply.status >= 500) or reply.status == 409


#: (test, error) in order: the money and moderation words win over the status, as providers
#: send them with 400, 402, 403 or 429; the last rule takes whatever is left.
RULES: tuple[tuple[Callable[[Reply], bool], Callable[[Reply], e.LLMError]], ...] = (
    (lambda reply: reply.status is not None and 300 <= reply.status < 400, _moved),
    (_mentions(_OVER_BUDGET), _over_budget),
    (lambda reply: reply.status == 402 or _mentions(_NO_BALANCE)(reply), _no_balance),
    (_mentions(_FILTERED), _filtered),
    (lambda reply: reply.status == 401 and _mentions(_MODEL_DENIED)(reply), _forbidden),
    (_status(401), _rejected_key),
    (_status(403), _forbidden),
    (lambda reply: reply.status == 429 or _mentions(_RATE_LIMITED)(reply), _rate_limited),
    (_is_retired, _retired),
    (lambda reply: reply.status in (400, 404) and _mentions(_UNKNOWN_MODEL)(reply), _unknown_model),
    (lambda reply: reply.status in (400, 415, 422) and _mentions(_NO_IMAGES)(reply), _cannot_read_images),
    (_status(408, 504), _timed_out),
    (_is_server_side, _server_failed),
    (lambda reply: reply.status == 404 and reply.context.path == "/models", _no_model_list),
    (_status(404), _no_endpoint),
    (_status(410), _gone),
    (_status(413), _too_large),
    (lambda reply: reply.status is None, _failed_mid_answer),
    (lambda reply: True, _refused),
)


def classify(reply: Reply) -> e.LLMError:
    """The error built by the first rule that matches ``reply``; Retry-After holds whatever the status."""
    error = next(build(reply) for matches, build in RULES if matches(reply))
    if error.retry_after is None:
        error.retry_after = reply.retry_after
    return error


def _bad_request_hint(body: ErrorBody) -> Text:
    """What to change, read from what the provider said (the parameter it named, and how)."""
    words = body.words
    if "max_completion_tokens" in words:
        return Text("This model wants max_completion_tokens, not max_tokens: leave --max-tokens out, or add a "
                    "rule for it to Provider.parameter_rules (llm_magic renames it for the models it knows).",
                    "这个模型要求用 max_completion_tokens 而不是 max_tokens：请去掉 --max-tokens，或在 "
                    "Provider.parameter_rules 中为它添加规则（已知的模型 llm_magic 会自动改名）。")
    if "only the default" in words and ("temperature" in words or "top_p" in words):
        return Text("This model accepts only the default temperature and top_p: leave -t and --top-p out.",
                    "这个模型只接受默认的 temperature 和 top_p：请去掉 -t 和 --top-p。")
    if "max_tokens" in words:
        return Text("Choose --max-tokens inside the range the message gives.", "请把 --max-tokens 设在提示的范围内。")
    if "temperature" in words or "top_p" in words:
        return Text("Choose -t between 0 and 2 and --top-p between 0 and 1.",
                    "请把 -t 设在 0 到 2 之间，--top-p 设在 0 到 1 之间。")
    if "enable_thinking" in words:
        return Text("This model thinks only when streaming: drop --no-stream or add --no-think.",
                    "这个模型只在流式输出时思考：请去掉 --no-stream 或加上 --no-think。")
    return Text("Check the options of the cell (-m, -t, --max-tokens); the message says what the provider disliked.",
                "请检查单元格的选项（-m、-t、--max-tokens）；上面的信息说明了服务商不接受的地方。")
