"""The watch: a deadline or a cancel wakes a thread blocked in recv, and a disarmed watch never fires."""

from __future__ import annotations

import socket
import threading
import time

from llm_magic.wire.watch import CANCELLED, DEADLINE, CancelScope, Watch, pause


def _blocked_reader(sock: socket.socket) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        try:
            got.append(sock.recv(10))
        except OSError as error:
            got.append(repr(error).encode())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def test_the_deadline_wakes_a_blocked_recv():
    here, there = socket.socketpair()
    with here, there:
        here.settimeout(30)  # each byte would restart this: only the watch ends the wait
        watch = Watch()
        watch.attach(here)
        thread, got = _blocked_reader(here)
        watch.arm(0.2)
        thread.join(10)
        assert not thread.is_alive() and got == [b""] and watch.reason == DEADLINE


def test_a_disarmed_watch_never_fires():
    here, there = socket.socketpair()
    with here, there:
        watch = Watch()
        watch.attach(here)
        watch.arm(0.1)
        watch.disarm()
        time.sleep(0.3)
        there.sendall(b"x")
        assert here.recv(1) == b"x" and watch.reason is None


def test_a_watch_stopped_before_its_socket_is_known_stops_it_on_attach():
    here, there = socket.socketpair()
    with here, there:
        watch = Watch()
        watch.stop(CANCELLED)
        watch.attach(here)
        assert here.recv(1) == b""


def test_cancelling_a_scope_stops_its_watches_and_its_pauses():
    scope = CancelScope()
    here, there = socket.socketpair()
    with here, there:
        watch = Watch(scope)
        assert scope.add(watch)
        watch.attach(here)
        thread, got = _blocked_reader(here)
        paused: list[bool] = []

        def pause_in_scope() -> None:
            with scope.entered():
                paused.append(pause(30))

        pauser = threading.Thread(target=pause_in_scope)
        pauser.start()
        time.sleep(0.1)
        scope.cancel()
        thread.join(10)
        pauser.join(10)
        assert got == [b""] and watch.reason == CANCELLED and paused == [False]
        assert not scope.add(Watch(scope))  # nothing new starts in a cancelled scope


def test_a_released_watch_leaves_its_scope():
    scope = CancelScope()
    here, there = socket.socketpair()
    with here, there:
        watch = Watch(scope)
        scope.add(watch)
        watch.attach(here)
        watch.release()
        scope.cancel()
        there.sendall(b"y")
        assert here.recv(1) == b"y"  # a socket that went back to the pool is never shut down


def test_a_deadline_moved_later_is_kept_and_one_moved_earlier_is_met():
    """Moving the deadline later is a store (the watchdog queues the watch again); earlier is a push."""
    here, there = socket.socketpair()
    with here, there:
        watch = Watch()
        watch.attach(here)
        thread, got = _blocked_reader(here)
        watch.arm(0.2)
        watch.arm_at(time.monotonic() + 30)  # later: the entry due at 0.2 s must not stop it
        time.sleep(0.5)
        assert thread.is_alive() and watch.reason is None
        watch.arm_at(time.monotonic() + 0.1)  # earlier than the queued 30 s
        thread.join(10)
        assert not thread.is_alive() and got == [b""] and watch.reason == DEADLINE
