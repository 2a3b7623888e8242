"""Close a request's socket from another thread: at the call's deadline, or when its caller cancels.

A thread blocked in ``recv`` wakes only when its socket is shut down: closing the file
descriptor elsewhere does not wake it, and a socket timeout restarts with every byte, so a
server that trickles its headers one byte a second holds ``requests`` for as long as it likes.
Each request in flight therefore gets a :class:`Watch`. The connection reports its socket to
the watch of the current context (``wire.pools``); a timer shuts the socket down at the
deadline, and a :class:`CancelScope` (one per side-by-side cell) shuts down every socket of
its calls at once. Shutting down is safe from any thread and works for TLS sockets too,
because it acts on the descriptor, below the TLS layer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["DEADLINE", "CANCELLED", "CancelScope", "Watch", "current_scope", "current_watch", "pause"]

DEADLINE = "deadline"
CANCELLED = "cancelled"

_scope: ContextVar[CancelScope | None] = ContextVar("llm_magic_cancel_scope", default=None)
_watch: ContextVar[Watch | None] = ContextVar("llm_magic_watch", default=None)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        # socket.socket's own method, not SSLSocket's: it acts on the descriptor and leaves the
        # TLS state alone, which the thread blocked in recv still owns
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watch:
    """One request in flight: its socket once known, a deadline timer, and why it was stopped."""

    def __init__(self, scope: CancelScope | None = None) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._scope = scope
        #: None while the request may run; DEADLINE or CANCELLED once its socket was shut down
        self.reason: str | None = None

    def attach(self, sock: object) -> None:
        """The connection's socket (a plain or TLS socket; anything else cannot be watched)."""
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sock = sock
            stopped = self.reason is not None
        if stopped:  # stopped before the socket was known: stop it now
            _shutdown(sock)

    def detach(self) -> None:
        """Forget the socket: the connection went back to the pool and may serve another request."""
        with self._lock:
            self._sock = None

    def arm(self, seconds: float) -> None:
        """Stop the request in ``seconds`` unless :meth:`disarm` comes first."""
        timer = threading.Timer(max(0.0, seconds), self.stop, args=(DEADLINE,))
        timer.name = "llm_magic-deadline"
        timer.daemon = True
        with self._lock:
            self._timer = timer
        timer.start()

    def disarm(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def stop(self, reason: str) -> None:
        """Shut the socket down (now, or as soon as it is known); the first reason wins."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            sock = self._sock
        if sock is not None:
            _shutdown(sock)

    def release(self) -> None:
        """The response is done: no timer, no socket, no longer part of its scope."""
        self.disarm()
        self.detach()
        if self._scope is not None:
            self._scope.discard(self)

    @contextlib.contextmanager
    def current(self) -> Iterator[Watch]:
        """Make this the watch the connection reports its socket to, in this context."""
        token = _watch.set(self)
        try:
            yield self
        finally:
            _watch.reset(token)


class CancelScope:
    """Calls that end together: :meth:`cancel` stops each one's request in flight and its retry pause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._watches: set[Watch] = set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def add(self, watch: Watch) -> bool:
        """Track ``watch``; False (and not tracked) once the scope is cancelled."""
        with self._lock:
            if self._cancelled.is_set():
                return False
            self._watches.add(watch)
            return True

    def discard(self, watch: Watch) -> None:
        with self._lock:
            self._watches.discard(watch)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            watches = list(self._watches)
            self._watches.clear()
        for watch in watches:
            watch.stop(CANCELLED)

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; True when cancelled meanwhile."""
        return self._cancelled.wait(seconds)

    @contextlib.contextmanager
    def entered(self) -> Iterator[CancelScope]:
        """Run the calls of this context (this thread) inside the scope."""
        token = _scope.set(self)
        try:
            yield self
        finally:
            _scope.reset(token)


def current_scope() -> CancelScope | None:
    return _scope.get()


def current_watch() -> Watch | None:
    return _watch.get()


def pause(seconds: float) -> bool:
    """Sleep before a retry; False when the current scope was cancelled meanwhile (do not retry)."""
    scope = _scope.get()
    if scope is None:
        time.sleep(seconds)
        return True
    return not scope.wait(seconds)
