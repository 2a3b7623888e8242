"""HTTP for the engine: one keep-alive session per provider, timeouts, a deadline, bounded reading.

A call's deadline (``patience``: until the answer begins, then between tokens, and an optional
cap on the whole) holds from the first byte sent to the last byte read: the watchdog
(``watch``) shuts the socket down when it passes, even while ``urllib3`` is still reading the
headers, and the body is read in pieces with the deadline checked between them too. What is
read is decoded (gzip, deflate) and capped at ``settings.max_answer_bytes``.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..config import settings
from ..errors import ConfigurationError, LLMError
from ..i18n import Text
from ..secrets import Revealed, Secret
from .decode import BodyDecoder, UnsupportedEncoding, decoder_for
from .failures import (
    cancelled_error,
    damaged_encoding,
    network_error,
    too_large_error,
    unsupported_encoding,
)
from .patience import Patience
from .urls import check_base_url as check_base_url  # its old home: imported from here too
from .urls import proxies_for
from .watch import CANCELLED, DEADLINE, Watch, current_scope

if TYPE_CHECKING:
    import requests

_sessions: dict[str, requests.Session] = {}
_lock = threading.Lock()
_READ_SIZE = 65536
#: an error body longer than this is cut: only its first words are ever shown
ERROR_BODY_LIMIT = 65536
USER_AGENT = f"llm_magic/{__version__}"
#: the encodings whole answers may come in: exactly those ``wire.decode`` undoes
ACCEPTED_ENCODINGS = "gzip, deflate"
#: the watch of each response still being read, so the reader can tell our own shutdown from the server's
_watches: weakref.WeakKeyDictionary[requests.Response, Watch] = weakref.WeakKeyDictionary()


def session_for(provider_name: str) -> requests.Session:
    """The provider's reused session, so that successive calls keep the connection alive."""
    with _lock:
        session = _sessions.get(provider_name)
        if session is None:
            import requests  # first use only: keeps %load_ext fast

            from .pools import WatchedAdapter

            session = requests.Session()
            session.trust_env = True
            session.mount("http://", WatchedAdapter())
            session.mount("https://", WatchedAdapter())
            _sessions[provider_name] = session
        return session


def close_sessions() -> None:
    """Close every pooled connection (tests, extension unload)."""
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        session.close()


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
    deadline: float | None = None,
    timeout: float | None = None,
    patience: Patience | None = None,
) -> requests.Response:
    """Send the request; connection failures become NetworkError or RequestTimeoutError.

    ``patience`` bounds the wait for the headers too (its deadline moves as tokens arrive); without
    it, ``deadline`` (``time.monotonic()``) is one deadline for the call and ``timeout`` the
    seconds its message names.
    """
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": USER_AGENT,
        # what read_chunks decodes, and nothing else; compressed SSE would be held back until a block fills
        "Accept-Encoding": "identity" if stream else ACCEPTED_ENCODINGS,
    }
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    limits = _Limits(connect_timeout, read_timeout,
                     _patience(patience, deadline, timeout, connect_timeout + read_timeout, read_timeout))
    return _send(session, "POST", url, provider, headers, body, key, limits)


def get(session: requests.Session, url: str, *, provider: str, key: Secret | None,
        connect_timeout: float, read_timeout: float, deadline: float | None = None,
        timeout: float | None = None) -> requests.Response:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, "Accept-Encoding": ACCEPTED_ENCODINGS}
    return _send(session, "GET", url, provider, headers, None, key,
                 _Limits(connect_timeout, read_timeout,
                         _patience(None, deadline, timeout, connect_timeout + read_timeout, read_timeout)))


def _patience(given: Patience | None, deadline: float | None, timeout: float | None, wait: float,
              read_timeout: float) -> Patience:
    """The call's bounds: those given, else one ``deadline`` (without one, ``wait`` seconds from now),
    whose message names ``timeout`` seconds (else the read timeout)."""
    if given is not None:
        return given
    shown = timeout if timeout is not None else read_timeout
    return Patience.whole(time.monotonic() + wait if deadline is None else deadline, shown)


@dataclass(frozen=True)
class _Limits:
    connect_timeout: float
    read_timeout: float
    patience: Patience


