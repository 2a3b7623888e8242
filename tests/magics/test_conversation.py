"""Conversations: the right history goes out with each turn, reasoning never does."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.answer import Answer
from llm_magic.engine.client import stream_events
from llm_magic.engine.target import resolve
from llm_magic.engine.tokens import estimate_tokens
from llm_magic.events import Finished
from llm_magic.loopback import Reply
from llm_magic.magics import conversation
from llm_magic.providers.facts import UNKNOWN_CONTEXT, ContextLimit


@pytest.fixture(autouse=True)
def fresh_conversations():
    conversation.reset()
    yield
    conversation.reset()


def turn(spec: str, prompt: str, chat: str | None = None, **options) -> Answer:
    """One ``%%llm SPEC --chat [NAME]`` turn, as the module docstring tells the cell runner to do it."""
    target = resolve(spec)
    name = conversation.name_for(target, chat)
    conversation.check_context(name, prompt, target, system=options.get("system"))
    answer = None
    for event in stream_events(spec, prompt, messages=conversation.history_for(name), **options):
        if isinstance(event, Finished):
            answer = event.answer
    conversation.record(name, prompt, answer)
    return answer


def test_each_turn_sends_the_history_without_reasoning(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("你好！我是助手。", reasoning="用户在打招呼。"),
                 Reply.answer("你刚才说了你好。", reasoning="回顾上一轮。"))
    first = turn("deepseek", "你好", think=True, system="简洁地回答")
    assert first.reasoning == "用户在打招呼。"
    turn("deepseek", "我刚才说了什么？", think=True, system="简洁地回答")
    sent = server.requests[-1].body["messages"]
    assert sent == [
        {"role": "system", "content": "简洁地回答"},
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！我是助手。"},
        {"role": "user", "content": "我刚才说了什么？"},
    ]
    assert "用户在打招呼" not in str(server.requests[-1].body)
    assert all(set(m) == {"role", "content"} for m in conversation.history_for("deepseek"))


def test_conversations_are_named_by_provider_or_by_choice(fake_provider):
    fake_provider("deepseek")
    fake_provider("bailian")
    turn("deepseek", "one")
    turn("qwen:qwen-plus", "two")  # an alias: the conversation is called after the provider
    turn("deepseek", "three", chat="homework")
    assert conversation.names() == ["deepseek", "bailian", "homework"]
    assert [m["content"] for m in conversation.history_for("deepseek") if m["role"] == "user"] == ["one"]
    assert conversation.store.get("bailian").model == "qwen-plus"
    assert conversation.reset("deepseek") == ["deepseek"]
    assert conversation.history_for("deepseek") == []
    assert conversation.reset("nobody") == []
    assert sorted(conversation.reset()) == ["bailian", "homework"]
    assert conversation.names() == []


def test_show_is_a_readable_transcript(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("Paris."))
    turn("deepseek", "Capital of France?")
    text = conversation.show("deepseek")
    assert "[You]" in text and "Capital of France?" in text and "Paris." in text
    assert "No conversation called 'other'" in conversation.show("other")


def test_an_empty_answer_adds_no_turn():
    conversation.record("x", "hello", Answer(""))
    assert conversation.history_for("x") == []


def test_token_estimate_heuristic():
    assert estimate_tokens("") == 0
    assert estimate_tokens("word " * 100) == 100       # a word is about a token
    assert estimate_tokens("a" * 120) == 10            # a long run: one token per 12 characters
    assert estimate_tokens("机器学习" * 50) == 100      # mostly CJK: two characters a token
    assert estimate_tokens([{"role": "user", "content": "what is it"}]) == 3 + 4


def test_warning_before_sending_when_the_conversation_nears_the_limit(fake_provider):
    server = fake_provider("chatanywhere")
    assert context_limit("chatanywhere").tokens == 4096
    for _ in range(5):
        server.queue(Reply.answer("x " * 1500, chunk_size_words=100))  # ~3000 characters: ~750 tokens
        turn("chatanywhere", "tell me more")
    warning = conversation.check_context("chatanywhere", "and more", resolve("chatanywhere"))
    assert warning is not None and "chatanywhere" in warning.en and "%llm_reset chatanywhere" in warning.en
    assert "对话" in warning.zh
    # a free ChatAnywhere limit is not certain (paid keys allow more): never refused here
    conversation.check_context("chatanywhere", "x" * 100_000, resolve("chatanywhere"))
    assert conversation.check_context("fresh", "hi", resolve("chatanywhere")) is None


def test_certainly_over_a_sourced_limit_raises_before_sending(fake_provider, monkeypatch):
    server = fake_provider("deepseek")
    monkeypatch.setattr(llm_magic.get_provider("deepseek"), "context_limits",
                        (("deepseek", ContextLimit(100, True, "test limit")),))
    conversation.record("deepseek", "q " * 400, Answer("a " * 400))
    with pytest.raises(e.BadRequestError) as raised:
        turn("deepseek", "more")
    assert "%llm_reset deepseek" in raised.value.hint
    assert server.request_count == 0


def context_limit(spec: str) -> ContextLimit:
    target = resolve(spec)
    return target.provider.context_limit(target.model)


def test_known_context_sizes():
    assert context_limit("deepseek").tokens == 1_000_000
    assert context_limit("deepseek:deepseek-v4-pro").certain
    assert context_limit("bailian:qwen-plus").tokens == 131_072
    assert context_limit("openai:gpt-4o-mini").tokens == 128_000
    assert context_limit("ollama") == UNKNOWN_CONTEXT
    assert llm_magic.get_provider("deepseek").default_model().startswith("deepseek")
