"""The gateway provider against a stand-in that answers with LiteLLM's own JSON (/key/info, budgets).

tests/gateway/ runs the same paths against the real, pinned LiteLLM proxy.
"""

from __future__ import annotations

import math

import pytest
from IPython.utils.capture import capture_output

import llm_magic
from llm_magic import errors
from llm_magic.engine.key_info import key_budget
from llm_magic.events import RetryWait
from llm_magic.i18n import set_language
from llm_magic.providers import get_provider
from llm_magic.providers.gateway import KeyBudget, key_budget_of
from tests.harness.litellm import budget_exceeded, key_info, no_key_in, rate_limited, stand_in

KEY = "sk-Gw7Yq2mT9vXc4LpR8sKd1a"


@pytest.fixture
def gateway(monkeypatch):
    with stand_in(KEY) as server:
        monkeypatch.setenv("LLM_GATEWAY_BASE_URL", server.base_url)
        monkeypatch.setenv("LLM_GATEWAY_API_KEY", KEY)
        monkeypatch.delenv("LLM_GATEWAY_MODEL", raising=False)
        yield server


def check(shell) -> str:
    with capture_output() as captured:
        shell.run_cell("%llm_key gateway --check").raise_error()
    return captured.stdout


def test_check_shows_what_the_key_spent_and_has_left(shell, gateway):
    gateway.info = (200, key_info(0.42, 2.0, key=KEY))
    said = check(shell)
    assert "accepted the key; 2 models" in said
    assert "Budget of this key: $0.42 spent of $2.00, $1.58 left." in said
    assert "It resets every 7 days, next on 2026-12-07 00:00 UTC." in said
    assert no_key_in(said, KEY)  # LiteLLM echoes the key in its reply: it is never shown
    info_calls = [seen for seen in gateway.seen if seen[1] == "/key/info"]
    assert len(info_calls) == 1  # at the proxy's root, the key in the header and not in the URL
    assert info_calls[0][2]["authorization"] == f"Bearer {KEY}"


def test_check_in_chinese(shell, gateway):
    gateway.info = (200, key_info(1.5, 1.5, duration="30d", reset_at=None))
    set_language("zh")
    said = check(shell)
    assert "这个 Key 的额度：共 $1.50，已用 $1.50，还剩 $0.00。每 30 天重置一次。" in said


def test_a_key_without_a_budget(shell, gateway):
    gateway.info = (200, key_info(0.1, None, duration=None, reset_at=None))
    assert "This key has no budget limit on the gateway; $0.10 spent so far." in check(shell)


@pytest.mark.parametrize("reply", [
    (500, {"error": {"message": "Internal Server Error, Database not connected.", "type": "internal_server_error",
                     "param": "None", "code": "500"}}),  # LiteLLM without its database
    (404, {"detail": "Not Found"}),  # another OpenAI-compatible gateway
    (200, "<html>login</html>"),
    (200, {"info": {"spend": "lots", "max_budget": 1}}),
])
def test_a_gateway_that_reports_no_budget_still_passes_the_check(shell, gateway, reply):
    gateway.info = reply
    said = check(shell)
    assert "accepted the key" in said and "does not report a budget for this key" in said


@pytest.mark.parametrize("info", [
    {"info": {"spend": math.nan, "max_budget": 1.0}},
    {"info": {"spend": True, "max_budget": 1.0}},
    {"info": {"spend": -3, "max_budget": 1.0}},
    {"info": []},
    [],
])
def test_hostile_numbers_are_not_a_budget(info):
    assert key_budget_of(info) is None


def test_odd_fields_are_dropped_not_shown():
    budget = key_budget_of({"info": {"spend": 0.5, "max_budget": math.inf, "budget_duration": "\x1b[31m7d",
                                     "budget_reset_at": "tomorrow"}})
    assert budget == KeyBudget(0.5, None, None, None)


def test_only_the_gateway_asks_for_a_budget(fake_provider):
    fake_provider("deepseek")
    assert key_budget("deepseek") is None


