"""The fault matrix as data: each row is one way a call can go wrong, and what must happen then.

``test_fault_matrix.py`` runs every row streaming and not streaming against the loopback fake
provider and records the outcome; ``conftest.py`` writes the table to ``docs/reliability.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llm_magic import errors as e

#: settings every row runs under: small, so a stall costs about a second
TIMEOUT = 1.0
CONNECT_TIMEOUT = 0.5
MAX_RETRIES = 2
BACKOFF = 0.01
#: slack over the call's own timeout for thread scheduling on a busy 2-core machine
MARGIN = 1.5
#: a multi-word answer with Chinese characters, so cuts land inside text and inside UTF-8
ANSWER = "机器 学习 让 计算机 从 数据 中 学习 规律 and it learns patterns"

ONE = "one"  # the server saw exactly one request: nothing is retried
ALL = "all"  # 1 + MAX_RETRIES requests: retried, then given up


ANSWERED = None  # the call must succeed with ANSWER as its text


@dataclass(frozen=True)
class Expect:
    """What one mode (streaming or not) of a row must produce."""

    #: the error class, or ANSWERED
    error: type[e.LLMError] | None
    requests: str = ONE
    #: text arrived before the failure, so ``error.partial`` must hold a prefix of ANSWER
    partial: bool = False


@dataclass(frozen=True)
class Row:
    """One fault. ``kind`` says how it is staged:

    ``net``: ``detail`` is ``refused``, ``dns`` or ``tls``; no server answers.
    ``fault``: ``Reply.fault(detail, **options)`` on a ``flavour`` server.
    ``status``: ``Reply.error(status, body, headers, content_type)`` on a ``flavour`` server;
    ``body=None`` means the flavour's own error body for that status.
    ``raw``: ``tests.harness.hostile.SCRIPTS[detail](peer, text=ANSWER, **options)`` on a raw socket
    (what no well-behaved HTTP server sends); the provider is deepseek.

    ``settings`` are set on ``llm_magic.settings`` for the row; the error's message must contain
    ``message_has`` and its hint ``hint_has``. With Retry-After in ``headers``, every retry must wait
    exactly that long.
    """

    name: str
    group: str
    kind: str
    stream: Expect
    plain: Expect
    detail: str = ""
    flavour: str = "deepseek"
    options: tuple[tuple[str, Any], ...] = ()
    status: int = 0
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    settings: tuple[tuple[str, Any], ...] = ()
    message_has: str = ""
    hint_has: str = ""

    def expect(self, stream: bool) -> Expect:
        return self.stream if stream else self.plain


def _same(expect: Expect) -> dict[str, Expect]:
    return {"stream": expect, "plain": expect}


def _net(name: str, detail: str, requests: str = ALL) -> Row:
    return Row(name, "network", "net", detail=detail, **_same(Expect(e.NetworkError, requests)))


def _fault(name: str, fault: str, stream: Expect, plain: Expect, flavour: str = "deepseek",
           **options: Any) -> Row:
    options.setdefault("text", ANSWER)
    return Row(name, "fault", "fault", stream, plain, detail=fault, flavour=flavour,
               options=tuple(sorted(options.items())))


def _raw(name: str, script: str, stream: Expect, plain: Expect, *, settings: dict[str, Any] | None = None,
         message_has: str = "", **options: Any) -> Row:
    return Row(name, "hostile", "raw", stream, plain, detail=script, options=tuple(sorted(options.items())),
               settings=tuple(sorted((settings or {}).items())), message_has=message_has)


NETWORK_ROWS = [
    _net("connection refused", "refused"),
    # a name that does not resolve, or a TLS mismatch, will not mend itself in a second: no retry
    _net("DNS failure (.invalid)", "dns", ONE),
    _net("TLS handshake against plain HTTP", "tls", ONE),
]

_FOREVER = 30.0  # a stall longer than any timeout here; the server gives up when the client leaves

FAULT_ROWS = [
    _fault("close before headers", "close_before_headers",
           Expect(e.NetworkError, ALL), Expect(e.NetworkError, ALL)),
    _fault("close after headers", "close_after_headers",
           Expect(e.NetworkError, ALL), Expect(e.NetworkError, ALL)),
    _fault("close mid-event", "close_mid_event",
           Expect(e.NetworkError, ONE, partial=True), Expect(e.NetworkError, ALL), after=3),
    _fault("close mid-UTF-8 character", "close_mid_utf8",
           Expect(e.NetworkError, ONE, partial=True), Expect(e.NetworkError, ALL), after=3),
    _fault("stall before first byte", "stall_before_first_byte",
           Expect(e.RequestTimeoutError), Expect(e.RequestTimeoutError), seconds=_FOREVER),
    _fault("stall mid-stream", "stall_mid_stream",
           Expect(e.RequestTimeoutError, ONE, partial=True), Expect(e.RequestTimeoutError),
           after=3, seconds=_FOREVER),
    _fault("endless keep-alive comments", "keepalive_forever",
           Expect(e.RequestTimeoutError), Expect(e.RequestTimeoutError), every=0.05),
    _fault("200 with an HTML page", "html_body",
           Expect(e.ResponseFormatError), Expect(e.ResponseFormatError)),
    _fault("200 with an empty body", "empty_body",
           Expect(e.NetworkError, ALL), Expect(e.ResponseFormatError)),
    _fault("200 with truncated JSON", "truncated_json",
           Expect(e.ResponseFormatError, ONE, partial=True), Expect(e.ResponseFormatError)),
    _fault("200 with JSON without choices", "no_choices",
           Expect(e.ResponseFormatError), Expect(e.ResponseFormatError)),
    _fault("error object inside a 200 stream", "error_in_stream",
           Expect(e.ServerError, ONE, partial=True), Expect(e.ServerError), after=3),
    _fault("error string inside a 200 stream (HF)", "error_in_stream",
           Expect(e.ServerError, ONE, partial=True), Expect(e.ServerError), flavour="huggingface", after=3),
]

#: status → (error class, retried?) whatever the provider's body says
STATUS_EXPECT: dict[int, tuple[type[e.LLMError], str]] = {
    400: (e.BadRequestError, ONE),
    401: (e.AuthenticationError, ONE),
    402: (e.InsufficientBalanceError, ONE),
    403: (e.PermissionDeniedError, ONE),
    404: (e.BadRequestError, ONE),
    408: (e.RequestTimeoutError, ONE),
    409: (e.ServerError, ONE),
    413: (e.BadRequestError, ONE),
    422: (e.BadRequestError, ONE),
    429: (e.RateLimitError, ALL),
    500: (e.ServerError, ALL),
    502: (e.ServerError, ALL),
    503: (e.ServerError, ALL),
    504: (e.RequestTimeoutError, ALL),
    529: (e.ServerError, ALL),  # "overloaded": Anthropic's status, passed on by LiteLLM relays
}
FLAVOURS = ("deepseek", "bailian", "chatanywhere", "huggingface", "openai")
RETRY_AFTER = (("Retry-After", "0.05"),)

_HTML_PAGE = ("<html><head><title>{status} Error</title></head><body><center><h1>{status} {phrase}</h1>"
              "</center><hr><center>nginx</center></body></html>\n")


def _status(name: str, flavour: str, status: int, *, group: str = "status", cls: type | None = None,
            requests: str | None = None, **reply: Any) -> Row:
    default_cls, default_requests = STATUS_EXPECT.get(status, (e.BadRequestError, ONE))
    expect = Expect(cls or default_cls, requests or default_requests)
    return Row(name, group, "status", status=status, flavour=flavour, **_same(expect), **reply)


def _status_rows() -> list[Row]:
    rows = []
    for flavour in FLAVOURS:
        for status in STATUS_EXPECT:
            # ChatAnywhere's 429 is its free daily quota ("try again tomorrow"): never retried
            requests = ONE if (flavour, status) == ("chatanywhere", 429) else None
            rows.append(_status(f"{flavour} {status}", flavour, status, requests=requests))
            if status == 429:
                rows.append(_status(f"{flavour} 429 + Retry-After", flavour, 429, headers=RETRY_AFTER,
                                    requests=requests))
    return rows


def _raw_rows() -> list[Row]:
    """Bodies that are not JSON at all: a proxy's HTML page, a bare text/plain line."""
    import http

    rows = []
    for status in STATUS_EXPECT:
        phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "Overloaded"
        rows.append(_status(f"{status} HTML page", "deepseek", status, group="non-JSON",
                            body=_HTML_PAGE.format(status=status, phrase=phrase), content_type="text/html"))
        rows.append(_status(f"{status} text/plain", "huggingface", status, group="non-JSON",
                            body=f"{phrase}\n", content_type="text/plain; charset=utf-8"))
    return rows


