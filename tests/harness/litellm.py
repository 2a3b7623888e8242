"""LiteLLM for the gateway tests: the real proxy (pinned, in its own virtualenv) and a stand-in.

The real proxy answers chat, models and errors with mock models (``mock_response``: nothing
leaves the machine). Virtual keys and budgets need its database (Postgres through Prisma), which
a test cannot start here, so ``/key/info`` and the budget errors come from a stand-in that
answers with LiteLLM's own JSON, read in its source (litellm/proxy/management_endpoints/
key_management_endpoints.py ``info_key_fn``; proxy/auth/auth_exception_handler.py; exceptions.py
``BudgetExceededError``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: the one place the pinned release is written; scripts/test.sh installs exactly this
REQUIREMENT = next(line.strip() for line in (ROOT / "scripts" / "gateway-requirements.txt").read_text().splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))
VERSION = REQUIREMENT.partition("==")[2]
DEFAULT_VENV = Path.home() / ".cache" / "llm_magic" / f"litellm-{VERSION}"

#: the key the real proxy accepts (its master key: without a database there are no virtual keys)
PROXY_KEY = "sk-litellm-test-3f9c2a71e8b4"

CONFIG = """\
model_list:
  - model_name: deepseek-chat
    litellm_params:
      model: openai/deepseek-chat
      api_key: not-a-key
      mock_response: "Hello from the class gateway."
  - model_name: qwen-plus
    litellm_params:
      model: openai/qwen-plus
      api_key: not-a-key
      mock_response: "你好，这是学校网关的回答。"
  - model_name: busy-model
    litellm_params:
      model: openai/busy-model
      api_key: not-a-key
      mock_response: "litellm.RateLimitError"
general_settings:
  master_key: {key}
litellm_settings:
  telemetry: false
  num_retries: 0
"""


def venv_python() -> Path:
    """The pinned proxy's interpreter: LLM_MAGIC_LITELLM_VENV, else where scripts/test.sh puts it."""
    venv = Path(os.environ.get("LLM_MAGIC_LITELLM_VENV") or DEFAULT_VENV)
    return venv / "bin" / "python"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Trap:
    """A listener on 127.0.0.1 that counts connections: the proxy's HTTP(S)_PROXY, so an outbound call shows."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._count, daemon=True).start()

    def _count(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


def _proxy_environment(home: Path, trap: Trap) -> dict[str, str]:
    """Only what the proxy needs: no keys, no database, no network look-ups (any that is tried hits the trap)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the price list ships in the wheel; no download
        "LITELLM_TELEMETRY": "False",
        "LITELLM_LOG": "ERROR",
        "DISABLE_ADMIN_UI": "True",
        "HTTP_PROXY": trap.url, "HTTPS_PROXY": trap.url, "ALL_PROXY": trap.url,
        "http_proxy": trap.url, "https_proxy": trap.url, "all_proxy": trap.url,
    }


