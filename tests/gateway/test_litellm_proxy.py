"""The gateway provider against a real LiteLLM proxy (pinned release, mock models, 127.0.0.1 only).

Without a database the proxy has no virtual keys: its master key stands for a student's key, and
/key/info answers 500, which --check reports as "no budget reported". Budgets are tested against
LiteLLM's own JSON in tests/providers/test_gateway.py.
"""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

import llm_magic
from llm_magic import errors
from llm_magic.events import RetryWait
from llm_magic.i18n import set_language
from tests.harness.litellm import PROXY_KEY, no_key_in
from tests.harness.shell import run, shown


def test_models_are_the_gateways_aliases(shell, gateway):
    ran = run(shell, "%llm_models gateway")
    seen = ran.stdout + shown(ran) if ran.outputs else ran.stdout
    for name in ("deepseek-chat", "qwen-plus", "busy-model"):
        assert name in seen
    assert no_key_in(seen, PROXY_KEY)


def test_a_cell_streams_the_answer_through_the_gateway(shell, gateway):
    ran = run(shell, "%%llm gateway -m qwen-plus\n用一句话介绍你自己。")
    answer = shell.user_ns["_llm"]
    assert answer.text == "你好，这是学校网关的回答。"
    assert answer.usage is not None and answer.usage["total_tokens"] > 0
    assert "你好，这是学校网关的回答。" in shown(ran)
    assert no_key_in(shown(ran) + ran.stdout, PROXY_KEY)


def test_ask_without_streaming(gateway):
    assert llm_magic.ask("gateway:deepseek-chat", "Say hello.").text == "Hello from the class gateway."


def test_the_key_check_passes_and_says_no_budget_is_reported(shell, gateway):
    with capture_output() as captured:
        shell.run_cell("%llm_key gateway --check").raise_error()
    assert "accepted the key; 3 models" in captured.stdout
    assert "does not report a budget for this key" in captured.stdout  # no database: /key/info is a 500
    assert no_key_in(captured.stdout, PROXY_KEY)


def test_the_proxys_429_is_retried_then_explained(gateway):
    events: list[object] = []
    with pytest.raises(errors.RateLimitError) as raised:
        for event in llm_magic.stream_events("gateway:busy-model", "hi", max_retries=1):
            events.append(event)
    assert sum(isinstance(event, RetryWait) for event in events) == 1
    assert raised.value.status == 429 and raised.value.retryable


def test_an_unknown_model_points_to_the_list(gateway):
    with pytest.raises(errors.BadRequestError) as raised:
        llm_magic.ask("gateway:gpt-9", "hi")
    assert "%llm_models gateway" in raised.value.texts("en")[1]


def test_a_wrong_key_is_refused_and_never_shown(gateway, monkeypatch):
    wrong = "sk-wrong-key-for-the-gateway-0000"
    monkeypatch.setenv("LLM_GATEWAY_API_KEY", wrong)
    set_language("both")
    with pytest.raises(errors.LLMError) as raised:
        llm_magic.ask("gateway:deepseek-chat", "hi")
    assert no_key_in(str(raised.value) + raised.value.hint, wrong)


def test_the_proxy_made_no_outbound_call(gateway):
    """Run last in this file: every call above went through the proxy; none of them left the machine."""
    llm_magic.ask("gateway:qwen-plus", "hi")
    assert gateway.trap.connections == 0, gateway.log.read_text()[-2000:]