#: providers' own wording that changes the class or the retry decision
SPECIAL_ROWS = [
    _status("openai 429 insufficient_quota (no balance)", "openai", 429, group="special",
            cls=e.InsufficientBalanceError, requests=ONE,
            body={"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                            "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}),
    _status("chatanywhere 429 daily quota used up", "chatanywhere", 429, group="special", requests=ONE,
            body={"error": {"message": "该模型免费API限制每日3次请求，请00:00后再试。",
                            "type": "chatanywhere_error", "param": None, "code": "429 TOO MANY REQUESTS"}}),
    _status("huggingface 503 model loading (estimated_time)", "huggingface", 503, group="special",
            body={"error": "Model openai/gpt-oss-20b is currently loading", "estimated_time": 0.05}),
    _status("bailian 400 Arrearage (overdue account)", "bailian", 400, group="special",
            cls=e.InsufficientBalanceError,
            body={"error": {"code": "Arrearage", "param": None, "type": "Arrearage",
                            "message": "Access denied, please make sure your account is in good standing."},
                  "request_id": "00000000-0000-0000-0000-000000000000"}),
    _status("bailian 400 data_inspection_failed", "bailian", 400, group="special", cls=e.ContentFilterError,
            body={"error": {"code": "data_inspection_failed", "param": None, "type": "data_inspection_failed",
                            "message": "Input data may contain inappropriate content."}}),
    _status("deepseek 400 Model Not Exist", "deepseek", 400, group="special",
            body={"error": {"message": "Model Not Exist", "type": "invalid_request_error", "param": None,
                            "code": "invalid_request_error"}}),
    _status("chatanywhere 401 Tengine HTML", "chatanywhere", 401, group="special",
            body="<html><head><title>401 Authorization Required</title></head><body><center>"
                 "<h1>401 Authorization Required</h1></center><hr><center>Tengine</center></body></html>",
            content_type="text/html"),
    _status("huggingface 410 legacy host", "huggingface", 410, group="special",
            body="https://api-inference.huggingface.co is no longer supported. "
                 "Please use https://router.huggingface.co instead.", content_type="text/plain"),

    _status("huggingface 503 estimated_time -5", "huggingface", 503, group="special",
            body={"error": "Model openai/gpt-oss-20b is currently loading", "estimated_time": -5}),
    _status("litellm 400 Invalid model name", "openai", 400, group="special",
            body={"error": {"message": "Invalid model name passed in model=gpt-5-mini. Call `/v1/models` to view "
                                       "available models for your key.",
                            "type": "invalid_request_error", "param": "model", "code": "400"}},
            hint_has="%llm_models"),
    _status("deepseek 401 names where the key came from", "deepseek", 401, group="special",
            hint_has="environment variable DEEPSEEK_API_KEY"),
]

