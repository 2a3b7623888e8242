"""HTTP for the engine: one keep-alive session per provider, timeouts, raw byte reading."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._version import __version__
from ..errors import ConfigurationError, NetworkError, RequestTimeoutError
from ..i18n import Text
from ..secrets import Revealed, Secret
from .urls import check_base_url as check_base_url  # its old home: imported from here too
from .urls import proxies_for

if TYPE_CHECKING:
    import requests

_sessions: dict[str, requests.Session] = {}
_lock = threading.Lock()
_READ_SIZE = 65536
#: an error body longer than this is cut: only its first words are ever shown
ERROR_BODY_LIMIT = 65536
USER_AGENT = f"llm_magic/{__version__}"


def session_for(provider_name: str) -> requests.Session:
    """The provider's reused session, so that successive calls keep the connection alive."""
    with _lock:
        session = _sessions.get(provider_name)
        if session is None:
            import requests  # first use only: keeps %load_ext fast

            session = requests.Session()
            session.trust_env = True
            _sessions[provider_name] = session
        return session


def close_sessions() -> None:
    """Close every pooled connection (tests, extension unload)."""
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        session.close()


def _network_error(provider: str, url: str, error: Exception) -> NetworkError:
    host = urlsplit(url).hostname or url
    retryable = True  # a refused or reset connection may well work a moment later
    kind = type(error).__name__
    text = str(error)
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


def timeout_error(provider: str, seconds: float) -> RequestTimeoutError:
    return RequestTimeoutError(
        Text(f"No complete answer within {round(seconds, 1):g} seconds.",
             f"{round(seconds, 1):g} 秒内没有得到完整回答。"),
        hint=Text("Run the cell again, or allow more time with --timeout SECONDS.",
                  "请重新运行，或用 --timeout 秒数 放宽时间限制。"),
        provider=provider,
    )


class BearerAuth:
    """``Authorization: Bearer <key>``, set by requests as it prepares the request: the one place a
    key is revealed. A requests auth is any callable (``requests.auth.AuthBase`` is one), so this
    module still imports requests only on first use. The header value is a
    :class:`~llm_magic.secrets.Revealed`: masked in any repr of the headers dict."""

    __slots__ = ("key",)

    def __init__(self, key: Secret) -> None:
        self.key = key

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = Revealed("Bearer " + self.key.reveal())
        return request

    def __repr__(self) -> str:
        return f"BearerAuth({self.key!r})"


def post(
    session: requests.Session,
    url: str,
    payload: dict[str, Any],
    *,
    provider: str,
    key: Secret | None,
    stream: bool,
    connect_timeout: float,
    read_timeout: float,
) -> requests.Response:
    """Send the request; connection failures become NetworkError or RequestTimeoutError."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": USER_AGENT,
    }
    if stream:
        headers["Accept-Encoding"] = "identity"  # compressed SSE would be held back until a block fills
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return _send(session, "POST", url, provider, headers, body, key, connect_timeout, read_timeout)


def get(session: requests.Session, url: str, *, provider: str, key: Secret | None,
        connect_timeout: float, read_timeout: float) -> requests.Response:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    return _send(session, "GET", url, provider, headers, None, key, connect_timeout, read_timeout)


def _send(session: requests.Session, method: str, url: str, provider: str, headers: dict[str, str],
          body: bytes | None, key: Secret | None, connect_timeout: float, read_timeout: float) -> requests.Response:
    import requests

    try:
        return session.request(method, url, data=body, headers=headers, stream=True,
                               auth=BearerAuth(key) if key else None, proxies=proxies_for(url),  # type: ignore[arg-type]  # None entries: see urls.NO_PROXY
                               timeout=(connect_timeout, read_timeout), allow_redirects=False)
    except requests.exceptions.RequestException as error:
        failure = _explain_request_failure(error, provider, url, read_timeout)
    # Raised outside the except block: the requests exception (whose .request holds the
    # Authorization header) must not ride along as __context__ into a debugger or a log.
    raise failure


def _explain_request_failure(
    error: Exception, provider: str, url: str, read_timeout: float
) -> RequestTimeoutError | ConfigurationError | NetworkError:
    import requests

    if isinstance(error, requests.exceptions.ReadTimeout):
        return timeout_error(provider, read_timeout)
    if isinstance(error, requests.exceptions.InvalidSchema) and "SOCKS" in str(error):
        return ConfigurationError(
            Text("A SOCKS proxy is set (ALL_PROXY / HTTPS_PROXY = socks5://…), but requests cannot use it "
                 "without PySocks.",
                 "设置了 SOCKS 代理（ALL_PROXY / HTTPS_PROXY = socks5://…），但缺少 PySocks，requests 无法使用它。"),
            hint=Text("Run `pip install requests[socks]` and restart the kernel, or set an http:// proxy instead.",
                      "请运行 `pip install requests[socks]` 并重启内核，或改用 http:// 代理。"),
            provider=provider)
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                          requests.exceptions.MissingSchema)):
        return ConfigurationError(
            Text(f"The address {url!r} is not a valid URL.", f"地址 {url!r} 不是有效的 URL。"),
            hint=Text("Check the base URL.", "请检查 Base URL。"), provider=provider,
        )
    return _network_error(provider, url, error)


def read_chunks(response: requests.Response, *, provider: str, deadline: float,
                timeout: float, limit: int | None = None) -> Iterator[bytes]:
    """Bytes as they arrive (no waiting for a full buffer), until EOF, the deadline or ``limit``."""
    from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

    raw = response.raw
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise timeout_error(provider, timeout)
        try:
            data = raw.read1(_READ_SIZE)
        except ReadTimeoutError:
            raise timeout_error(provider, timeout) from None
        except (ProtocolError, HTTPError, OSError) as error:
            raise _network_error(provider, response.url, error) from None
        if not data:
            return
        total += len(data)
        yield data
        if limit is not None and total >= limit:
            return
