"""Bad input through the public ``llm_magic.ask`` against a live fake server: a clear LLMError, nothing sent."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.wire import transport

_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def server(fake_provider, monkeypatch):
    """A DeepSeek-flavoured server the provider points at, plus a count of every attempt to send."""
    fake = fake_provider("deepseek")
    fake.attempts = 0
    real_send = transport._send

    def counting_send(*args: Any, **kwargs: Any):
        fake.attempts += 1
        return real_send(*args, **kwargs)

    monkeypatch.setattr(transport, "_send", counting_send)
    return fake


def refused_before_sending(server, cls: type[e.LLMError], *args: Any, **options: Any) -> e.LLMError:
    """Call ``ask`` and check: the error class, a next step in both languages, nothing sent."""
    options.setdefault("timeout", 2)
    with pytest.raises(cls) as caught:
        llm_magic.ask(*args, **options)
    error = caught.value
    assert server.request_count == 0 and server.attempts == 0, "a request was sent"
    message, hint = error.texts("en")
    assert message and hint, (message, hint)
    assert _CJK.search("".join(error.texts("zh")))
    assert len(message) + len(hint) < 600
    return error


def test_unknown_provider_suggests_the_closest(server):
    error = refused_before_sending(server, e.UnknownProviderError, "deepsek", "hi")
    assert "deepseek" in error.hint


@pytest.mark.parametrize("spec", ["", "   ", ":deepseek-flash", "no such provider"])
def test_empty_or_strange_provider_names(server, spec):
    refused_before_sending(server, e.ConfigurationError, spec, "hi")


@pytest.mark.parametrize("model", ["two words", "tab\tmodel", "   ", "model\nnewline"])
def test_malformed_model_names(server, model):
    refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", model=model)


def test_a_well_formed_unknown_model_costs_exactly_one_request(server):
    """No catalog is consulted before sending, so the provider's answer names the model: once."""
    server.models = ("deepseek-flash",)
    with pytest.raises(e.BadRequestError) as caught:
        llm_magic.ask("deepseek:no-such-model", "hi")
    assert server.request_count == 1 and "no-such-model" in caught.value.message
    assert "%llm_models" in caught.value.hint


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t\n", None])
def test_empty_prompt(server, prompt):
    refused_before_sending(server, e.ConfigurationError, "deepseek", prompt)


def test_empty_history_and_no_prompt(server):
    refused_before_sending(server, e.ConfigurationError, "deepseek", None,
                           messages=[{"role": "assistant", "content": "earlier"}, {"role": "user", "content": " "}])


#: what os.listdir() gives for a GBK file name ("数据.csv") under a UTF-8 locale
GBK_NAME = b"\xca\xfd\xbe\xdd.csv".decode("utf-8", "surrogateescape")


@pytest.mark.parametrize("options", [
    {"prompt": f"总结文件 {GBK_NAME}"}, {"prompt": "lone \ud800 surrogate"},
    {"prompt": "hi", "system": f"读取 {GBK_NAME}"},
    {"prompt": "hi", "messages": [{"role": "user", "content": f"earlier {GBK_NAME}"},
                                  {"role": "assistant", "content": "ok"}]},
    {"prompt": "hi", "extra_body": {"user": f"student {GBK_NAME}"}},
], ids=["prompt", "prompt-d800", "system", "history", "extra-field"])
def test_lone_surrogates_are_refused_before_sending(server, options):
    prompt = options.pop("prompt")
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", prompt, **options)
    assert "\\udc" in error.message or "\\ud800" in error.message, error.message
    assert "os.fsencode" in error.hint and "fsencode" in error.texts("zh")[1]


@pytest.mark.parametrize("prompt,words", [
    (b"bytes, not text", "decode('utf-8')"), (bytearray(b"also bytes"), "decode('utf-8')"),
    (42, "not int"), (["a", "list"], "not list"), (object(), "not object"),
], ids=repr)
def test_a_prompt_that_is_not_text_is_refused(server, prompt, words):
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", prompt)
    assert words in error.message, error.message


@pytest.mark.parametrize("messages", [["just a string"], [{"content": "no role"}], [None]])
def test_malformed_history(server, messages):
    refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", messages=messages)


@pytest.mark.parametrize("options", [
    {"temperature": -1}, {"temperature": 3}, {"temperature": float("nan")}, {"temperature": float("inf")},
    {"temperature": "hot"}, {"max_tokens": 0}, {"max_tokens": -5}, {"max_tokens": 1.5}, {"max_tokens": "10"},
    {"max_tokens": True}, {"top_p": 0}, {"top_p": 1.01}, {"timeout": 0}, {"timeout": -1},
    {"timeout": float("nan")}, {"timeout": 1e-300}, {"timeout": 0.01}, {"max_retries": float("nan")},
    {"max_retries": "two"}, {"max_retries": -1}, {"max_retries": 1.5}, {"max_retries": float("inf")},
], ids=repr)
def test_options_out_of_range(server, options):
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", **options)
    assert next(iter(options)) in error.message


@pytest.mark.parametrize("url", [
    "not a url", "ftp://127.0.0.1/v1", "http://", "https://", "://127.0.0.1", "127.0.0.1:8000/v1",
    "file:///etc/passwd", "javascript:alert(1)",
])
def test_malformed_base_urls(server, url):
    refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", base_url=url)


