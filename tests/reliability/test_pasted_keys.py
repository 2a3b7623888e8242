"""A key pasted into a prompt is refused before it is sent, and with ``--allow-secrets`` it is
sent but never written unmasked to an output, ``_llm``, the replay cache, ``%llm_history`` or
the notebook metadata. (The loopback server's answer repeats the prompt: a worst-case model.)"""

from __future__ import annotations

import json
import sqlite3

import pytest

import llm_magic
from llm_magic import errors
from llm_magic.secrets import mask
from tests.harness.shell import run

OTHER_KEY = "sk-test-PASTED-bailian-0123456789abcdef"  # a key the kernel knows, for another provider
SHAPED = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF"  # never seen, shaped like an OpenAI key
HF = "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"


def windows(key: str) -> set[str]:
    return {key[i:i + 8] for i in range(len(key) - 7)}


def shows(text: str, key: str) -> bool:
    return any(window in text for window in windows(key))


@pytest.mark.parametrize("pasted", [OTHER_KEY, SHAPED, HF])
def test_a_pasted_key_is_refused_before_sending(shell, fake_provider, monkeypatch, pasted):
    server = fake_provider("deepseek")
    monkeypatch.setenv("BAILIAN_API_KEY", OTHER_KEY)
    with pytest.raises(errors.ConfigurationError, match="--allow-secrets") as caught:
        run(shell, f"%%llm deepseek\n请帮我看看这个 Key 为什么不能用：{pasted}")
    assert server.request_count == 0
    message, hint = caught.value.texts("zh")
    assert "疑似 API Key" in message and mask(pasted) in message and "--allow-secrets" in hint
    assert not shows(str(caught.value) + message + hint, pasted)


def test_a_key_inserted_with_braces_is_caught_after_interpolation(shell, fake_provider):
    server = fake_provider("deepseek")
    shell.user_ns["secret"] = SHAPED
    with pytest.raises(errors.ConfigurationError, match="looks like an API Key"):
        run(shell, "%%llm deepseek\nMy key is {secret}")
    assert server.request_count == 0


def test_the_python_api_and_extra_body_are_checked_too(fake_provider, monkeypatch):
    server = fake_provider("deepseek")
    monkeypatch.setenv("BAILIAN_API_KEY", OTHER_KEY)
    with pytest.raises(errors.ConfigurationError, match="allow_secrets=True"):
        llm_magic.ask("deepseek", f"key: {OTHER_KEY}")
    with pytest.raises(errors.ConfigurationError, match="looks like an API Key"):
        llm_magic.ask("deepseek", "hi", extra_body={"user": SHAPED})
    with pytest.raises(errors.ConfigurationError, match="looks like an API Key"):
        llm_magic.ask("deepseek", "hi", messages=[{"role": "user", "content": HF}])
    assert server.request_count == 0
    assert llm_magic.ask("deepseek", "scikit-learn uses sk-learn style names, hf_hub too")  # ordinary text


def test_allow_secrets_sends_but_nothing_keeps_the_key(shell, fake_provider, monkeypatch, tmp_path):
    server = fake_provider("deepseek")
    monkeypatch.setenv("BAILIAN_API_KEY", OTHER_KEY)
    cache_path = tmp_path / "replay.sqlite"
    llm_magic.settings.cache_path = str(cache_path)
    captured = run(shell, f"%%llm deepseek --allow-secrets --chat --cache\nWhy is {OTHER_KEY} rejected?")
    assert server.request_count == 1 and OTHER_KEY in json.dumps(server.requests[-1].body)  # sent, as asked
    history = run(shell, "%llm_history")
    seen = {
        "outputs": json.dumps([(o.data, o.metadata) for o in captured.outputs], ensure_ascii=False),
        "_llm": shell.user_ns["_llm"].text + repr(shell.user_ns["_llm"]),
        "history": json.dumps([o.data for o in history.outputs], ensure_ascii=False) + history.stdout,
        "cache": "\n".join(str(row) for row in sqlite3.connect(cache_path).execute("SELECT * FROM answers")),
    }
    assert OTHER_KEY[:10] in server.requests[-1].body["messages"][-1]["content"]
    assert mask(OTHER_KEY) in seen["_llm"]  # the model repeated it: shown masked
    for where, text in seen.items():
        assert text and not shows(text, OTHER_KEY), where
