"""The offline demo server is not a door for other local users: on a shared machine anyone can
reach its 127.0.0.1 port, so it answers only its kernel's random token (the demo provider sends
it), keeps only its last few requests, and refuses a huge Content-Length before reading a byte."""

from __future__ import annotations

import json
import socket

import requests

import llm_magic
from llm_magic.loopback import demo


def _post(url: str, token: str | None, body: bytes) -> requests.Response:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return requests.post(url + "/chat/completions", data=body, headers=headers, timeout=10)


def test_only_the_kernels_token_gets_an_answer(monkeypatch):
    monkeypatch.setenv("LLM_MAGIC_DEMO_DELAY", "0")
    url, token = demo.ensure_demo_server(), demo.demo_token()
    assert len(token) >= 24 and token == demo.demo_token()
    body = b'{"model": "demo-chat", "stream": false, "messages": [{"role": "user", "content": "hi"}]}'
    for stranger in (None, "guess", token[:-1]):
        refused = _post(url, stranger, body)
        assert refused.status_code == 401 and "choices" not in refused.text
        assert requests.get(url + "/models", timeout=10).status_code == 401
    assert _post(url, token, body).json()["choices"]
    assert llm_magic.ask("demo", "你好")  # the demo provider sends the token itself


def test_two_servers_have_different_tokens():
    first, second = demo.make_demo_server(), demo.make_demo_server()
    assert first.key and second.key and first.key != second.key


def test_a_flood_keeps_no_unbounded_history(monkeypatch):
    monkeypatch.setenv("LLM_MAGIC_DEMO_DELAY", "0")
    server = demo.make_demo_server().start()
    try:
        body = json.dumps({"model": "demo-chat", "stream": False,
                           "messages": [{"role": "user", "content": "x" * 200_000}]}).encode()
        for number in range(80):
            token = server.key if number % 2 else "wrong"
            try:
                _post(server.base_url, token, body)
            except requests.ConnectionError:  # a stranger's body is not read: the server may hang up mid-send
                assert token == "wrong"
        kept = server.requests
        assert server.request_count == 80 and len(kept) <= demo.DEMO_HISTORY
        assert all(r.body is not None for r in kept)  # only the token's requests are read and kept
    finally:
        server.stop()


def test_a_huge_content_length_is_refused_without_reading_it():
    server = demo.make_demo_server().start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(f"POST /chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               f"Authorization: Bearer {server.key}\r\nContent-Type: application/json\r\n"
                               f"Content-Length: {50 << 30}\r\n\r\n".encode())  # 50 GiB announced, none sent
            reply = connection.recv(65536)  # a server reading the body would wait here until the bound
        assert reply.startswith(b"HTTP/1.1 413") or reply.startswith(b"HTTP/1.0 413"), reply[:200]
        assert server.request_count == 0 or all(r.body is None for r in server.requests)
    finally:
        server.stop()