def _send(session: requests.Session, method: str, url: str, provider: str, headers: dict[str, str],
          body: bytes | None, key: Secret | None, limits: _Limits) -> requests.Response:
    import requests

    scope = current_scope()
    watch = Watch(scope)
    if scope is not None and not scope.add(watch):
        raise cancelled_error(provider)  # the cell already ended: nothing is sent
    limits.patience.watch(watch)  # however slowly headers and body trickle in, they end by the deadline
    failure: LLMError | None = None
    try:
        with watch.current():
            response = session.request(method, url, data=body, headers=headers, stream=True,
                                       auth=BearerAuth(key) if key else None,
                                       proxies=proxies_for(url),  # type: ignore[arg-type]  # None entries: see urls.NO_PROXY
                                       timeout=(limits.connect_timeout, limits.read_timeout),
                                       allow_redirects=False)
    except requests.exceptions.RequestException as error:
        failure = _stopped(watch, provider, limits.patience) or _explain_request_failure(error, provider, url, limits)
    except BaseException:
        watch.release()
        raise
    if failure is None:
        failure = _stopped(watch, provider, limits.patience)
        if failure is None:
            _watches[response] = watch  # still armed: read_chunks releases it when the body ends
            return response
        response.close()
    watch.release()
    # Raised outside the except block: the requests exception (whose .request holds the
    # Authorization header) must not ride along as __context__ into a debugger or a log.
    raise failure


def _stopped(watch: Watch, provider: str, patience: Patience) -> LLMError | None:
    """The error of a request whose socket the watch shut down, if it did."""
    if watch.reason == DEADLINE:
        return patience.error(provider)
    if watch.reason == CANCELLED:
        return cancelled_error(provider)
    return None


def _explain_request_failure(error: Exception, provider: str, url: str, limits: _Limits) -> LLMError:
    import requests

    if isinstance(error, requests.exceptions.ReadTimeout):
        return limits.patience.error(provider)
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
    return network_error(provider, url, error)


def read_chunks(response: requests.Response, *, provider: str, deadline: float | None = None,
                timeout: float | None = None, patience: Patience | None = None,
                limit: int | None = None, cap: int | None = None) -> Iterator[bytes]:
    """Decoded bytes as they arrive (no waiting for a full buffer), until EOF, the deadline or ``limit``.

    ``patience`` (else one ``deadline``, named ``timeout`` seconds) says when reading stops.

    ``limit`` ends the body quietly (an error body: only its first words are shown); past
    ``cap`` bytes (default ``settings.max_answer_bytes``) AnswerTooLargeError is raised, having
    decoded at most one byte more than ``cap``.
    """
    cap = settings.max_answer_bytes if cap is None else cap
    watch = _watches.pop(response, None)
    try:
        decoder = decoder_for(response.headers.get("Content-Encoding"))
    except UnsupportedEncoding as error:
        raise unsupported_encoding(provider, str(error)) from None
    patience = _patience(patience, deadline, timeout, settings.read_timeout, settings.read_timeout)
    total = 0
    try:
        for data in _raw_pieces(response, provider, patience, watch):
            bound = min(cap + 1, limit) if limit is not None else cap + 1
            for piece in _decoded(decoder, data, bound - total, provider):
                total += len(piece)
                if total > cap:
                    raise too_large_error(provider, cap)
                yield piece
                if time.monotonic() > patience.deadline:  # one read of gzip may inflate to many pieces
                    raise patience.error(provider)
                if limit is not None and total >= limit:
                    return
    finally:
        if watch is not None:
            watch.release()


def _raw_pieces(response: requests.Response, provider: str, patience: Patience,
                watch: Watch | None) -> Iterator[bytes]:
    """The body's bytes as they come off the socket, then ``b""`` once at the end (to flush a decoder)."""
    from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

    raw = response.raw
    while True:
        if not patience.on_time():  # also moves the deadline when the last piece carried a token
            raise patience.error(provider)
        try:
            data = raw.read1(_READ_SIZE)
        except ReadTimeoutError:
            raise patience.error(provider) from None
        except (ProtocolError, HTTPError, OSError) as error:
            stopped = _stopped(watch, provider, patience) if watch is not None else None
            raise stopped or network_error(provider, response.url, error) from None
        if not data:
            stopped = _stopped(watch, provider, patience) if watch is not None else None
            if stopped is not None:
                raise stopped  # the end came from our own shutdown, not from the server
            yield b""
            return
        yield data


def _decoded(decoder: BodyDecoder, data: bytes, room: int, provider: str) -> list[bytes]:
    try:
        return decoder.decode(data, room) if data else decoder.flush()
    except zlib.error:
        raise damaged_encoding(provider) from None
