"""Prices in the provider's currency: DeepSeek's peak hours, cache hits, the answer's own cost."""

from __future__ import annotations

import datetime as dt

import pytest

import llm_magic
from llm_magic.answer import Answer
from llm_magic.engine import prices, usage
from llm_magic.loopback import Reply
from llm_magic.providers.facts import BEIJING, PeakHours

MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=BEIJING)   # peak
MONDAY_20 = dt.datetime(2026, 12, 7, 20, 0, tzinfo=BEIJING)   # off-peak
MILLION = 1_000_000


@pytest.fixture(autouse=True)
def course_prices(monkeypatch):
    monkeypatch.setattr(prices, "PRICES", {})
    usage.ledger.reset()
    yield
    usage.ledger.reset()


def served(prompt: int, completion: int, **extra) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion, **extra}


def test_deepseek_flash_in_yuan_doubles_at_peak_hours():
    price = prices.price_for("deepseek", "deepseek-flash")
    assert (price.input, price.output, price.cached_input, price.currency) == (1.0, 4.0, 0.02, "CNY")
    assert price.read_on == "2026-12-01" and "api-docs.deepseek.com" in price.source
    one_each = {"prompt_tokens": MILLION, "completion_tokens": MILLION}
    assert prices.cost(price, one_each, MONDAY_20) == pytest.approx(5.0)
    assert prices.cost(price, one_each, MONDAY_10) == pytest.approx(10.0)
    assert prices.cost(price, one_each) == pytest.approx(10.0)   # no time given: the dearest hour


def test_cache_hits_are_charged_at_the_cache_price():
    price = prices.price_for("deepseek", "deepseek-flash")
    hits = {"prompt_tokens": MILLION, "completion_tokens": 0, "cached_tokens": 900_000}
    assert prices.cost(price, hits, MONDAY_20) == pytest.approx(0.1 * 1.0 + 0.9 * 0.02)


def test_the_answer_carries_its_cost_from_the_reported_cache_hits(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("好", usage=served(
        2_000, 1_000, prompt_cache_hit_tokens=1_500, prompt_cache_miss_tokens=500)))
    answer = llm_magic.ask("deepseek", "你好")
    off_peak = (500 * 1.0 + 1_500 * 0.02 + 1_000 * 4.0) / MILLION
    assert answer.currency == "CNY" and answer.cost in (pytest.approx(off_peak), pytest.approx(2 * off_peak))
    assert answer.metadata()["cost"] == answer.cost


def test_usage_prices_each_call_at_its_own_hour():
    answer = Answer("x", usage=served(MILLION, 0), provider="deepseek", model="deepseek-flash")
    usage.ledger.record(answer, at=MONDAY_10)
    usage.ledger.record(answer, at=MONDAY_20)
    [row] = usage.ledger.summary()
    assert row.currency == "CNY" and row.cost == pytest.approx(2.0 + 1.0)


def test_a_course_price_still_wins_and_may_have_peak_hours():
    prices.set_price("deepseek", "deepseek-flash", input=2.0, output=8.0, currency="CNY", read_on="2026-12-02",
                     peak=PeakHours(((0, 24),), 3.0, weekdays_only=False))
    answer = Answer("x", usage=served(MILLION, 0), provider="deepseek", model="deepseek-flash")
    found = prices.answer_cost(answer, MONDAY_20)
    assert found is not None and found.amount == pytest.approx(6.0) and found.peak


def test_unknown_stays_unknown_and_replays_cost_nothing():
    assert prices.answer_cost(Answer("x", usage=served(10, 10), provider="huggingface",
                                     model="openai/gpt-oss-20b:cheapest")) is None
    replay = Answer("x", usage=served(10, 10), provider="deepseek", model="deepseek-flash", replayed=True)
    assert prices.answer_cost(replay) is None


def test_openai_prices_are_dollars():
    price = prices.price_for("openai", "gpt-6.1-terra")
    assert (price.input, price.output, price.currency) == (1.0, 5.0, "USD")


def test_the_most_a_call_can_cost_uses_the_cap_and_the_peak():
    price = prices.price_for("deepseek", "deepseek-flash")
    assert prices.most_it_can_cost(price, 1_000, 500) == pytest.approx(2 * (1_000 * 1.0 + 500 * 4.0) / MILLION)
    assert prices.most_it_can_cost(price, 1_000, None) is None
    assert prices.most_it_can_cost(prices.price_for("huggingface", "x"), 1_000, 10) is None
