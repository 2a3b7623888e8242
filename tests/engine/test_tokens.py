"""Token estimates against the usage the loopback server reports for the demo's answers (within 15%)."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic.engine.tokens import estimate_tokens

PROMPTS = [
    "What is machine learning?", "用三句话解释什么是机器学习", "什么是机器学习？", "hello", "你好",
    "Write a python function", "写一段代码", "Tell me about the weather in Paris tomorrow",
    "请介绍一下北京的天气情况，以及明天要不要带伞",
]
TOLERANCE = 0.15


@pytest.mark.parametrize("model", ["demo-chat", "demo-reasoner"])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_estimates_are_within_15_percent_of_the_reported_usage(prompt, model):
    answer = llm_magic.ask("demo", prompt, model=model)
    prompt_estimate = estimate_tokens([{"role": "user", "content": prompt}])
    answer_estimate = estimate_tokens(answer.text) + estimate_tokens(answer.reasoning)
    assert prompt_estimate == pytest.approx(answer.usage["prompt_tokens"], rel=TOLERANCE)
    assert answer_estimate == pytest.approx(answer.usage["completion_tokens"], rel=TOLERANCE)


def test_long_runs_and_mixed_text():
    assert estimate_tokens("https://example.com/" + "a" * 100) == 10   # 120 characters, no space
    assert estimate_tokens("用 Python 写一个函数") == 4                 # 7 units, mostly CJK
    assert estimate_tokens([{"role": "user", "content": [{"type": "text", "text": "two words"}]}]) == 2 + 4
