"""Replies the fault matrix cannot hold: GET /models, where a redirect points, where a rejected key came from.

Servers are raw sockets on 127.0.0.1 (``tests.harness.hostile``) or the loopback fake provider.
"""

from __future__ import annotations

import gzip
import json

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.engine.assemble import USAGE_UNREADABLE
from llm_magic.keys import lookup as keys
from tests.harness.hostile import HostileServer, Peer, gzip_bomb, malformed_usage
from tests.harness.shell import run

KEY = "sk-test-hostile-replies-0000001"
MODELS = {"object": "list", "data": [{"id": "deepseek-flash", "object": "model"},
                                     {"id": "deepseek-v4-pro", "object": "model"}]}


@pytest.fixture
def point_deepseek(monkeypatch):
    def point(server: HostileServer) -> HostileServer:
        monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", server.base_url)
        return server
    return point


def _gzip_models(peer: Peer) -> None:
    """``GET /models`` answered in gzip, because the client said it accepts gzip."""
    assert "gzip" in peer.headers.get("accept-encoding", "")
    body = gzip.compress(json.dumps(MODELS).encode())
    peer.head("200 OK", {"Content-Type": "application/json", "Content-Encoding": "gzip",
                         "Content-Length": str(len(body)), "Connection": "close"})
    peer.send(body)


def _no_models(peer: Peer) -> None:
    """A chat server with no model list, like mockllm: 404 on /models."""
    body = b'{"detail": "Not Found"}'
    peer.head("404 Not Found", {"Content-Type": "application/json", "Content-Length": str(len(body)),
                                "Connection": "close"})
    peer.send(body)


def test_a_gzip_model_list_is_decoded(point_deepseek):
    with point_deepseek(HostileServer(_gzip_models)):
        assert [m["id"] for m in llm_magic.list_models("deepseek")] == ["deepseek-flash", "deepseek-v4-pro"]


def test_llm_key_check_and_llm_models_read_a_gzip_model_list(shell, point_deepseek):
    with point_deepseek(HostileServer(_gzip_models)):
        checked = run(shell, "%llm_key deepseek --check")
        assert "2 models" in checked.stdout, checked.stdout
        listed = run(shell, "%llm_models deepseek")
        assert "deepseek-v4-pro" in listed.outputs[-1].data["text/plain"]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "non-stream"])
def test_a_gzip_bomb_stops_at_the_default_cap(point_deepseek, stream):
    """1 GiB of zeros in about a megabyte of gzip: reading stops at 64 MiB, the first words kept."""
    assert llm_magic.settings.max_answer_bytes == 64 << 20
    with point_deepseek(HostileServer(gzip_bomb, text="first words of the answer")), \
            pytest.raises(e.AnswerTooLargeError) as caught:
        llm_magic.ask("deepseek", "hi", stream=stream, timeout=60)
    assert caught.value.cap == 64 << 20 and "64 MiB" in caught.value.message
    assert (caught.value.partial or "") == ("first words of " if stream else "")


def test_a_404_on_models_says_the_server_lists_no_models_not_that_chat_is_missing(point_deepseek):
    with point_deepseek(HostileServer(_no_models)), pytest.raises(e.BadRequestError) as caught:
        llm_magic.list_models("deepseek")
    error = caught.value
    assert "does not list its models" in error.message and "chat may still work" in error.hint
    assert "chat endpoint" not in error.message and "/chat/completions" not in error.hint
    assert "不提供模型列表" in error.texts("zh")[1]


def test_a_404_on_chat_still_points_at_the_base_url(point_deepseek):
    with point_deepseek(HostileServer(_no_models)), pytest.raises(e.BadRequestError) as caught:
        llm_magic.ask("deepseek", "hi", max_retries=0)
    assert "no chat endpoint" in caught.value.message


def test_a_redirect_names_where_it_points_and_the_key_never_follows(point_deepseek):
    with HostileServer(malformed_usage, text="should never be asked") as elsewhere:
        def moved(peer: Peer) -> None:
            peer.head("307 Temporary Redirect", {"Location": f"{elsewhere.base_url}/chat/completions",
                                                 "Content-Length": "0", "Connection": "close"})

        with point_deepseek(HostileServer(moved)) as here:
            for stream in (True, False):
                with pytest.raises(e.BadRequestError) as caught:
                    llm_magic.ask("deepseek", "hi", stream=stream)
                assert elsewhere.base_url in caught.value.message and "HTTP 307" in caught.value.message
                assert "never followed" in caught.value.hint
            with pytest.raises(e.BadRequestError):
                llm_magic.list_models("deepseek")
        assert here.requests == 3  # not retried either
    assert elsewhere.requests == 0, "the request (and its key) followed the redirect"


def test_malformed_usage_keeps_the_answer_with_a_note(point_deepseek, shell):
    with point_deepseek(HostileServer(malformed_usage, text="完整的 回答")):
        answer = llm_magic.ask("deepseek", "hi", stream=True)
        assert answer == "完整的 回答" and answer.usage is None and answer.notes == (USAGE_UNREADABLE,)
        shown = run(shell, "%%llm deepseek --no-stream\nhi")
    assert shell.user_ns["_llm"] == "完整的 回答"
    warnings = [o.data["text/plain"] for o in shown.outputs if o.data.get("text/plain", "").startswith("⚠")]
    assert warnings == [f"⚠ {USAGE_UNREADABLE}"]


# -- a 401 says which key to fix ----------------------------------------------------------------
def _rejected(**options) -> e.AuthenticationError:
    with pytest.raises(e.AuthenticationError) as caught:
        llm_magic.ask("deepseek", "hi", **options)
    return caught.value


def test_a_401_names_the_dotenv_file_the_key_came_from(fake_provider, monkeypatch, tmp_path):
    fake_provider("deepseek")
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    dotenv = tmp_path / ".env"
    dotenv.write_text("DEEPSEEK_API_KEY=sk-from-the-dotenv-file-000001\n")
    error = _rejected()
    assert f"DEEPSEEK_API_KEY in the .env file {dotenv}" in error.hint
    assert f".env 文件 {dotenv}" in error.texts("zh")[1]
    assert "sk-from-the-dotenv" not in str(error)


def test_a_401_names_the_environment_variable(fake_provider, monkeypatch):
    fake_provider("deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-the-environment-00001")
    assert "environment variable DEEPSEEK_API_KEY" in _rejected().hint


def test_a_401_names_llm_key_for_a_key_entered_in_the_session(fake_provider):
    fake_provider("deepseek")
    keys.set_session_key(llm_magic.get_provider("deepseek"), "sk-typed-into-the-box-000001")
    try:
        error = _rejected()
    finally:
        keys.clear_session_keys()
    assert "entered in this session with %llm_key deepseek" in error.hint
    assert "本次会话中用 %llm_key deepseek" in error.texts("zh")[1]


def test_a_401_for_a_key_given_to_the_call(fake_provider):
    fake_provider("deepseek")
    assert "given to the call directly" in _rejected(key="sk-given-as-an-argument-0001").hint

