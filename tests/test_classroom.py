"""``llm_magic.classroom()``: stand-ins on 127.0.0.1 that the magics, %llm_key and a hand-written
``requests.post`` all reach through the provider's own variables; stop() puts everything back."""

from __future__ import annotations

import os

import pytest
import requests

import llm_magic
from llm_magic.keys.lookup import ENTERED, ENVIRONMENT, lookup_key
from llm_magic.providers import get_provider
from tests.harness.shell import run, sent_prompt


def test_a_stand_in_deepseek_is_reached_by_the_magic_and_by_hand(shell, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://127.0.0.1:9")  # what the notebook tests set
    with llm_magic.classroom("deepseek") as room:
        server = room["deepseek"]
        assert os.environ["DEEPSEEK_BASE_URL"] == server.base_url == room.base_url
        assert lookup_key(get_provider("deepseek")).source == ENVIRONMENT and room.key_var == "DEEPSEEK_API_KEY"
        run(shell, "%%llm deepseek\n用三句话解释什么是机器学习")
        assert sent_prompt(server) == "用三句话解释什么是机器学习"
        assert "机器学习" in shell.user_ns["_llm"]  # the demo's answers
        by_hand = requests.post(room.base_url + "/chat/completions", timeout=10,
                                headers={"Authorization": f"Bearer {os.environ[room.key_var]}"},
                                json={"model": "deepseek-flash", "messages": [{"role": "user", "content": "你好"}]})
        assert by_hand.status_code == 200 and by_hand.json()["choices"][0]["message"]["content"]
        assert server.key and server.key not in repr(room) and "sk-…" in repr(room)
    assert os.environ["DEEPSEEK_BASE_URL"] == "http://127.0.0.1:9" and "DEEPSEEK_API_KEY" not in os.environ
    assert not server.running


def test_the_default_is_a_provider_called_classroom(shell):
    room = llm_magic.classroom(replies="receipt")
    try:
        run(shell, '%%llm classroom -s "简短" -t 0\n什么是机器学习？')
        answer = shell.user_ns["_llm"]
        assert answer.startswith("> 替身收到 / received: system = '简短'; temperature = 0")
        assert "机器学习就是让计算机从例子中总结规律。" in answer
    finally:
        room.stop()
    assert "CLASSROOM_API_KEY" not in os.environ


def test_a_wrong_key_is_given_as_if_typed_and_forgotten_on_stop(shell):
    room = llm_magic.classroom("deepseek")
    try:
        room.give_wrong_key()
        found = lookup_key(get_provider("deepseek"))
        assert found.source == ENTERED and found.value == "wrong-key-for-practice"
        result = shell.run_cell("%llm_key deepseek --check")
        assert type(result.error_in_exec).__name__ == "AuthenticationError"
        run(shell, "%llm_key deepseek --forget")
        run(shell, "%llm_key deepseek --check")
    finally:
        room.stop()
    assert lookup_key(get_provider("deepseek")).value is None


def test_two_stand_ins_think_as_their_providers_do(shell):
    with llm_magic.classroom("deepseek", "bailian", replies="reasoning") as room:
        run(shell, "%%llm deepseek --no-think\n为什么天空是蓝色的？")
        assert room["deepseek"].last_request.body["thinking"] == {"type": "disabled"}
        assert shell.user_ns["_llm"].reasoning is None
        run(shell, "%%llm bailian --think\n为什么天空是蓝色的？")
        assert room["bailian"].last_request.body["enable_thinking"] is True and shell.user_ns["_llm"].reasoning


def test_an_unknown_script_is_refused_before_anything_starts():
    with pytest.raises(ValueError, match="demo, receipt, reasoning, introductions"):
        llm_magic.classroom("deepseek", replies="jokes")
    assert "DEEPSEEK_API_KEY" not in os.environ
