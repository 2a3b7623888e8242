"""Side by side: several providers at once over real loopback HTTP."""

from __future__ import annotations

import time

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.answer import Answer
from llm_magic.engine import compare, usage
from llm_magic.events import Finished, TextDelta
from llm_magic.loopback import Reply


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "backoff", 0.01)
    monkeypatch.setattr(usage, "limits", usage.Limits())
    usage.ledger.reset()
    yield
    usage.ledger.reset()


def test_wall_time_is_the_slowest_not_the_sum(fake_provider):
    fast, slow = fake_provider("deepseek"), fake_provider("bailian")
    fast.default_reply = Reply.answer("fast answer", first_delay=0.5)
    slow.default_reply = Reply.answer("slow answer", first_delay=0.9)
    started = time.monotonic()
    llm_magic.ask("deepseek", "one at a time")
    llm_magic.ask("bailian", "one at a time")
    one_after_the_other = time.monotonic() - started

    started = time.monotonic()
    results = llm_magic.ask_many(["deepseek", "bailian"], "together")
    together = time.monotonic() - started

    assert results == {"deepseek": "fast answer", "bailian": "slow answer"}
    assert all(isinstance(a, Answer) for a in results.values())
    assert together < one_after_the_other * 0.85, (together, one_after_the_other)
    # both requests were on the wire at the same time
    assert abs(fast.requests[-1].received_at - slow.requests[-1].received_at) < 0.4


def test_one_failing_provider_leaves_the_others_intact(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("深度求索的回答", first_delay=0.2))
    fake_provider("bailian").queue(Reply.error("auth"))
    results = compare.ask_many(["deepseek", "bailian"], "你好", max_retries=0)
    assert results["deepseek"] == "深度求索的回答" and results["deepseek"].provider == "deepseek"
    assert isinstance(results["bailian"], e.AuthenticationError)
    assert results["bailian"].provider == "bailian"


def test_a_missing_key_fails_only_its_own_slot(fake_provider):
    fake_provider("deepseek")
    results = compare.ask_many(["deepseek", "chatanywhere"], "hi")
    assert isinstance(results["deepseek"], Answer)
    assert isinstance(results["chatanywhere"], e.MissingKeyError)


def test_labels_are_the_specs_and_repeats_are_numbered(fake_provider):
    server = fake_provider("deepseek")
    results = compare.ask_many(["deepseek", "deepseek:deepseek-v4-pro", "deepseek"], "hi")
    assert list(results) == ["deepseek", "deepseek:deepseek-v4-pro", "deepseek#2"]
    assert sorted(r.body["model"] for r in server.requests) == ["deepseek-flash", "deepseek-flash", "deepseek-v4-pro"]
    with pytest.raises(e.ConfigurationError):
        compare.labels_for("deepseek")
    with pytest.raises(e.ConfigurationError):
        compare.labels_for([])


def test_stream_many_interleaves_events_as_they_arrive(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("a b c d", delay=0.05))
    fake_provider("bailian").queue(Reply.answer("slow start", first_delay=0.6))
    pairs = list(compare.stream_many(["deepseek", "bailian:qwen-max"], "go"))
    labels = [label for label, _ in pairs]
    assert set(labels) == {"deepseek", "bailian:qwen-max"}
    # the fast provider finished before the slow one sent anything
    fast_done = next(i for i, (label, ev) in enumerate(pairs) if label == "deepseek" and isinstance(ev, Finished))
    assert fast_done < labels.index("bailian:qwen-max")
    text = {label: "".join(ev.text for l2, ev in pairs if l2 == label and isinstance(ev, TextDelta))
            for label in set(labels)}
    assert text == {"deepseek": "a b c d", "bailian:qwen-max": "slow start"}
    finished = {label: item.answer for label, item in pairs if isinstance(item, Finished)}
    assert finished == {"deepseek": "a b c d", "bailian:qwen-max": "slow start"}


def test_stream_many_reports_an_error_as_the_last_item_of_its_label(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("fine", first_delay=0.2))
    fake_provider("bailian").queue(Reply.error("balance"))
    pairs = list(compare.stream_many(["deepseek", "bailian"], "hi", max_retries=0))
    bailian = [item for label, item in pairs if label == "bailian"]
    assert len(bailian) == 1 and isinstance(bailian[0], e.InsufficientBalanceError)
    assert isinstance(pairs[-1][1], Finished) and pairs[-1][1].answer == "fine"


def test_closing_stream_many_early_does_not_wait_for_slow_providers(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("quick"))
    fake_provider("bailian").queue(Reply.answer("one two three four five six", delay=0.3))
    started = time.monotonic()
    stream = compare.stream_many(["deepseek", "bailian"], "hi")
    for label, event in stream:
        if label == "deepseek" and isinstance(event, Finished):
            break
    stream.close()
    assert time.monotonic() - started < 1.2