@dataclass
class RealProxy:
    """A running ``litellm --config`` on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    #: counts any connection the proxy tried to make through HTTP(S)_PROXY
    trap: Trap

    def stop(self) -> None:
        self.trap.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_proxy(workdir: Path, *, ready_within: float = 120.0) -> RealProxy:
    """Start the pinned proxy and wait for its liveliness route; its log is kept for a failure."""
    config = workdir / "config.yaml"
    config.write_text(CONFIG.format(key=PROXY_KEY))
    log = workdir / "proxy.log"
    port = _free_port()
    command = [str(venv_python()), "-m", "litellm.proxy.proxy_cli", "--config", str(config),
               "--host", "127.0.0.1", "--port", str(port), "--telemetry", "False"]
    trap = Trap()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=workdir, env=_proxy_environment(workdir, trap), stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = RealProxy(process, f"http://127.0.0.1:{port}/v1", log, trap)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the LiteLLM proxy exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        if _alive(port):
            return proxy
        time.sleep(0.2)
    proxy.stop()
    raise RuntimeError(f"the LiteLLM proxy did not answer within {ready_within:.0f} s:\n{log.read_text()[-3000:]}")


def _alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"GET /health/liveliness HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


# -- the stand-in ---------------------------------------------------------------------------------
def key_info(spend: float, max_budget: float | None, *, duration: str | None = "7d",
             reset_at: str | None = "2026-12-07T00:00:00Z", key: str = "") -> dict[str, Any]:
    """A ``/key/info`` reply as LiteLLM builds it (the fields it documents, a row without its hash)."""
    return {
        "key": key,  # LiteLLM echoes the key (or its hash) as it was passed: it must never be shown
        "info": {
            "key_name": "sk-...0001", "key_alias": "student-07", "spend": spend, "max_budget": max_budget,
            "expires": None, "models": ["deepseek-chat", "qwen-plus"], "aliases": {}, "config": {},
            "user_id": None, "team_id": "class-3b", "permissions": {}, "max_parallel_requests": None,
            "metadata": {}, "blocked": None, "tpm_limit": None, "rpm_limit": 10,
            "budget_duration": duration, "budget_reset_at": reset_at,
            "allowed_cache_controls": [], "model_spend": {}, "model_max_budget": {},
            "soft_budget_cooldown": False, "litellm_budget_table": None,
            "created_at": "2026-12-01T08:00:00Z", "updated_at": "2026-12-01T08:00:00Z",
        },
    }


def budget_exceeded(spend: float, max_budget: float, status: int = 422) -> tuple[int, dict[str, Any]]:
    """What the proxy answers a key over its budget: 400 up to 1.82, 422 by default in 1.110."""
    return status, {"error": {
        "message": f"Budget has been exceeded! Key=sk-...0001 Current cost: {spend}, Max budget: {max_budget}",
        "type": "budget_exceeded", "param": None, "code": str(status)}}


def rate_limited() -> tuple[int, dict[str, Any]]:
    """A key over its requests per minute (LiteLLM's v3 limiter, proxy/hooks/parallel_request_limiter_v3.py)."""
    return 429, {"error": {
        "message": "Rate limit exceeded for api_key: 5c1f0e2a9b7d. Limit type: requests. Current limit: 10, "
                   "Remaining: 0. Limit resets at: 2026-12-02 14:00:00 UTC",
        "type": "auth_error", "param": "None", "code": "429"}}


def _answer(model: str, text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-standin", "created": 1796179072, "model": model, "object": "chat.completion",
            "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": text, "role": "assistant"}}],
            "usage": {"completion_tokens": 5, "prompt_tokens": 8, "total_tokens": 13}}


@dataclass
class StandIn:
    """A LiteLLM-shaped server: ``chat`` replies in order (then answers), ``info`` for /key/info."""

    key: str
    chat: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    info: tuple[int, Mapping[str, Any] | str] = (200, {})
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    base_url: str = ""

    def reply(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, Mapping[str, Any] | str]:
        self.seen.append((method, path, headers))
        if headers.get("authorization") != f"Bearer {self.key}":
            return 401, {"error": {"message": "Authentication Error, Invalid proxy server token passed.",
                                   "type": "auth_error", "param": "None", "code": "401"}}
        if path == "/key/info":
            return self.info
        if path in ("/v1/models", "/models"):
            return 200, {"data": [{"id": name, "object": "model", "created": 1677610602, "owned_by": "openai"}
                                  for name in ("deepseek-chat", "qwen-plus")], "object": "list"}
        if path in ("/v1/chat/completions", "/chat/completions"):
            return self.chat.pop(0) if self.chat else (200, _answer("deepseek-chat", "Hello."))
        return 404, {"detail": "Not Found"}


@contextmanager
def stand_in(key: str) -> Iterator[StandIn]:
    """Serve a :class:`StandIn` on 127.0.0.1 (a free port) for the duration of the block."""
    state = StandIn(key)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, body = state.reply(self.command, self.path, headers)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def no_key_in(text: str, key: str) -> bool:
    """The key, or any 12 characters of it, appears nowhere in ``text``."""
    return not any(key[i:i + 12] in text for i in range(len(key) - 11)) and not re.search(re.escape(key), text)
