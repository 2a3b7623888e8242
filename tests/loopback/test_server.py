"""The loopback fake provider: each flavour's wire shape, its errors, every fault, and the demo.

Clients here are ``requests`` and raw sockets only, so these tests do not depend on the engine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from llm_magic.loopback import ERROR_KINDS, FAULTS, FakeProvider, Reply, error_body
from llm_magic.loopback.demo import DEMO_ERROR_MODELS, demo_token, ensure_demo_server
from llm_magic.loopback.faults import FAULT_PLAYERS
from llm_magic.loopback.wire import split_tokens

ROOT = Path(__file__).resolve().parents[2]
PROMPT = [{"role": "user", "content": "Say hello"}]


# -- helpers -----------------------------------------------------------------------------------
@pytest.fixture
def start() -> Iterator[Any]:
    """``start("bailian", ...)`` → a running FakeProvider, stopped after the test."""
    started: list[FakeProvider] = []

    def _start(flavour: str = "deepseek", **kwargs: Any) -> FakeProvider:
        started.append(FakeProvider(flavour, **kwargs).start())
        return started[-1]

    yield _start
    for fake in started:
        fake.stop()


def auth(fake: FakeProvider) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.key}"} if fake.key else {}


def chat(
    fake: FakeProvider, stream: bool = True, timeout: float = 5, **body: Any
) -> requests.Response:
    payload = {"model": "m", "messages": PROMPT, "stream": stream, **body}
    return requests.post(fake.url("/chat/completions"), json=payload, headers=auth(fake),
                         timeout=timeout)


def events(raw: bytes) -> list[str]:
    """The ``data:`` payloads of an SSE body, decoded as UTF-8 (never trusting the charset)."""
    text = raw.decode("utf-8")
    return [line[5:].strip() for line in text.split("\n") if line.startswith("data:")]


def chunks(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(e) for e in events(raw) if e != "[DONE]"]


def content_of(parsed: list[dict[str, Any]], key: str = "content") -> str:
    return "".join(c["choices"][0]["delta"].get(key) or "" for c in parsed if c["choices"])


def raw_post(fake: FakeProvider, body: dict[str, Any], timeout: float = 5) -> tuple[bytes, bytes]:
    """(head, body exactly as sent, de-chunked when chunked) read until the server closes."""
    payload = json.dumps(body).encode()
    request = (b"POST %s/chat/completions HTTP/1.1\r\nHost: loopback\r\n"
               b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n"
               % (fake.flavour.base_path.encode(), len(payload)))
    for name, value in auth(fake).items():
        request += f"{name}: {value}\r\n".encode()
    with socket.create_connection(("127.0.0.1", fake.port), timeout=timeout) as sock:
        sock.sendall(request + b"\r\n" + payload)
        data = b""
        while part := sock.recv(65536):
            data += part
    head, _, body_bytes = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body_bytes = dechunk(body_bytes)
    return head, body_bytes


def dechunk(data: bytes) -> bytes:
    """Chunked body → payload, keeping whatever a truncated last chunk delivered."""
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out


# -- package basics ----------------------------------------------------------------------------
def test_import_starts_nothing_and_loads_no_http_server() -> None:
    code = ("import sys, threading, llm_magic.loopback as lb; "
            "print(sorted(m for m in sys.modules if m.startswith('llm_magic.loopback.')), "
            "[t.name for t in threading.enumerate() if t.name.startswith('FakeProvider')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[] []"


def test_split_tokens_gives_the_text_back() -> None:
    for text in ["Hello, world!  Two spaces", "用三句话解释\n\n机器学习 ok", " lead\n", ""]:
        for size in (1, 2, 5):
            assert "".join(split_tokens(text, size)) == text
    assert split_tokens("你好 world") == ["你", "好", " world"]


@pytest.mark.parametrize("flavour, base_path", [
    ("deepseek", ""), ("bailian", "/compatible-mode/v1"), ("chatanywhere", "/v1"),
    ("huggingface", "/v1"), ("openai", "/v1"), ("ollama", "/v1"), ("demo", "/v1")])
def test_base_url_is_what_the_client_appends_paths_to(start, flavour: str, base_path: str) -> None:
    fake = start(flavour)
    assert fake.base_url == f"http://127.0.0.1:{fake.port}{base_path}"
    assert requests.get(fake.url("/models"), headers=auth(fake), timeout=5).status_code == 200
    assert chat(fake, stream=False).status_code == 200


def test_deepseek_also_serves_under_v1(start) -> None:
    fake = start("deepseek")
    response = requests.post(fake.base_url + "/v1/chat/completions", headers=auth(fake),
                             json={"model": "m", "messages": PROMPT}, timeout=5)
    assert response.status_code == 200
    assert requests.get(fake.base_url + "/nowhere", timeout=5).status_code == 404


# -- stream shapes -----------------------------------------------------------------------------
def test_deepseek_usage_rides_on_the_finish_chunk(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.answer("Hello there friend"))
    response = chat(fake)
    assert response.headers["Content-Type"] == "text/event-stream"  # no charset: the trap
    parsed = chunks(response.content)
    assert events(response.content)[-1] == "[DONE]"
    assert parsed[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(c["choices"] for c in parsed), "DeepSeek sends no separate usage chunk"
    assert [c["usage"] for c in parsed[:-1]] == [None] * (len(parsed) - 1)
    last = parsed[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["usage"]["completion_tokens"] == 3 and last["usage"]["prompt_cache_miss_tokens"] > 0
    assert content_of(parsed) == "Hello there friend"


@pytest.mark.parametrize("flavour", ["bailian", "openai", "chatanywhere", "ollama"])
def test_separate_usage_chunk_only_when_asked(start, flavour: str) -> None:
    fake = start(flavour)
    with_usage = chunks(chat(fake, stream_options={"include_usage": True}).content)
    assert with_usage[-1]["choices"] == [] and with_usage[-1]["usage"]["total_tokens"] > 0
    assert with_usage[-2]["choices"][0]["finish_reason"] == "stop"
    without = chunks(chat(fake).content)
    assert all(c["choices"] for c in without)
    assert all(c.get("usage") is None for c in without)
    assert content_of(without) == f"Loopback {flavour} answer to: Say hello"


@pytest.mark.parametrize("flavour", ["bailian", "openai", "chatanywhere"])
def test_first_chunk_opens_with_an_empty_assistant_delta(start, flavour: str) -> None:
    first = chunks(chat(start(flavour)).content)[0]["choices"][0]["delta"]
    assert first["role"] == "assistant" and first["content"] == ""


def test_chatanywhere_azure_models_open_with_a_prompt_filter_chunk(start) -> None:
    parsed = chunks(chat(start("chatanywhere"), model="gpt-4o-mini-ca").content)
    assert parsed[0]["choices"] == [] and parsed[0]["prompt_filter_results"]


def test_huggingface_usage_on_last_content_chunk_and_optional_done(start) -> None:
    fake = start("huggingface")
    fake.queue(Reply.answer("Deep learning rocks"), Reply.answer("No done", done=False))
    parsed = chunks(chat(fake).content)
    assert parsed[-1]["choices"][0]["delta"]["content"] == " rocks"
    assert parsed[-1]["choices"][0]["finish_reason"] == "stop" and parsed[-1]["usage"]
    assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in parsed)
    assert events(chat(fake).content)[-1] != "[DONE]"


def test_chinese_stream_is_utf8_without_charset(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.answer("机器学习很有趣"))
    response = chat(fake)
    assert response.encoding == "ISO-8859-1"  # what requests guesses: mojibake via .text
    assert content_of(chunks(response.content)) == "机器学习很有趣"


# -- reasoning ---------------------------------------------------------------------------------
@pytest.mark.parametrize("flavour, switch", [
    ("deepseek", {"thinking": {"type": "enabled"}}), ("deepseek", {"model": "deepseek-reasoner"}),
    ("bailian", {"enable_thinking": True}), ("bailian", {"model": "qwen3-32b"})])
def test_reasoning_streams_first_paired_with_null_content(start, flavour: str, switch) -> None:
    parsed = chunks(chat(start(flavour), stream_options={"include_usage": True}, **switch).content)
    opener = parsed[0]["choices"][0]["delta"]
    assert opener == {"role": "assistant", "content": None, "reasoning_content": ""}
    deltas = [c["choices"][0]["delta"] for c in parsed[1:] if c["choices"]]
    thinking = [d for d in deltas if d.get("reasoning_content")]
    answering = [d for d in deltas if d.get("content")]
    assert thinking and all(d["content"] is None for d in thinking)
    assert answering and all(d["reasoning_content"] is None for d in answering)
    assert deltas.index(thinking[-1]) < deltas.index(answering[0])
    usage = [c["usage"] for c in parsed if c.get("usage")][-1]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(thinking)


def test_no_reasoning_without_the_switch(start) -> None:
    parsed = chunks(chat(start("bailian"), model="qwen3-max").content)
    assert "reasoning_content" not in json.dumps(parsed)


def test_bailian_open_source_qwen3_refuses_non_streaming_thinking(start) -> None:
    fake = start("bailian")
    refused = chat(fake, stream=False, model="qwen3-32b")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["message"] == ("parameter.enable_thinking must be set to false "
                                "for non-streaming calls")
    assert refused.json()["request_id"]
    assert chat(fake, stream=False, model="qwen3-32b", enable_thinking=False).status_code == 200


def test_deepseek_refuses_reasoning_sent_back(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.answer("kept for later"))
    history = [*PROMPT, {"role": "assistant", "content": "hi", "reasoning_content": "hmm"},
               {"role": "user", "content": "again"}]
    response = chat(fake, messages=history)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert fake.pending == 1, "a refused request does not consume the script"


def test_huggingface_reasoning_uses_its_own_key(start) -> None:
    fake = start("huggingface")
    fake.queue(Reply.answer("42", reasoning="Let me think"))
    parsed = chunks(chat(fake).content)
    assert content_of(parsed, "reasoning") == "Let me think" and content_of(parsed) == "42"


def test_non_stream_body_carries_reasoning_and_usage(start) -> None:
    fake = start("deepseek")
    body = chat(fake, stream=False, model="deepseek-reasoner").json()
    message = body["choices"][0]["message"]
    assert body["object"] == "chat.completion" and message["reasoning_content"]
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


# -- auth, models, errors ----------------------------------------------------------------------
@pytest.mark.parametrize("flavour, check", [
    ("deepseek", lambda r: r.json()["error"]["message"]
        == "Authentication Fails, Your api key: ****rong is invalid"),
    ("bailian", lambda r: r.json()["error"]["code"] == "invalid_api_key"
        and r.json()["request_id"]),
    ("chatanywhere", lambda r: r.headers["Content-Type"].startswith("text/html")
        and b"401 Authorization Required" in r.content),
    ("huggingface", lambda r: r.json() == {"error": "Invalid username or password."}),
    ("openai", lambda r: r.json()["error"]["code"] == "invalid_api_key"),
])
def test_wrong_key_gets_the_flavours_401(start, flavour: str, check) -> None:
    fake = start(flavour)
    response = requests.post(fake.url("/chat/completions"), json={"model": "m", "messages": PROMPT},
                             headers={"Authorization": "Bearer sk-wrong"}, timeout=5)
    assert response.status_code == 401 and check(response)
    assert requests.get(fake.url("/models"), timeout=5).status_code == 401  # no key at all
    assert chat(fake).status_code == 200


def test_key_none_accepts_any_or_no_key(start) -> None:
    fake = start("deepseek", key=None)
    assert requests.post(fake.url("/chat/completions"), json={"model": "m", "messages": PROMPT},
                         timeout=5).status_code == 200


@pytest.mark.parametrize("flavour, status, check", [
    ("deepseek", 400, lambda b: b["error"]["message"] == "Model Not Exist"),
    ("bailian", 404, lambda b: b["error"]["message"]
        == "The model `nope` does not exist or you do not have access to it."),
    ("huggingface", 400, lambda b: b["error"]["code"] == "model_not_supported"),
    ("openai", 404, lambda b: b["error"]["code"] == "model_not_found"),
    ("chatanywhere", 404, lambda b: b["error"]["code"] == "model_not_found"),
])
def test_unknown_model_gets_the_flavours_error(start, flavour, status, check) -> None:
    fake = start(flavour, models=["known"])
    response = chat(fake, model="nope")
    assert response.status_code == status and check(response.json())
    assert chat(fake, model="known").status_code == 200


def test_huggingface_routing_suffix_names_the_same_model(start) -> None:
    fake = start("huggingface", models=["openai/gpt-oss-20b"])
    assert chat(fake, model="openai/gpt-oss-20b:cheapest").status_code == 200


def test_model_lists(start) -> None:
    deepseek = start("deepseek", models=["deepseek-flash"])
    listed = requests.get(deepseek.url("/models"), headers=auth(deepseek), timeout=5).json()
    assert listed == {"object": "list", "data": [
        {"id": "deepseek-flash", "object": "model", "owned_by": "deepseek"}]}
    hf = start("huggingface")
    entry = requests.get(hf.url("/models"), headers=auth(hf), timeout=5).json()["data"][0]
    assert entry["providers"][0]["status"] == "live"
    one = requests.get(hf.url("/models/" + entry["id"]), headers=auth(hf), timeout=5)
    assert one.json()["id"] == entry["id"]


@pytest.mark.parametrize("flavour", ["deepseek", "bailian", "chatanywhere", "huggingface",
                                     "openai", "ollama", "demo"])
def test_every_error_kind_has_a_body_in_the_flavours_shape(flavour: str) -> None:
    for kind in ERROR_KINDS:
        status, content_type, body, _ = error_body(flavour, kind, model="m", key="sk-x1234")
        assert 400 <= status < 600 and body
        if content_type == "application/json":
            assert "error" in json.loads(body)


def test_error_envelopes_match_providers_md() -> None:
    def body(flavour: str, kind: str | int) -> Any:
        return json.loads(error_body(flavour, kind, model="m").body)

    assert error_body("bailian", "balance").status == 400
    assert body("bailian", "balance")["error"]["code"] == "Arrearage"
    assert body("bailian", "content_filter")["error"]["code"] == "data_inspection_failed"
    assert body("bailian", "rate_limit")["error"]["code"] == "limit_requests"
    assert body("deepseek", "balance")["error"]["message"] == "Insufficient Balance"
    assert error_body("deepseek", "balance").status == 402
    assert body("chatanywhere", "forbidden")["error"] == {
        **body("chatanywhere", "forbidden")["error"], "type": "chatanywhere_error",
        "code": "403 FORBIDDEN"}
    assert isinstance(body("huggingface", "bad_request")["error"], list)
    assert isinstance(body("huggingface", "balance")["error"], str)
    assert error_body("huggingface", "server").content_type.startswith("text/plain")
    assert error_body("deepseek", 502).status == 502
    with pytest.raises(ValueError, match="unknown error kind"):
        error_body("deepseek", "nonsense")


def test_scripted_errors_with_raw_status_body_and_headers(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.error("rate_limit", headers={"Retry-After": "3"}),
               Reply.error(502, "<html>bad gateway</html>"),
               Reply.error(418, {"error": "teapot"}))
    limited = chat(fake)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    gateway = chat(fake)
    assert gateway.status_code == 502 and gateway.headers["Content-Type"] == "text/html"
    assert chat(fake).json() == {"error": "teapot"}


# -- script and recording ----------------------------------------------------------------------
def test_replies_are_consumed_in_order_then_the_default(start) -> None:
    fake = start("openai")
    fake.queue(Reply.answer("one"), Reply.answer("two"))
    answers = [chat(fake, stream=False).json()["choices"][0]["message"]["content"]
               for _ in range(3)]
    assert answers == ["one", "two", "Loopback openai answer to: Say hello"]


def test_requests_are_recorded(start) -> None:
    fake = start("bailian")
    chat(fake, temperature=0.5)
    requests.get(fake.url("/models"), headers=auth(fake), timeout=5)
    first, second = fake.requests
    assert fake.request_count == 2
    assert (first.method, first.path) == ("POST", "/compatible-mode/v1/chat/completions")
    assert first.body["temperature"] == 0.5 and first.headers["Authorization"].endswith(fake.key)
    assert second.method == "GET" and second.body is None
    assert first.received_at <= second.received_at
    requests.post(fake.url("/chat/completions"), data=b"not json", headers=auth(fake), timeout=5)
    assert fake.last_request.body == b"not json"


def test_replies_and_faults_validate_their_arguments() -> None:
    assert set(FAULTS) == set(FAULT_PLAYERS)
    with pytest.raises(ValueError, match="unknown fault"):
        Reply.fault("explode")
    with pytest.raises(TypeError, match="no option"):
        Reply.fault("empty_body", seconds=3)
    with pytest.raises(TypeError):
        FakeProvider().queue("not a reply")  # type: ignore[arg-type]


# -- framing and pacing ------------------------------------------------------------------------
def test_close_delimited_stream(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.answer("no chunks here", chunked=False))
    head, body = raw_post(fake, {"model": "m", "messages": PROMPT, "stream": True})
    lowered = head.lower()
    assert b"connection: close" in lowered
    assert b"content-length" not in lowered and b"transfer-encoding" not in lowered
    assert events(body)[-1] == "[DONE]" and content_of(chunks(body)) == "no chunks here"


def test_slow_stream_arrives_event_by_event(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.answer("one two three four", delay=0.12))
    payload = json.dumps({"model": "m", "messages": PROMPT, "stream": True}).encode()
    arrivals: list[tuple[float, int]] = []
    with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
        sock.sendall(b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + fake.key.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(payload)
                     + payload)
        received = b""
        while not received.endswith(b"0\r\n\r\n"):
            part = sock.recv(65536)
            assert part, "server closed early"
            received += part
            arrivals.append((time.monotonic(), part.count(b"data: ")))
    with_events = [t for t, n in arrivals if n]
    assert len(with_events) >= 4, "events were batched instead of flushed one by one"
    assert with_events[-1] - with_events[0] >= 0.3


def test_keep_alive_connection_serves_several_requests(start) -> None:
    fake = start("deepseek")
    with requests.Session() as session:
        for _ in range(3):
            response = session.post(fake.url("/chat/completions"), headers=auth(fake), timeout=5,
                                    json={"model": "m", "messages": PROMPT, "stream": True})
            assert events(response.content)[-1] == "[DONE]"
    assert fake.request_count == 3


def test_concurrent_streams(start) -> None:
    fake = start("deepseek")
    results: list[str] = []

    def one() -> None:
        results.append(content_of(chunks(chat(fake).content)))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == ["Loopback deepseek answer to: Say hello"] * 8


# -- faults ------------------------------------------------------------------------------------
def stream_body(**extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": PROMPT, "stream": True, **extra}


def test_close_before_headers(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("close_before_headers"))
    with pytest.raises(requests.ConnectionError):
        chat(fake)


@pytest.mark.parametrize("stream", [True, False])
def test_close_after_headers(start, stream: bool) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("close_after_headers"))
    head, body = raw_post(fake, stream_body(stream=stream))
    assert head.startswith(b"HTTP/1.1 200") and body == b""
    fake.queue(Reply.fault("close_after_headers"))
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        _ = chat(fake, stream=stream).content


def test_close_mid_event(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("close_mid_event", after=3, text="a b c d e f"))
    _, body = raw_post(fake, stream_body())
    complete, _, tail = body.rpartition(b"\n\n")
    assert len(events(complete + b"\n\n")) == 3
    assert tail.startswith(b"data: {") and not tail.endswith(b"}")
    fake.queue(Reply.fault("close_mid_event"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = chat(fake).content


@pytest.mark.parametrize("stream, chunked", [(True, True), (True, False), (False, True)])
def test_close_mid_utf8_cuts_inside_a_character(start, stream: bool, chunked: bool) -> None:
    fake = start("bailian")
    fake.queue(Reply.fault("close_mid_utf8", chunked=chunked))
    _, body = raw_post(fake, stream_body(stream=stream))
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data"):
        body.decode("utf-8")
    assert body[-1] >= 0xC0, "the last byte is the lead byte of a multi-byte character"


def test_stall_before_first_byte_times_the_client_out(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("stall_before_first_byte", seconds=5))
    with pytest.raises(requests.exceptions.ReadTimeout):
        chat(fake, timeout=0.3)
    fake.queue(Reply.fault("stall_before_first_byte", seconds=0.2, text="late"))
    assert content_of(chunks(chat(fake).content)) == "late"


def test_stall_mid_stream(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("stall_mid_stream", after=2, seconds=0.4, text="x y z"))
    begun = time.monotonic()
    response = requests.post(fake.url("/chat/completions"), json=stream_body(),
                             headers=auth(fake), stream=True, timeout=5)
    seen: list[float] = []
    for line in response.iter_lines():
        if line.startswith(b"data:"):
            seen.append(time.monotonic() - begun)
    assert len(seen) == 6  # opener, x, y, z, finish, [DONE]
    assert seen[2] - seen[1] >= 0.3 and seen[1] < 0.3


def test_keepalive_forever_and_a_prompt_stop(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("keepalive_forever", every=0.05))
    response = requests.post(fake.url("/chat/completions"), json=stream_body(),
                             headers=auth(fake), stream=True, timeout=5)
    lines = response.iter_lines()
    comments = [next(lines) for _ in range(5)]
    assert set(comments) <= {b": keep-alive", b""} and b": keep-alive" in comments
    begun = time.monotonic()
    fake.stop()
    assert time.monotonic() - begun < 2
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for _ in lines:
            pass


def test_stop_is_prompt_with_a_stalled_handler(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("stall_before_first_byte", seconds=3600))
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            chat(fake, timeout=10)
        except requests.RequestException as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    begun = time.monotonic()
    fake.stop()
    assert time.monotonic() - begun < 2
    caller.join(3)
    assert not caller.is_alive()
    assert isinstance(outcome[0], requests.ConnectionError)


def test_keepalive_forever_without_streaming_sends_blank_lines(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("keepalive_forever", every=0.05))
    response = requests.post(fake.url("/chat/completions"), headers=auth(fake), stream=True,
                             json={"model": "m", "messages": PROMPT}, timeout=5)
    assert response.raw.read(3) == b"\n\n\n"
    response.close()


def test_html_body_and_empty_body(start) -> None:
    fake = start("openai")
    fake.queue(Reply.fault("html_body"), Reply.fault("empty_body"), Reply.fault("empty_body"))
    page = chat(fake, stream=False)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text.lstrip().startswith("<!DOCTYPE html>")
    empty = chat(fake, stream=False)
    assert empty.status_code == 200 and empty.content == b""
    assert chat(fake).content == b""


def test_truncated_json(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("truncated_json"), Reply.fault("truncated_json"))
    with pytest.raises(ValueError):
        json.loads(chat(fake, stream=False).content)
    data = events(chat(fake).content)
    assert data[-1] == "[DONE]"
    broken = [e for e in data[:-1] if not _parses(e)]
    assert len(broken) == 1


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_no_choices(start) -> None:
    fake = start("openai")
    fake.queue(Reply.fault("no_choices"), Reply.fault("no_choices"))
    assert chat(fake, stream=False).json()["choices"] == []
    assert all(c["choices"] == [] for c in chunks(chat(fake).content))


@pytest.mark.parametrize("flavour", ["deepseek", "huggingface"])
def test_error_in_stream(start, flavour: str) -> None:
    fake = start(flavour)
    fake.queue(Reply.fault("error_in_stream", after=2, text="partial answer here"))
    response = chat(fake)
    assert response.status_code == 200
    data = [json.loads(e) for e in events(response.content)]
    assert "error" in data[-1] and all("error" not in d for d in data[:-1])
    assert len(data) == 3


def test_leading_blank_lines(start) -> None:
    fake = start("deepseek")
    fake.queue(Reply.fault("leading_blank_lines", count=4),
               Reply.fault("leading_blank_lines", count=2, text="queued"))
    body = chat(fake, stream=False).content
    assert body.startswith(b"\n\n\n\n{") and json.loads(body.strip())["object"] == "chat.completion"
    stream = chat(fake).content
    assert stream.startswith(b": keep-alive\n\n: keep-alive\n\ndata: ")
    assert content_of(chunks(stream)) == "queued"


# -- the offline demo --------------------------------------------------------------------------
@pytest.fixture
def demo(monkeypatch) -> str:
    monkeypatch.setenv("LLM_MAGIC_DEMO_DELAY", "0")
    return ensure_demo_server()


def demo_chat(base_url: str, model: str, prompt: str, stream: bool = True,
              timeout: float = 5) -> requests.Response:
    return requests.post(base_url + "/chat/completions", timeout=timeout, headers=demo_auth(), json={
        "model": model, "stream": stream, "messages": [{"role": "user", "content": prompt}]})


def demo_auth() -> dict[str, str]:
    """The demo server answers only its kernel's token (the demo provider sends it)."""
    return {"Authorization": f"Bearer {demo_token()}"}