@pytest.mark.parametrize("status", [400, 422, 429])  # litellm 1.82, 1.110, and budget_exceeded_status_code=429
def test_a_spent_budget_says_ask_the_teacher_and_is_not_retried(gateway, status):
    gateway.chat = [budget_exceeded(2.01, 2.0, status)] * 3
    with pytest.raises(errors.InsufficientBalanceError) as raised:
        llm_magic.ask("gateway:deepseek-chat", "hi", max_retries=2)
    error = raised.value
    assert error.status == status and error.retryable is False
    assert "says the budget for this key is used up" in error.texts("en")[0]
    hint = error.texts("en")[1]
    assert "class budget for this key is used up" in hint and "ask your teacher" in hint.lower()
    assert "课堂额度已经用完" in error.texts("zh")[1] and "请联系老师" in error.texts("zh")[1]
    assert sum(path.endswith("/chat/completions") for _, path, _ in gateway.seen) == 1


def test_a_per_key_rate_limit_is_retried(gateway):
    gateway.chat = [rate_limited()]
    events = list(llm_magic.stream_events("gateway:qwen-plus", "hi", max_retries=1))
    assert any(isinstance(event, RetryWait) for event in events)
    assert sum(path.endswith("/chat/completions") for _, path, _ in gateway.seen) == 2


def test_a_cell_without_a_model_names_the_way_to_choose_one(shell, gateway):
    with capture_output():
        result = shell.run_cell("%%llm gateway\nhi")
    error = result.error_in_exec
    assert isinstance(error, errors.ConfigurationError)
    assert "has no default model" in error.texts("en")[0] and "%llm_models gateway" in error.texts("en")[1]


def test_the_default_model_from_the_teacher(gateway, monkeypatch):
    monkeypatch.setenv("LLM_GATEWAY_MODEL", "qwen-plus")
    assert llm_magic.ask("gateway", "hi").text == "Hello."


def test_no_address_says_where_to_set_it(monkeypatch):
    monkeypatch.delenv("LLM_GATEWAY_BASE_URL", raising=False)
    monkeypatch.setenv("LLM_GATEWAY_API_KEY", KEY)
    with pytest.raises(errors.ConfigurationError) as raised:
        llm_magic.ask("gateway:deepseek-chat", "hi")
    assert "address is not set" in raised.value.texts("en")[0]
    assert "LLM_GATEWAY_BASE_URL" in raised.value.texts("en")[1] and "老师给的地址" in raised.value.texts("zh")[1]


def test_the_address_from_config(shell, monkeypatch):
    with stand_in(KEY) as server:
        monkeypatch.delenv("LLM_GATEWAY_BASE_URL", raising=False)
        monkeypatch.setenv("LLM_GATEWAY_API_KEY", KEY)
        shell.run_cell(f"%config LLMMagics.base_urls = {{'gateway': '{server.base_url}'}}").raise_error()
        assert get_provider("gateway").base_url() == server.base_url
        assert get_provider("gateway").key_info_url(server.base_url) == server.base_url[:-3] + "/key/info"


def test_a_wrong_key_says_ask_the_teacher(gateway, monkeypatch):
    monkeypatch.setenv("LLM_GATEWAY_API_KEY", "sk-not-the-students-key-000")
    with pytest.raises(errors.AuthenticationError) as raised:
        llm_magic.ask("gateway:deepseek-chat", "hi")
    assert "ask your teacher" in raised.value.texts("en")[1] and "请老师重新发一个" in raised.value.texts("zh")[1]


def test_a_model_the_key_may_not_use_is_not_a_wrong_key(gateway):
    gateway.chat = [(401, {"error": {  # litellm 1.82's words and status
        "message": "key not allowed to access model. This key can only access models=['deepseek-chat']. "
                   "Tried to access qwen-max", "type": "key_model_access_denied", "param": "model", "code": "401"}})]
    with pytest.raises(errors.PermissionDeniedError) as raised:
        llm_magic.ask("gateway:qwen-max", "hi")
    assert "%llm_models gateway" in raised.value.texts("en")[1]
