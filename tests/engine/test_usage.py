"""The session ledger, prices that stay unknown, and the guard rails checked before sending."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic.answer import Answer
from llm_magic.engine import cache, compare, prices, usage
from llm_magic.loopback import Reply


@pytest.fixture(autouse=True)
def fresh_ledger(monkeypatch):
    monkeypatch.setattr(usage, "limits", usage.Limits())
    monkeypatch.setattr(prices, "PRICES", {k: dict(v) for k, v in prices.PRICES.items()})
    usage.ledger.reset()
    yield
    usage.ledger.reset()


def served(prompt: int, completion: int, **extra) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion, **extra}


def test_sums_match_the_usage_the_servers_reported(fake_provider):
    deepseek, bailian = fake_provider("deepseek"), fake_provider("bailian")
    deepseek.queue(Reply.answer("a", usage=served(11, 5)), Reply.answer("b", usage=served(20, 7)),
                   Reply.answer("c", usage=served(3, 2)))
    bailian.queue(Reply.answer("d", usage=served(13, 8)))
    llm_magic.ask("deepseek", "one")
    llm_magic.ask("deepseek", "two", stream=True)
    compare.ask_many(["deepseek", "bailian:qwen-plus"], "three")
    rows = {(r.provider, r.model): r for r in usage.ledger.summary()}
    assert set(rows) == {("deepseek", "deepseek-flash"), ("bailian", "qwen-plus")}
    ds = rows["deepseek", "deepseek-flash"]
    assert (ds.calls, ds.prompt_tokens, ds.completion_tokens) == (3, 11 + 20 + 3, 5 + 7 + 2)
    qw = rows["bailian", "qwen-plus"]
    assert (qw.calls, qw.prompt_tokens, qw.completion_tokens, qw.total_tokens) == (1, 13, 8, 21)
    assert usage.ledger.total_tokens == 34 + 14 + 21


def test_unknown_prices_stay_unknown_and_free_is_zero(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("x", usage=served(1000, 1000)))
    llm_magic.ask("deepseek:deepseek-v9-preview", "hi")  # a model nobody priced
    llm_magic.ask("demo", "hi")
    rows = {r.provider: r for r in usage.ledger.summary()}
    assert rows["deepseek"].cost is None and rows["deepseek"].currency is None
    assert rows["demo"].cost == 0.0
    assert prices.price_for("bailian", "qwen3.6-plus").known is False
    assert prices.price_for("nobody", "x") is None
    assert prices.cost(None, served(1, 1)) is None


def test_a_price_set_for_the_course_gives_an_estimate(fake_provider):
    prices.set_price("deepseek", "*", input=2.0, output=8.0, cached_input=0.5, currency="CNY", read_on="2026-11-27")
    fake_provider("deepseek").queue(
        Reply.answer("x", usage=served(1_000_000, 500_000, prompt_cache_hit_tokens=400_000)))
    llm_magic.ask("deepseek", "hi")
    [row] = usage.ledger.summary()
    assert row.currency == "CNY" and row.price_read_on == "2026-11-27"
    assert row.cost == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.5 * 8.0)
    hf = prices.set_price("huggingface", "openai/gpt-oss-20b", input=0.1, output=0.3, currency="USD")
    assert prices.price_for("huggingface", "openai/gpt-oss-20b:cheapest") is hf
    with pytest.raises(ValueError):
        prices.set_price("deepseek", "*", input=-1, output=1, currency="CNY")
    with pytest.raises(ValueError):
        prices.set_price("deepseek", "*", input=1, output=1, currency="EUR")


def test_replayed_answers_and_missing_usage(fake_provider):
    usage.ledger.record(Answer("old", provider="deepseek", model="m", usage=served(5, 5), replayed=True))
    assert usage.ledger.summary() == []
    usage.ledger.record(Answer("no usage", provider="ollama", model="qwen3"))
    [row] = usage.ledger.summary()
    assert (row.calls, row.calls_without_usage, row.total_tokens) == (1, 1, 0)


def test_a_cached_replay_costs_nothing(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("x", usage=served(10, 10)))
    list(cache.cached_stream("deepseek", "q"))
    list(cache.cached_stream("deepseek", "q"))
    [row] = usage.ledger.summary()
    assert row.calls == 1 and row.total_tokens == 20


def test_budget_guard_raises_before_any_request(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("x", usage=served(60, 50)))
    usage.limits.max_tokens_per_session = 100
    compare.ask_many(["deepseek"], "first")  # 110 tokens: the budget is now used up
    count = server.request_count
    with pytest.raises(usage.SessionBudgetError) as raised:
        compare.ask_many(["deepseek", "deepseek"], "second")
    with pytest.raises(usage.SessionBudgetError):
        compare.stream_many(["deepseek"], "third")
    with pytest.raises(usage.SessionBudgetError):
        usage.check_before_send("fourth")
    assert server.request_count == count
    error = raised.value
    assert isinstance(error, llm_magic.LLMError) and "110" in error.message and "100" in error.message
    assert "max_tokens_per_session" in error.hint and "会话" in error.texts("zh")[0]
    assert "Traceback" not in "\n".join(error._render_traceback_())
    usage.limits.max_tokens_per_session = None
    assert usage.check_before_send("fine") is None


def test_a_very_long_prompt_gets_a_warning():
    usage.limits.long_prompt_tokens = 100
    assert usage.check_before_send("short") is None
    warning = usage.check_before_send("word " * 200)  # a word is about a token
    assert warning is not None and "200" in warning.en and "200" in warning.zh
    assert usage.check_before_send("hi", messages=[{"role": "user", "content": "长" * 300}]) is not None
    usage.limits.long_prompt_tokens = None
    assert usage.check_before_send("word " * 2000) is None


def test_an_answer_cut_or_stopped_is_counted_with_estimated_tokens(fake_provider):
    """A provider bills what it generated: a cut stream, ■, and a caller that stops reading all count."""
    from llm_magic import errors
    from llm_magic.engine.client import run_call
    from llm_magic.engine.request import prepare_call

    server = fake_provider("deepseek")
    long = " ".join(f"word{i}" for i in range(200))
    server.queue(Reply.fault("close_mid_event", after=6, text=long))
    with pytest.raises(errors.NetworkError) as cut:
        llm_magic.ask("deepseek", "hi", stream=True)
    assert cut.value.partial.usage["estimated"] and cut.value.partial.usage["completion_tokens"] > 0

    server.queue(Reply.answer(long, delay=0.001), Reply.answer(long, delay=0.001))
    events = run_call(prepare_call("deepseek", "hi", stream=True))
    next(event for event in events if hasattr(event, "text"))
    with pytest.raises(errors.Interrupted) as stopped:
        events.throw(KeyboardInterrupt())
    assert stopped.value.partial.interrupted and stopped.value.partial.usage["estimated"]
    events = run_call(prepare_call("deepseek", "hi", stream=True))
    next(event for event in events if hasattr(event, "text"))
    events.close()  # the caller stopped reading
    (row,) = usage.ledger.summary()
    assert row.calls == 3 and row.calls_estimated == 3 and row.calls_without_usage == 0