def test_demo_server_is_one_per_process(demo: str) -> None:
    assert ensure_demo_server() == demo
    models = requests.get(demo + "/models", timeout=5, headers=demo_auth()).json()["data"]
    assert {"demo-chat", "demo-reasoner"} <= {m["id"] for m in models}


def test_demo_answers_chinese_in_three_sentences(demo: str) -> None:
    response = demo_chat(demo, "demo-chat", "用三句话解释什么是机器学习")
    text = content_of(chunks(response.content))
    assert text.count("。") == 3 and "机器学习" in text and "数据" in text


def test_demo_generic_answer_quotes_the_prompt_in_markdown(demo: str) -> None:
    body = demo_chat(demo, "demo-chat", "What is the capital of France?", stream=False).json()
    text = body["choices"][0]["message"]["content"]
    assert "> What is the capital of France?" in text and "offline demo" in text
    assert text.startswith("## ") and "```python" in text and "\n- " in text


def test_demo_answers_have_tables(demo: str) -> None:
    text = content_of(chunks(demo_chat(demo, "demo-chat", "what is machine learning").content))
    assert "|---|" in text and "```python" in text


def test_demo_reasoner_thinks_first(demo: str) -> None:
    parsed = chunks(demo_chat(demo, "demo-reasoner", "hello").content)
    assert content_of(parsed, "reasoning_content").startswith("The user asks")
    assert content_of(parsed).startswith("## Hello")


