"""Close a request's socket from another thread: at the call's deadline, or when its caller cancels.

A thread blocked in ``recv`` wakes only when its socket is shut down: closing the file
descriptor elsewhere does not wake it, and a socket timeout restarts with every byte, so a
server that trickles its headers one byte a second holds ``requests`` for as long as it likes.
Each request in flight therefore gets a :class:`Watch`. The connection reports its socket to
the watch of the current context (``wire.pools``); one watchdog thread for the whole process
shuts the socket down at the deadline (a thread per call would cost more than the call), and a
:class:`CancelScope` (one per side-by-side cell) shuts down every socket of its calls at once.
Shutting down is safe from any thread and works for TLS sockets too, because it acts on the
descriptor, below the TLS layer.

A deadline that moves later as the answer streams (``wire.patience``: the silence allowed
between tokens) costs one float store: :meth:`Watch.arm_at` pushes a heap entry only when the
deadline moves earlier, and the watchdog, finding an entry due before its watch's deadline,
queues it again at that deadline instead of stopping the request.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
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


class _Watchdog:
    """One thread that stops each armed watch at its deadline; disarmed entries are skipped."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._purge_at = 256

    def arm(self, when: float, watch: Watch) -> None:
        with self._cond:
            if len(self._heap) > self._purge_at:  # drop the entries of calls that ended before their deadline
                self._heap = [entry for entry in self._heap if entry[2].armed]
                heapq.heapify(self._heap)
                self._purge_at = max(256, 2 * len(self._heap))  # amortised: many calls in flight stay cheap
            entry = (when, next(self._order), watch)
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="llm_magic-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0] is entry:
                self._cond.notify()  # only a deadline earlier than all the others changes the wait

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._due()
            for watch in due:
                watch.expire()

    def _due(self) -> list[Watch]:  # complex: the watchdog's one loop, each case a line
        """Wait until some armed watch is due, and take every one that is; one whose deadline moved
        later is queued again at it."""
        while True:
            while self._heap and not self._heap[0][2].armed:
                heapq.heappop(self._heap)
            if not self._heap:
                self._cond.wait()
                continue
            wait = self._heap[0][0] - time.monotonic()
            if wait > 0:
                self._cond.wait(wait)
                continue
            due = []
            now = time.monotonic()
            while self._heap and self._heap[0][0] <= now:
                watch = heapq.heappop(self._heap)[2]
                if not watch.armed:
                    continue
                if watch.deadline > now:  # moved later since it was queued: wait for the new one
                    heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
                else:
                    due.append(watch)
            if due:
                return due


_watchdog = _Watchdog()


class Watch:
    """One request in flight: its socket once known, its deadline, and why it was stopped."""

    def __init__(self, scope: CancelScope | None = None) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        #: the watchdog stops the request at its deadline while this is True
        self.armed = False
        #: when (``time.monotonic()``) the request is stopped; only the reading thread moves it
        self.deadline = math.inf
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
        self.arm_at(time.monotonic() + max(0.0, seconds))

    def arm_at(self, when: float) -> None:
        """Stop the request at ``when`` (``time.monotonic()``) instead: a later time is one store, an
        earlier one a heap push. The watchdog always holds an entry due at or before the deadline."""
        if self.armed and when >= self.deadline:
            self.deadline = when
            return
        self.deadline = when
        self.armed = True
        _watchdog.arm(when, self)

    def disarm(self) -> None:
        self.armed = False

    def expire(self) -> None:
        """The deadline passed (the watchdog calls this): stop, unless disarmed or moved later meanwhile."""
        if self.armed and self.deadline > time.monotonic():
            _watchdog.arm(self.deadline, self)  # a token arrived as the deadline passed
            return
        if self.armed:
            self.armed = False
            self.stop(DEADLINE)

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

    def current(self) -> _Current:
        """Make this the watch the connection reports its socket to, in this context (``with``)."""
        return _Current(self)


class _Current:
    """``with watch.current():`` without contextlib's generator, which costs more than the rest of the watch."""

    __slots__ = ("_token", "_watch")

    def __init__(self, watch: Watch) -> None:
        self._watch = watch

    def __enter__(self) -> Watch:
        self._token = _watch.set(self._watch)
        return self._watch

    def __exit__(self, *exc: object) -> None:
        _watch.reset(self._token)


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
