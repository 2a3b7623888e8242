"""The errors of the wire: a connection that failed, ran out of time, was stopped, or carried too much."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import AnswerTooLargeError, NetworkError, RequestTimeoutError, ResponseFormatError
from ..i18n import Text

__all__ = ["cancelled_error", "damaged_encoding", "headers_too_large", "network_error", "timeout_error",
           "too_large_error", "unsupported_encoding"]

#: what http.client says when a status line or header is longer than 64 KiB, or there are over 100 headers
_HEADER_LIMITS = ("LineTooLong", "got more than", "header line", "too many headers")


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def network_error(provider: str, url: str, error: Exception) -> NetworkError | ResponseFormatError:
    """The failure of a connection, in words: TLS, DNS, refused, an oversized header, or a cut."""
    host = urlsplit(url).hostname or url
    retryable = True  # a refused or reset connection may well work a moment later
    kind = type(error).__name__
    text = str(error)
    if any(marker in kind or marker in text for marker in _HEADER_LIMITS):
        return headers_too_large(provider, host)
    if "SSL" in kind or "SSL" in text or "certificate" in text.lower():
        message = Text(f"The secure connection to {host} failed (TLS).", f"与 {host} 的安全连接（TLS）失败。")
        hint = Text("Check the base URL and the computer's clock; a school proxy may intercept HTTPS.",
                    "请检查 Base URL 和电脑时间；学校或公司的代理可能拦截了 HTTPS。")
        retryable = False
    elif "NameResolution" in text or "getaddrinfo" in text or "Name or service not known" in text:
        message = Text(f"The name {host} could not be resolved (DNS).", f"无法解析域名 {host}（DNS）。")
        hint = Text("Check the network connection and the spelling of the base URL.",
                    "请检查网络连接和 Base URL 的拼写。")
        retryable = False
    elif "refused" in text.lower():
        message = Text(f"{host} refused the connection.", f"{host} 拒绝了连接。")
        hint = Text("Is the service running and the port right? For Ollama, start `ollama serve`.",
                    "服务是否已启动、端口是否正确？如果是 Ollama，请先运行 `ollama serve`。")
    else:
        message = Text(f"The connection to {host} failed or was cut.", f"与 {host} 的连接失败或中断。")
        hint = Text("Check the network and run the cell again.", "请检查网络后重新运行。")
    failure = NetworkError(message, hint=hint, provider=provider)
    failure.retryable = retryable
    return failure


def headers_too_large(provider: str, host: str) -> ResponseFormatError:
    """An API's headers fit in a few hundred bytes: 64 KiB of them is not an API answering."""
    error = ResponseFormatError(
        Text(f"{host} sent reply headers larger than 64 KiB (or over 100 of them): that is not an API answering.",
             f"{host} 返回的响应头超过 64 KiB（或多于 100 个）：这不是 API 的正常回复。"),
        hint=Text("Check the base URL; a proxy or firewall may stand in between.",
                  "请检查 Base URL；中间可能隔着代理或防火墙。"),
        provider=provider)
    error.retryable = False
    return error


def timeout_error(provider: str, seconds: float) -> RequestTimeoutError:
    return RequestTimeoutError(
        Text(f"No complete answer within {round(seconds, 1):g} seconds.",
             f"{round(seconds, 1):g} 秒内没有得到完整回答。"),
        hint=Text("Run the cell again, or allow more time with --timeout SECONDS.",
                  "请重新运行，或用 --timeout 秒数 放宽时间限制。"),
        provider=provider,
    )


def cancelled_error(provider: str) -> NetworkError:
    """The caller stopped the call (Ctrl-C on a side-by-side cell): its connection was closed."""
    error = NetworkError(Text("The call was stopped and its connection closed.", "调用已停止，连接已关闭。"),
                         hint=Text("Run the cell again to ask again.", "如需再次提问，请重新运行。"),
                         provider=provider)
    error.retryable = False
    return error


def too_large_error(provider: str, cap: int) -> AnswerTooLargeError:
    error = AnswerTooLargeError(
        Text(f"The answer grew past {_mib(cap)} and was cut off there; the part that arrived is kept.",
             f"回答超过了 {_mib(cap)}，已在此处截断；已收到的部分会保留。"),
        hint=Text("A real answer is far smaller: check the base URL. To allow more, raise "
                  "llm_magic.settings.max_answer_bytes.",
                  "正常的回答远小于此：请检查 Base URL。如确需更大，可调高 llm_magic.settings.max_answer_bytes。"),
        provider=provider)
    error.retryable = False
    error.cap = cap
    return error


def unsupported_encoding(provider: str, coding: str) -> ResponseFormatError:
    shown = coding[:40].encode("ascii", "replace").decode("ascii")
    error = ResponseFormatError(
        Text(f"The reply is compressed with {shown!r}, which was never asked for.",
             f"回复使用了未请求的压缩格式 {shown!r}。"),
        hint=Text("Check the base URL; a proxy may be rewriting the replies.",
                  "请检查 Base URL；可能有代理改写了回复。"),
        provider=provider)
    error.retryable = False
    return error


def damaged_encoding(provider: str) -> ResponseFormatError:
    return ResponseFormatError(
        Text("The compressed reply is damaged and cannot be unpacked.", "压缩的回复已损坏，无法解压。"),
        hint=Text("Run the cell again; if it keeps happening, check the base URL or the proxy.",
                  "请重新运行；如果反复出现，请检查 Base URL 或代理。"),
        provider=provider)
