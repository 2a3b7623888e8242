"""The last exchange: the request without its key, the raw reply, and the request as code that runs.

The printed code is run for real against a loopback server of each provider's flavour, with the
key only in the environment, and must print the answer the engine received.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import llm_magic
from llm_magic.engine import exchange
from llm_magic.engine.snippets import code_for
from llm_magic.errors import AuthenticationError, LLMError
from llm_magic.loopback import FakeProvider, Reply
from tests.conftest import PROVIDER_VARIABLES

ANSWER = "第一行：你好。\n第二行 it's \"quoted\" `code` $HOME"
SAME = Reply.answer(ANSWER, chunk_size_words=1)
#: providers whose adapter speaks to a loopback flavour of the same name
PROVIDERS = ["deepseek", "bailian", "chatanywhere", "huggingface", "openai", "ollama"]


@pytest.fixture(autouse=True)
def no_exchange() -> None:
    exchange.forget()


def _env(server: FakeProvider, provider: str) -> dict[str, str]:
    """A child's environment: the key only in the provider's variable, no base URL variable."""
    key_var, url_var = PROVIDER_VARIABLES[provider]
    env = {k: v for k, v in os.environ.items() if k not in (key_var, url_var)}
    if key_var and server.key:
        env[key_var] = server.key
    return env


def _ask(provider: str, server: FakeProvider, *, stream: bool) -> str:
    sampling = {} if provider == "openai" else {"temperature": 0.3}  # OpenAI's reasoning models take the default only
    return str(llm_magic.ask(provider, "问一个问题", stream=stream, max_tokens=50, **sampling))


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_printed_python_gets_the_same_answer(provider: str, stream: bool,
                                                 fake_provider: Callable[..., FakeProvider], tmp_path: Path) -> None:
    server = fake_provider(provider, default_reply=SAME)
    answer = _ask(provider, server, stream=stream)
    record = exchange.last_exchange()
    assert record is not None and record.request.stream is stream
    code = record.code("python")
    if server.key:
        assert server.key not in code and "os.environ" in code
    script = tmp_path / "ask.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], env=_env(server, provider), capture_output=True,
                          text=True, encoding="utf-8", timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == answer + "\n"
    sent = [json.loads(json.dumps(r.body)) for r in server.requests if r.path.endswith("/chat/completions")]
    assert sent[-1] == sent[-2]  # the code sent exactly the body the cell sent


def test_the_record_holds_no_key(fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("deepseek", default_reply=SAME)
    _ask("deepseek", server, stream=True)
    record = exchange.last_exchange()
    assert record is not None
    assert server.key and server.key not in repr(vars(record)) + repr(vars(record.request))
    assert record.request.headers["Authorization"] == "Bearer $DEEPSEEK_API_KEY"
    for language in ("python", "curl", "r", "js"):
        assert server.key not in record.code(language)


def test_a_stream_keeps_its_first_last_and_first_text_events(fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("bailian", default_reply=SAME)  # usage comes in a separate "choices": [] chunk
    _ask("bailian", server, stream=True)
    record = exchange.last_exchange()
    assert record is not None and record.status == 200 and record.events > 3
    assert record.first_event["choices"][0]["delta"].get("content") in ("", None)
    assert ANSWER.startswith(record.text_event["choices"][0]["delta"]["content"])
    assert record.last_event["choices"] == [] and record.last_event["usage"]["total_tokens"] > 0
    shown = record.explained()
    assert "choices[0].delta.content" in shown and "usage.total_tokens" in shown
    assert shown.index("First event (of") < shown.index("first event with text") < shown.index("Last event")


def test_a_whole_reply_is_kept_and_its_text_marked(fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("deepseek", default_reply=SAME)
    _ask("deepseek", server, stream=False)
    record = exchange.last_exchange()
    assert record is not None and not record.streamed
    assert record.reply["choices"][0]["message"]["content"] == ANSWER
    content_line = next(line for line in record.explained().splitlines() if '"content"' in line)
    assert content_line.rstrip().endswith("choices[0].message.content: the answer's text")


def test_an_error_body_is_kept_raw(fake_provider: Callable[..., FakeProvider]) -> None:
    fake_provider("deepseek", key="sk-the0right0key0000000000")
    os.environ["DEEPSEEK_API_KEY"] = "sk-a0wrong0key00000000000"
    with pytest.raises(AuthenticationError):
        llm_magic.ask("deepseek", "你好")
    record = exchange.last_exchange()
    assert record is not None and record.status == 401
    assert record.reply["error"]["type"] == "authentication_error"
    shown = record.explained()
    assert "HTTP 401" in shown and "error.message" in shown
    assert "sk-a0wrong0key00000000000" not in shown


def test_a_server_echoing_the_key_is_redacted(fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("deepseek")
    server.queue(Reply.answer(f"your key is {server.key}"))
    llm_magic.ask("deepseek", "你好")
    record = exchange.last_exchange()
    assert record is not None and server.key is not None
    assert server.key not in record.explained()


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
def test_the_printed_curl_sends_the_same_request(stream: bool, fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("deepseek", default_reply=SAME)
    answer = _ask("deepseek", server, stream=stream)
    record = exchange.last_exchange()
    assert record is not None
    done = subprocess.run(["bash", "-c", record.code("curl")], env=_env(server, "deepseek"), capture_output=True,
                          text=True, encoding="utf-8", timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert server.requests[-1].body == server.requests[-2].body
    if stream:
        pieces = [json.loads(line[5:]) for line in done.stdout.splitlines()
                  if line.startswith("data:") and "[DONE]" not in line]
        assert "".join(p["choices"][0]["delta"].get("content") or "" for p in pieces if p["choices"]) == answer
    else:
        assert json.loads(done.stdout)["choices"][0]["message"]["content"] == answer


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
def test_the_printed_javascript_gets_the_same_answer(stream: bool, fake_provider: Callable[..., FakeProvider],
                                                     tmp_path: Path) -> None:
    server = fake_provider("deepseek", default_reply=SAME)
    answer = _ask("deepseek", server, stream=stream)
    record = exchange.last_exchange()
    assert record is not None
    script = tmp_path / "ask.mjs"
    script.write_text(record.code("js"), encoding="utf-8")
    done = subprocess.run(["node", str(script)], env=_env(server, "deepseek"), capture_output=True, text=True,
                          encoding="utf-8", timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == answer + "\n"
    assert server.requests[-1].body == server.requests[-2].body


def test_the_r_version_reads_the_variable_and_mirrors_the_body(fake_provider: Callable[..., FakeProvider]) -> None:
    """No R on this machine: check what R would send, field by field."""
    server = fake_provider("deepseek", default_reply=SAME)
    _ask("deepseek", server, stream=False)
    record = exchange.last_exchange()
    assert record is not None
    code = record.code("r")
    assert 'Sys.getenv("DEEPSEEK_API_KEY")' in code and "library(httr2)" in code
    assert "temperature = 0.3" in code and "max_tokens = 50" in code and 'role = "user"' in code
    assert "reply$choices[[1]]$message$content" in code
    assert code_for(record.request, "R") == code


def test_an_unknown_language_is_refused() -> None:
    request = exchange.WireRequest("https://api.deepseek.com/chat/completions", {"model": "m"}, False, None)
    with pytest.raises(LLMError, match="python, curl, r, js"):
        code_for(request, "fortran")


def test_the_package_face_gives_the_last_exchange(fake_provider: Callable[..., FakeProvider]) -> None:
    assert llm_magic.last_exchange() is None
    server = fake_provider("deepseek", default_reply=SAME)
    _ask("deepseek", server, stream=True)
    assert llm_magic.last_exchange() is exchange.last_exchange()


def test_a_hostile_error_page_cannot_drive_the_terminal(fake_provider: Callable[..., FakeProvider]) -> None:
    server = fake_provider("deepseek")
    page = "<html>\x1b[2J\x1b]0;owned\x07 401 Authorization Required \u009b31m</html>"
    server.queue(Reply.error(401, body=page, content_type="text/html"))
    with pytest.raises(AuthenticationError):
        llm_magic.ask("deepseek", "你好", max_retries=0)
    record = exchange.last_exchange()
    assert record is not None and record.reply == page.strip()
    shown = record.explained()
    assert "\x1b" not in shown and "\x07" not in shown and "\u009b" not in shown
    assert "\\x1b[2J" in shown and "401 Authorization Required" in shown