#: Retry-After holds for every status that is retried, not only 429
RETRY_AFTER_ROWS = [
    _status(f"deepseek {status} + Retry-After", "deepseek", status, group="Retry-After", headers=RETRY_AFTER)
    for status in (500, 502, 503, 504, 529)
]

_MOVED = "https://api.elsewhere.example/v1/chat/completions"
#: a redirect is explained and never followed (the key would go with it)
REDIRECT_ROWS = [
    _status(f"deepseek {status} redirect", "deepseek", status, group="redirect", body="",
            headers=(("Location", _MOVED),), message_has="api.elsewhere.example")
    for status in (301, 302, 307, 308)
]

_SMALL_CAP = {"max_answer_bytes": 4 << 20}
#: raw sockets playing what no well-behaved server sends
HOSTILE_ROWS = [
    _raw("gzip-compressed answer", "gzip_answer", Expect(ANSWERED), Expect(ANSWERED)),
    _raw("gzip bomb (1 GiB of zeros, 4 MiB cap)", "gzip_bomb",
         Expect(e.AnswerTooLargeError, ONE, partial=True), Expect(e.AnswerTooLargeError), settings=_SMALL_CAP),
    _raw("endless body (4 MiB cap)", "endless_body", Expect(e.AnswerTooLargeError, ONE, partial=True),
         Expect(e.AnswerTooLargeError, ONE, partial=True), settings=_SMALL_CAP),
    _raw("headers trickle in, a byte per 0.05 s", "trickle_headers",
         Expect(e.RequestTimeoutError), Expect(e.RequestTimeoutError)),
    _raw("1 MiB header", "huge_header", Expect(e.ResponseFormatError), Expect(e.ResponseFormatError),
         message_has="64 KiB"),
    _raw("close-delimited body cut mid-event", "close_delimited_cut",
         Expect(e.NetworkError, ONE, partial=True), Expect(e.NetworkError, ALL)),
    _raw("close-delimited cut after the finish chunk", "cut_after_finish", Expect(ANSWERED), Expect(ANSWERED)),
    _raw("content as a list of text parts", "content_parts", Expect(ANSWERED), Expect(ANSWERED)),
    _raw("usage of the wrong shape", "malformed_usage", Expect(ANSWERED), Expect(ANSWERED)),
    _raw("choices as an object", "choices_object", Expect(e.ResponseFormatError, ONE, partial=True),
         Expect(e.ResponseFormatError)),
    _raw("500 with a gzip-compressed error body", "gzip_error", Expect(e.ServerError, ALL),
         Expect(e.ServerError, ALL), message_has="upstream model crashed"),
    _raw("502 with a binary body", "binary_error", Expect(e.ServerError, ALL), Expect(e.ServerError, ALL),
         message_has="binary data"),
]

