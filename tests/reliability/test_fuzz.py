"""Property tests end to end: random streams over real HTTP, arbitrary error bodies, any prompt text."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import llm_magic
from llm_magic import errors as e
from llm_magic.engine.errormap import Context, error_for_status, error_in_stream, parse_error_body
from llm_magic.providers import get_provider

KEY = "sk-test-fuzz-0000000000000001"


# -- a raw-socket server that sends exactly the bytes it is given, split where it is told --------
class RawServer:
    """Serves one scripted HTTP response per connection on 127.0.0.1, piece by piece, then closes."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.pieces: list[bytes] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fuzz-raw-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(5)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with contextlib.suppress(OSError):
                    self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        for piece in self.pieces:
            conn.sendall(piece)
            time.sleep(0.001)  # let each piece reach the client as its own read

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


@pytest.fixture(scope="module")
def raw_server():
    server = RawServer()
    yield server
    server.stop()


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def streams(draw) -> tuple[list[str], list[str], bytes]:
    """(text pieces, reasoning pieces, the SSE bytes carrying them) in one of the real dialects."""
    texts = draw(st.lists(_TEXT, min_size=1, max_size=6))
    reasoning = draw(st.lists(_TEXT, max_size=3))
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    space = draw(st.sampled_from([b" ", b""]))
    keepalive = draw(st.booleans())
    done = draw(st.booleans())
    events: list[Any] = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": None, "reasoning_content": r}}]} for r in reasoning]
    events += [{"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]} for t in texts]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append({"choices": [],
                   "usage": {"prompt_tokens": 3, "completion_tokens": len(texts), "total_tokens": 3 + len(texts)}})
    out = b""
    for event in events:
        if keepalive:
            out += b": keep-alive" + newline + newline
        out += b"data:" + space + json.dumps(event, ensure_ascii=draw(st.booleans())).encode() + newline + newline
    if done:
        out += b"data:" + space + b"[DONE]" + newline + newline
    return texts, reasoning, out


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(stream=streams(), cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
def test_any_valid_stream_split_anywhere_arrives_whole(raw_server, stream, cuts):
    texts, reasoning, data = stream
    raw_server.pieces = _split(data, cuts)
    answer = llm_magic.ask("deepseek", "hi", stream=True, key=KEY, timeout=5, max_retries=0,
                           base_url=f"http://127.0.0.1:{raw_server.port}/v1")
    assert answer == "".join(texts)
    assert (answer.reasoning or "") == "".join(reasoning)
    assert answer.finish_reason == "stop" and answer.usage["completion_tokens"] == len(texts)


# -- error bodies: whatever arrives, one explained LLMError ---------------------------------------
_CONTEXT = Context(get_provider("deepseek"), "deepseek-flash", "https://api.deepseek.com", KEY)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["error", "message", "code", "type", "msg", "detail", "estimated_time", "status"])
        | st.text(max_size=8), children, max_size=4),
    max_leaves=20)


def _check(error: Any) -> None:
    assert isinstance(error, e.LLMError)
    assert error.message and error.hint
    for language in ("en", "zh", "both"):
        message, hint = error.texts(language)
        assert message and hint
    str(error), repr(error), error.headline(), error._render_traceback_()


@settings(max_examples=300, deadline=None)
@given(status=st.integers(min_value=100, max_value=599), body=st.binary(max_size=400),
       retry_after=st.none() | st.text(max_size=12))
@example(status=500, body=b"[" * 65536, retry_after=None)
@example(status=400, body=b'{"error":' * 20000, retry_after="inf")
@example(status=429, body=b"\xff\xfe<html><title>x</title>", retry_after="nan")
def test_any_bytes_give_an_explained_error(status, body, retry_after):
    parse_error_body(body)
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    _check(error_for_status(status, body, _CONTEXT, headers))


@settings(max_examples=300, deadline=None)
@given(status=st.integers(min_value=400, max_value=599), data=_JSON)
def test_any_json_gives_an_explained_error(status, data):
    body = json.dumps(data)
    assert isinstance(parse_error_body(body).message, str)
    _check(error_for_status(status, body, _CONTEXT))
    if isinstance(data, dict):
        _check(error_in_stream({**data, "error": data.get("error")}, _CONTEXT))


# -- prompt interpolation: no prompt text can raise ------------------------------------------------
class _Hostile:
    """A notebook object whose every attribute and str() raise."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("boom")

    def __str__(self) -> str:
        raise RuntimeError("no str")


_NAMES = ["x", "df", "name", "obj", "bad", "_", "a1"]
_PROMPT = st.lists(st.sampled_from([
    "{", "}", "{{", "}}", "{x}", "{x.y}", "{bad}", "{bad.attr}", "{obj.__class__}", "{0}", "{x!r}",
    "{x:>10}", "{'a': 1}", "\\frac{a}{b}", "x^{n}", "{undefined}", "f'{x}'", "${x}", "{ x }",
]) | st.text(max_size=10), max_size=20).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_PROMPT | st.text(), values=st.lists(st.none() | st.integers() | st.text(max_size=5), min_size=2,
                                                  max_size=2))
def test_no_prompt_text_can_raise_in_interpolation(text, values):
    interpolate = pytest.importorskip("llm_magic.magics.interpolate").interpolate
    namespace = {"x": values[0], "name": values[1], "obj": object(), "bad": _Hostile(), "df": {"a": 1}}
    result = interpolate(text, namespace)
    assert isinstance(result, str)
    if "{" not in text:
        assert result == text