@pytest.mark.parametrize("url", [
    "http://example.com/v1", "http://10.0.0.5:8000/v1", "http://192.168.1.2/v1", "http://0.0.0.0:8000/v1",
    "http://127.0.0.1.nip.io/v1", "http://localhost.example.com/v1", "http://[::ffff:8.8.8.8]/v1",
])
def test_plain_http_to_another_computer_is_refused(server, url):
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", base_url=url)
    assert "https://" in error.hint


@pytest.mark.parametrize("key", [
    "sk-abc def0123456", "sk-abc\n0123456", "sk-abc\r\n0123456", "sk-ａｂｃ0123456", "sk-密钥0123456",
    "sk-abc\x000123456", "sk-abc\x7f0123456", "\u200bsk-abc0123456\u200b", "   ", "",
], ids=repr)
def test_malformed_keys_are_refused_and_never_echoed(server, key):
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", "hi", key=key)
    core = key.strip()
    if len(core) >= 8:
        shown = " ".join([str(error), repr(error), *error.texts("zh")])
        assert core not in shown and core[:8] not in shown


@pytest.mark.parametrize("key", ["sk-abc def0123456", "sk-ａｂｃ0123456", "sk-abc\t0123456"], ids=repr)
def test_malformed_keys_from_the_environment_are_refused(server, monkeypatch, key):
    monkeypatch.setenv("DEEPSEEK_API_KEY", key)
    refused_before_sending(server, e.ConfigurationError, "deepseek", "hi")


def test_a_prompt_of_several_megabytes_is_refused(server):
    error = refused_before_sending(server, e.ConfigurationError, "deepseek", "x" * 5_000_000)
    assert "5,000,000" in error.message


def test_a_huge_history_is_refused(server):
    history = [{"role": "user", "content": "y" * 600_000}, {"role": "assistant", "content": "ok" * 300_000}] * 2
    refused_before_sending(server, e.ConfigurationError, "deepseek", "and now?", messages=history)


# -- keys from .env files that cannot be used ------------------------------------------------
@pytest.fixture
def no_key_in_environment(server, monkeypatch, tmp_path):
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    from llm_magic.keys import lookup as keys
    keys.clear_session_keys()
    return tmp_path


@pytest.mark.parametrize("garbage", [
    bytes(range(256)) * 4,
    b"\xff\xfe\x00D\x00E\x00E\x00P",
    b"DEEPSEEK_API_KEY=sk-\xff\xfe\xfdbinary0123456\n",
    b"\x00" * 64 + b"\nDEEPSEEK_API_KEY\n",
], ids=["all-bytes", "utf16-bom", "invalid-utf8-value", "nul-bytes"])
def test_binary_garbage_in_dotenv(no_key_in_environment, server, garbage):
    (no_key_in_environment / ".env").write_bytes(garbage)
    refused_before_sending(server, (e.MissingKeyError, e.ConfigurationError), "deepseek", "hi")


def test_dotenv_that_is_a_directory(no_key_in_environment, server):
    (no_key_in_environment / ".env").mkdir()
    (no_key_in_environment / ".env" / "DEEPSEEK_API_KEY").write_text("sk-inside-a-directory-0000")
    refused_before_sending(server, e.MissingKeyError, "deepseek", "hi")


def test_dotenv_that_is_a_fifo_does_not_hang(no_key_in_environment, server):
    os.mkfifo(no_key_in_environment / ".env")  # opening a FIFO for reading blocks until a writer comes
    refused_before_sending(server, e.MissingKeyError, "deepseek", "hi")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading; "
                           "the directory and FIFO cases cover an unreadable .env")
def test_dotenv_without_read_permission(no_key_in_environment, server):
    path = no_key_in_environment / ".env"
    path.write_text("DEEPSEEK_API_KEY=sk-unreadable-0123456789\n")
    path.chmod(0)
    try:
        refused_before_sending(server, e.MissingKeyError, "deepseek", "hi")
    finally:
        path.chmod(0o600)


def test_dotenv_with_a_malformed_key(no_key_in_environment, server):
    (no_key_in_environment / ".env").write_text('DEEPSEEK_API_KEY="sk-with space-0123456789"\n')
    refused_before_sending(server, e.ConfigurationError, "deepseek", "hi")


# -- nothing is sent that the user did not ask for ------------------------------------------
def test_another_providers_key_is_never_sent(server, monkeypatch, fake_provider):
    """ChatAnywhere reads no OPENAI_API_KEY: an OpenAI key must not travel to a relay."""
    relay = fake_provider("chatanywhere")
    monkeypatch.delenv("CHATANYWHERE_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-stay-home-0123456789")
    monkeypatch.setenv("HF_API_KEY", "hf_mustStayHome0123456789")
    with pytest.raises(e.MissingKeyError):
        llm_magic.ask("chatanywhere", "hi")
    assert relay.request_count == 0 and server.attempts == 0


def test_the_request_carries_only_what_was_asked(server):
    llm_magic.ask("deepseek", "只发这一句", temperature=0.5,
                  messages=[{"role": "user", "content": "q"},
                            {"role": "assistant", "content": "a", "reasoning_content": "secret thoughts"}])
    sent = server.requests[-1]
    assert sent.body == {
        "model": llm_magic.get_provider("deepseek").default_model(),
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                     {"role": "user", "content": "只发这一句"}],
        "temperature": 0.5,
    }
    names = {name.lower() for name in sent.headers}
    assert names <= {"host", "user-agent", "accept-encoding", "accept", "connection", "content-type",
                     "content-length", "authorization"}, names
    assert sent.headers["Authorization"] == f"Bearer {server.key}"
    assert server.request_count == 1