#: the waits count tokens: keep-alives and empty events are not tokens, a steady answer is never cut
#: (without streaming it must arrive within the timeout), and --max-time caps the whole call
TIMEOUT_ROWS = [
    Row("keep-alive comments and empty events after the first words", "timeouts", "raw",
        Expect(e.RequestTimeoutError, ONE, partial=True), Expect(e.RequestTimeoutError),
        detail="keepalive_after_first_words"),
    Row("a word every 0.1 s, longer than the timeout", "timeouts", "raw", Expect(ANSWERED),
        Expect(e.RequestTimeoutError), detail="steady_answer", options=(("every", 0.1),)),
    Row("--max-time 0.5 s cuts a steady stream", "timeouts", "raw", Expect(e.RequestTimeoutError, ONE, partial=True),
        Expect(e.RequestTimeoutError), detail="steady_answer", options=(("every", 0.1),),
        settings=(("max_time", 0.5),), message_has="--max-time"),
]

ROWS: list[Row] = (NETWORK_ROWS + FAULT_ROWS + _status_rows() + _raw_rows() + SPECIAL_ROWS + RETRY_AFTER_ROWS
                   + REDIRECT_ROWS + HOSTILE_ROWS + TIMEOUT_ROWS)
MODES = (True, False)


def row_id(row: Row) -> str:
    return row.name


def all_cases() -> set[tuple[str, bool]]:
    """Every (row name, stream) the full matrix runs: the doc is written only when all ran."""
    return {(row.name, stream) for row in ROWS for stream in MODES}


assert len({row.name for row in ROWS}) == len(ROWS), "row names must be unique"