@pytest.mark.parametrize("model, status", [
    ("error-401", 401), ("error-402", 402), ("error-403", 403), ("error-429", 429),
    ("error-500", 500), ("error-503", 503), ("content-filter", 400), ("no-such-model", 400)])
def test_demo_acts_out_errors(demo: str, model: str, status: int) -> None:
    response = demo_chat(demo, model, "hi")
    assert response.status_code == status
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    if model == "error-429":
        assert response.headers["Retry-After"] == "1"


def test_demo_cut_and_timeout(demo: str) -> None:
    assert {"cut", "timeout"} <= set(DEMO_ERROR_MODELS)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = demo_chat(demo, "cut", "what is machine learning").content
    with pytest.raises(requests.exceptions.ReadTimeout):
        demo_chat(demo, "timeout", "hi", timeout=0.3)


def test_demo_streams_at_the_configured_pace(demo: str, monkeypatch) -> None:
    monkeypatch.setenv("LLM_MAGIC_DEMO_DELAY", "0.005")
    begun = time.monotonic()
    parsed = chunks(demo_chat(demo, "demo-chat", "hello").content)
    assert time.monotonic() - begun >= 0.005 * len(parsed) * 0.8


# -- command line ------------------------------------------------------------------------------
def test_command_line_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_magic.loopback", "--flavour", "bailian", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/compatible-mode/v1")
        assert requests.get(base_url + "/models", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        process.kill()
        process.stdout.close()


# -- the older /completions shape, for teaching ------------------------------------------------------
def test_legacy_completions_answer_in_the_old_shape():
    import requests

    with FakeProvider("deepseek", default_reply=Reply.answer("机器学习让计算机从数据中学习规律。")) as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        reply = requests.post(server.url("/completions"), headers=headers, timeout=10,
                              json={"model": "deepseek-flash", "prompt": "什么是机器学习？"}).json()
        assert reply["object"] == "text_completion"
        assert reply["choices"][0]["text"] == "机器学习让计算机从数据中学习规律。"
        assert "message" not in reply["choices"][0] and reply["choices"][0]["finish_reason"] == "stop"
        assert set(reply["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
        body = {"model": "deepseek-flash", "prompt": ["什么是", "机器学习？"], "max_tokens": 3}
        cut = requests.post(server.url("/completions"), headers=headers, timeout=10, json=body).json()
        assert cut["choices"][0]["finish_reason"] == "length" and cut["usage"]["completion_tokens"] == 3
        assert server.requests[-1].body["prompt"] == ["什么是", "机器学习？"]
        missing = requests.post(server.url("/completions"), headers=headers, json={"model": "m"}, timeout=10)
        assert missing.status_code == 400 and "'prompt' is required" in missing.json()["error"]["message"]
        wrong = requests.post(server.url("/completions"), json={"model": "m", "prompt": "x"}, timeout=10,
                              headers={"Authorization": "Bearer sk-wrong"})
        assert wrong.status_code == 401


def test_the_demo_answers_the_old_shape_too():
    import requests

    from llm_magic.loopback import ensure_demo_server
    from llm_magic.loopback.demo import demo_token

    reply = requests.post(ensure_demo_server() + "/completions", timeout=10,
                          headers={"Authorization": f"Bearer {demo_token()}"},
                          json={"model": "demo-chat", "prompt": "用三句话解释什么是机器学习"}).json()
    assert reply["choices"][0]["text"].strip()
