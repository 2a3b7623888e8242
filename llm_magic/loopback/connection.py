"""HTTP framing on a live socket: each write leaves at once, waits end when the server stops.

Clients must be proven against streams that really arrive piece by piece, so nothing here
buffers: the handler's ``wfile`` is unbuffered, Nagle is off, and one event is one write.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler


class Connection:
    """One response being written: status and headers, framed body writes, and stoppable waits."""

    def __init__(self, handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
        self._handler = handler
        self._socket: socket.socket = handler.connection
        self._stopping = stopping
        self._chunked = False
        self.alive = True

    def send_head(
        self,
        status: int,
        content_type: str | None,
        *,
        headers: Mapping[str, str] | None = None,
        length: int | None = None,
        chunked: bool = True,
    ) -> bool:
        """Status line and headers. Without ``length`` the body is chunked, or (``chunked=False``)
        delimited by closing the connection, as some proxies and servers do."""
        handler = self._handler
        handler.send_response(status)
        if content_type is not None:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        elif chunked:
            handler.send_header("Transfer-Encoding", "chunked")
            self._chunked = True
        else:
            handler.send_header("Connection", "close")
        try:
            handler.end_headers()
        except OSError:
            self.alive = False
        return self.alive

    def write(self, data: bytes) -> bool:
        """Send ``data`` as one chunk (or raw); False once the client has gone."""
        if not data:
            return self.alive
        if self._chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        return self._send(data)

    def write_cut(self, data: bytes, cut: int) -> None:
        """Declare all of ``data`` but send only its first ``cut`` bytes, then drop the line."""
        head = b"%x\r\n" % len(data) if self._chunked else b""
        self._send(head + data[:cut])
        self.drop()

    def end(self) -> None:
        """Finish the body: the last chunk, or closing the connection when close-delimited."""
        if self._chunked:
            self._send(b"0\r\n\r\n")
        else:
            self.drop()

    def drop(self) -> None:
        """Close the connection now, whatever was promised."""
        self.alive = False
        self._handler.close_connection = True
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False early if the server is stopping or the client hung up."""
        deadline = time.monotonic() + seconds
        while self.alive:
            if self._stopping.is_set():
                self.drop()
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if self._client_gone(min(remaining, 0.05)):
                self.drop()
                return False
        return False

    def _client_gone(self, timeout: float) -> bool:
        try:
            readable, _, _ = select.select([self._socket], [], [], timeout)
            if not readable:
                return False
            if self._socket.recv(1, socket.MSG_PEEK) == b"":
                return True
        except (OSError, ValueError):
            return True
        self._stopping.wait(timeout)  # the client sent more bytes: not gone, but don't spin
        return False

    def _send(self, data: bytes) -> bool:
        if not self.alive:
            return False
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except OSError:
            self.alive = False
            self._handler.close_connection = True
        return self.alive
