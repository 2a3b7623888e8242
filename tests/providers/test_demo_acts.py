"""The demo's acted-out failures say they are acted out, and what the failure would mean with a real provider."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic import errors


@pytest.mark.parametrize("model, error, words", [
    ("error-401", errors.AuthenticationError, "acted out a rejected key"),
    ("error-402", errors.InsufficientBalanceError, "acted out an empty account"),
    ("error-403", errors.PermissionDeniedError, "acted out a refused request (HTTP 403); it needs no key"),
    ("cut", errors.NetworkError, "hung up halfway, on purpose; your network is fine"),
])
def test_each_acted_failure_says_so(model, error, words):
    with pytest.raises(error) as caught:
        llm_magic.ask(f"demo:{model}", "用三句话解释什么是机器学习", stream=True, max_retries=0)
    assert words in caught.value.hint
    assert "这是演示模式模拟的" in caught.value.texts("zh")[1]


def test_the_acted_timeout_says_so():
    with pytest.raises(errors.RequestTimeoutError) as caught:
        llm_magic.ask("demo:timeout", "你好", timeout=0.5, max_retries=0)
    assert "acted out a timeout" in caught.value.hint and "--timeout" in caught.value.hint


def test_a_real_providers_failure_keeps_its_own_hint(fake_provider):
    from llm_magic.loopback import Reply

    server = fake_provider("deepseek")
    server.queue(Reply.error("forbidden"))
    with pytest.raises(errors.PermissionDeniedError) as caught:
        llm_magic.ask("deepseek", "你好", max_retries=0)
    assert "acted out" not in caught.value.hint
