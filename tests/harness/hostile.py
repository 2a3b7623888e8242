"""Hostile servers: a raw socket on 127.0.0.1 that does exactly what a script says, byte by byte.

The loopback fake provider plays well-formed HTTP; these play what a broken proxy or a hostile
server sends: headers one byte at a time, a megabyte of header, gzip bombs, endless bodies,
completions of the wrong shape. ``HostileServer(script)`` accepts connections on a free port and
runs ``script(peer, **options)`` for each request in its own thread; ``SCRIPTS`` names the
scripts the fault matrix uses.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["FILLER", "SCRIPTS", "HostileServer", "Peer", "completion_body", "sse_events"]

MODEL = "deepseek-flash"


class Peer:
    """One accepted connection and the request read from it."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self.method = self.path = ""
        self.headers: dict[str, str] = {}
        self.body = b""

    def read_request(self) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.path = lines[0].split(" ")[:2]
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(self.headers.get("content-length", "0"))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            body += chunk
        self.body = body
        return True

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def stream(self) -> bool:
        body = self.json
        return isinstance(body, dict) and body.get("stream") is True

    def send(self, data: bytes) -> bool:
        """False once the client has gone."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def head(self, status: str = "200 OK", headers: dict[str, str] | None = None) -> bool:
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in (headers or {}).items()), "", ""]
        return self.send("\r\n".join(lines).encode("latin-1"))

    def trickle(self, data: bytes, every: float) -> bool:
        """One byte every ``every`` seconds; False once the client has gone."""
        for i in range(len(data)):
            if not self.send(data[i:i + 1]):
                return False
            time.sleep(every)
        return True

    def wait_closed(self, seconds: float) -> bool:
        """Wait for the client to close its side; True if it did within ``seconds``."""
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return False
        except OSError:
            pass
        self.server.closed_by_client.set()
        return True


class HostileServer:
    """Runs ``script(peer, **options)`` for each request, then closes the connection."""

    def __init__(self, script: Callable[..., None], **options: Any) -> None:
        self._script = functools.partial(script, **options)
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.requests = 0
        self.peers: list[Peer] = []
        #: set when a script saw the client close its connection (``Peer.wait_closed``)
        self.closed_by_client = threading.Event()
        #: set when a script has sent its first answer bytes
        self.answering = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, name="hostile-server", daemon=True)
        self._accepter.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), name="hostile-peer", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(30)
            peer = Peer(conn, self)
            if not peer.read_request():
                return
            with self._lock:
                self.requests += 1
                self.peers.append(peer)
            self._script(peer)

    def stop(self) -> None:
        self._stop.set()
        self._accepter.join(timeout=2)
        self._sock.close()
        for peer in list(self.peers):
            with contextlib.suppress(OSError):
                peer.sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- completions in DeepSeek's (OpenAI's) wire format ----------------------------------------------
def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-hostile", "object": "chat.completion.chunk", "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


_USAGE = {"prompt_tokens": 5, "completion_tokens": 12, "total_tokens": 17}


def sse_events(text: str, *, parts: bool = False, usage: Any = _USAGE) -> list[bytes]:
    """The stream of ``text``, one word per event; ``parts``: content as a list of text parts."""
    chunks = [_chunk({"role": "assistant", "content": ""})]
    for word in _words(text):
        chunks.append(_chunk({"content": [{"type": "text", "text": word}] if parts else word}))
    chunks.append(_chunk({}, "stop"))
    chunks.append({"id": "chatcmpl-hostile", "object": "chat.completion.chunk", "model": MODEL, "choices": [],
                   "usage": usage})
    return [b"data: " + json.dumps(c, ensure_ascii=False).encode() + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]


def completion_body(text: str, *, parts: bool = False, usage: Any = _USAGE) -> bytes:
    content: Any = [{"type": "text", "text": w} for w in _words(text)] if parts else text
    return json.dumps({"id": "chatcmpl-hostile", "object": "chat.completion", "model": MODEL,
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop"}], "usage": usage}, ensure_ascii=False).encode()


def _answer(peer: Peer, text: str, **shape: Any) -> bytes:
    return b"".join(sse_events(text, **shape)) if peer.stream else completion_body(text, **shape)


def _content_type(peer: Peer) -> str:
    return "text/event-stream" if peer.stream else "application/json"


def _whole(peer: Peer, body: bytes, status: str = "200 OK", **headers: str) -> None:
    peer.head(status, {"Content-Type": _content_type(peer), "Content-Length": str(len(body)),
                       "Connection": "close", **headers})
    peer.send(body)


# -- the scripts -----------------------------------------------------------------------------------
def gzip_answer(peer: Peer, text: str) -> None:
    """The answer, gzip-compressed, as a server does when the client offers gzip."""
    _whole(peer, gzip.compress(_answer(peer, text)), **{"Content-Encoding": "gzip"})


@functools.cache
def _zeros_member(megabytes: int) -> bytes:
    return gzip.compress(b"\0" * (megabytes << 20), 9)


def gzip_bomb(peer: Peer, text: str, megabytes: int = 1024) -> None:
    """A few hundred kilobytes that inflate to ``megabytes`` of zeros, after the first words of the answer."""
    member = _zeros_member(16)
    start = gzip.compress(b"".join(sse_events(text)[:4])) if peer.stream else b""
    peer.head("200 OK", {"Content-Type": _content_type(peer), "Content-Encoding": "gzip", "Connection": "close"})
    if peer.send(start):
        for _ in range(megabytes // 16):
            if not peer.send(member):
                return


def endless_body(peer: Peer, text: str) -> None:
    """The first words, then blanks that never end (a runaway server); close-delimited."""
    if peer.stream:
        start = b"".join(sse_events(text)[:4]) + b"data: "
    else:
        start = completion_body(text)[:-1].split(b', "usage"')[0]  # the text, then the object never closes
    peer.head("200 OK", {"Content-Type": _content_type(peer), "Connection": "close"})
    blanks = b" " * 65536
    if peer.send(start):
        while peer.send(blanks):
            pass


def trickle_headers(peer: Peer, text: str, every: float = 0.05) -> None:
    """Headers at one byte per ``every`` seconds: each byte arrives well inside the read timeout."""
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "".join(f"X-Slow-{i}: {'.' * 40}\r\n" for i in range(20)) + "\r\n").encode()
    if peer.trickle(head, every):
        peer.send(completion_body(text))


def huge_header(peer: Peer, text: str, size: int = 1 << 20) -> None:
    """A header of ``size`` bytes: no API sends one; a broken proxy might."""
    if peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Huge: "):
        peer.send(b"a" * size + b"\r\n\r\n" + completion_body(text))


def close_delimited_cut(peer: Peer, text: str) -> None:
    """No Content-Length, no chunks: the body ends with the connection, which is cut inside an event."""
    peer.head("200 OK", {"Content-Type": _content_type(peer), "Connection": "close"})
    if peer.stream:
        events = sse_events(text)
        peer.send(b"".join(events[:4]) + events[4][: len(events[4]) // 2])
    else:
        body = completion_body(text)
        peer.send(body[: len(body) // 2])


def cut_after_finish(peer: Peer, text: str) -> None:
    """The whole answer and its finish reason, then a cut inside the usage chunk (close-delimited)."""
    peer.head("200 OK", {"Content-Type": _content_type(peer), "Connection": "close"})
    if peer.stream:
        events = sse_events(text)
        peer.send(b"".join(events[:-2]) + events[-2][:20])
    else:
        peer.send(completion_body(text))


def content_parts(peer: Peer, text: str) -> None:
    """``content`` as a list of ``{"type": "text", "text": ...}`` parts, as several servers send it."""
    _whole(peer, _answer(peer, text, parts=True))


def malformed_usage(peer: Peer, text: str) -> None:
    """A good answer whose usage is valid JSON of the wrong shape."""
    _whole(peer, _answer(peer, text, usage={"prompt_tokens": "many", "completion_tokens": [12], "total_tokens": {}}))


def choices_object(peer: Peer, text: str) -> None:
    """``choices`` as an object instead of a list, after the first words (streaming)."""
    if peer.stream:
        events = sse_events(text)[:4]
        events.append(b"data: " + json.dumps({"choices": {"0": {"delta": {"content": "x"}}}}).encode() + b"\n\n")
        _whole(peer, b"".join(events))
    else:
        body = json.loads(completion_body(text))
        body["choices"] = body["choices"][0]
        _whole(peer, json.dumps(body).encode())


def gzip_error(peer: Peer, text: str, status: str = "500 Internal Server Error") -> None:
    """An error reply whose JSON body is gzip-compressed."""
    body = gzip.compress(json.dumps({"error": {"message": "upstream model crashed", "type": "server_error"}}).encode())
    peer.head(status, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                       "Content-Length": str(len(body)), "Connection": "close"})
    peer.send(body)


def binary_error(peer: Peer, text: str, status: str = "502 Bad Gateway") -> None:
    """An error reply of binary garbage (control characters, invalid UTF-8) labelled as text."""
    body = bytes(range(256)) * 8
    peer.head(status, {"Content-Type": "text/plain", "Content-Length": str(len(body)), "Connection": "close"})
    peer.send(body)


def stall_after_first_words(peer: Peer, text: str, seconds: float = 30.0) -> None:
    """The first words of a stream, then silence until the client closes (or ``seconds`` pass)."""
    peer.head("200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
    if peer.send(b"".join(sse_events(text)[:3])):
        peer.server.answering.set()
        peer.wait_closed(seconds)


#: what a stream sends while it has nothing to say: comments (DeepSeek's, OpenRouter's), an empty event, an
#: empty delta. None of them is a token
FILLER = (b": keep-alive\n\n", b": OPENROUTER PROCESSING\n\n", b"data:\n\n",
          b"data: " + json.dumps(_chunk({"content": ""})).encode() + b"\n\n")


def keepalive_after_first_words(peer: Peer, text: str, words: int = 3, every: float = 0.05,
                                seconds: float = 30.0) -> None:
    """The first ``words`` words of a stream (none: ``words=0``), then only :data:`FILLER`, until the client
    leaves (or ``seconds`` pass); without streaming, DeepSeek's blank lines of a request in its queue."""
    if peer.stream:
        peer.head("200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
        beats, start = itertools.cycle(FILLER), b"".join(sse_events(text)[:1 + words])
    else:
        peer.head("200 OK", {"Content-Type": "application/json", "Connection": "close"})
        beats, start = itertools.repeat(b"\n"), b"\n"
    sent = peer.send(start)
    peer.server.answering.set()
    until = time.monotonic() + seconds
    while sent and time.monotonic() < until:
        time.sleep(every)
        sent = peer.send(next(beats))


def steady_answer(peer: Peer, text: str, every: float = 0.1) -> None:
    """A word every ``every`` seconds, as a slow model writes; without streaming, the whole answer once all
    of it is written (the provider generates it first)."""
    if not peer.stream:
        time.sleep(every * len(_words(text)))
        _whole(peer, completion_body(text))
        return
    peer.head("200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
    events = sse_events(text)
    sent = peer.send(events[0])
    for event in events[1:]:
        if not sent:
            return
        time.sleep(every)
        sent = peer.send(event)


SCRIPTS: dict[str, Callable[..., None]] = {
    script.__name__: script for script in (
        gzip_answer, gzip_bomb, endless_body, trickle_headers, huge_header, close_delimited_cut, cut_after_finish,
        content_parts, malformed_usage, choices_object, gzip_error, binary_error, stall_after_first_words,
        keepalive_after_first_words, steady_answer,
    )
}

