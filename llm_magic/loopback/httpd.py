"""The threaded HTTP/1.1 server under FakeProvider, built so that ``stop()`` is always prompt."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OnRequest = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked encoding, like real providers
    server_version = "loopback"
    disable_nagle_algorithm = True  # each event leaves the moment it is written
    timeout = 60  # an idle keep-alive connection does not hold a thread forever
    server: LoopbackHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.track(self.connection, add=False)
        with suppress(OSError):
            super().finish()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # the client or stop() cut the connection: nothing left to answer
            self.close_connection = True

    def _dispatch(self) -> None:
        self.server.on_request(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``FakeProvider.requests`` instead of a log."""


class LoopbackHTTPServer(ThreadingHTTPServer):
    """One thread per connection; every request goes to ``on_request(handler)``."""

    daemon_threads = True
    block_on_close = False  # closing must not wait for a handler stalled on purpose
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, port: int, on_request: OnRequest) -> None:
        self.on_request = on_request
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Cut every open connection, waking handlers blocked on it."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Hung-up clients are normal here; anything else is a bug worth a traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
