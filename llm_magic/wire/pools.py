"""A ``requests`` adapter whose connections report their socket to the current :class:`~.watch.Watch`.

``urllib3`` reads the status line and headers inside ``requests.Session.request``, before any
response object exists, so the socket has to be caught where the connection starts reading:
in ``getresponse``. The pools are swapped by ``PoolManager.pool_classes_by_scheme``, the
customisation point ``urllib3`` documents; a SOCKS proxy keeps its own pools (its calls are
then bounded by the socket timeouts only).
"""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.response import HTTPResponse

from .watch import Watch, current_watch


def _report(connection: HTTPConnection, previous: Watch | None) -> Watch | None:
    """Hand the socket to this request's watch, after taking it from the request before (a reused connection)."""
    watch = current_watch()
    if previous is not None and previous is not watch:
        previous.detach()  # its request is over: it must never shut down the socket serving this one
    if watch is not None:
        watch.attach(connection.sock)
    return watch


class WatchedHTTPConnection(HTTPConnection):
    _llm_watch: Watch | None = None

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        self._llm_watch = _report(self, self._llm_watch)
        return super().getresponse()


class WatchedHTTPSConnection(HTTPSConnection):
    _llm_watch: Watch | None = None

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        self._llm_watch = _report(self, self._llm_watch)
        return super().getresponse()


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


def _watch_pools(manager: PoolManager) -> PoolManager:
    if (manager.pool_classes_by_scheme.get("http") is HTTPConnectionPool
            and manager.pool_classes_by_scheme.get("https") is HTTPSConnectionPool):  # not a SOCKS proxy's
        manager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}
    return manager


class WatchedAdapter(HTTPAdapter):
    """``HTTPAdapter`` with watched connections, for direct requests and those through an HTTP proxy."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        return _watch_pools(manager) if isinstance(manager, PoolManager) else manager
