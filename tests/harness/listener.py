"""A raw-socket listener on 127.0.0.1 that records every byte sent to it: a proxy, or "another
computer", for tests that must show what a key's journey would reach."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class RecordingListener:
    """Accept connections, record what arrives (for up to ``read_seconds`` each), answer ``reply``, close."""

    def __init__(self, reply: bytes = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                 read_seconds: float = 0.5) -> None:
        self.reply = reply
        self.read_seconds = read_seconds
        self.received: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def everything(self) -> bytes:
        return b"".join(self.received)

    def __enter__(self) -> RecordingListener:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                self._record(connection)

    def _record(self, connection: socket.socket) -> None:
        connection.settimeout(self.read_seconds)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                data += chunk
            connection.sendall(self.reply)
        except OSError:
            pass
        self.received.append(data)
