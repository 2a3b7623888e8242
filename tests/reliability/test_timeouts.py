"""Timeouts count tokens: a steady answer is never cut, a silent or keep-alive-only one always ends.

Every server here is a raw socket on 127.0.0.1 (``tests.harness.hostile``). The bounds are small
(0.3–0.6 s) and set per test; times are checked only as "ended within the bound plus the matrix's
margin", never as "took less than".
"""

from __future__ import annotations

import time

import pytest

import llm_magic
from llm_magic import errors
from llm_magic.engine import usage
from llm_magic.loopback import Reply
from tests.harness.hostile import (
    HostileServer,
    keepalive_after_first_words,
    sse_events,
    stall_after_first_words,
    steady_answer,
)
from tests.harness.shell import run

from .matrix import ANSWER, MARGIN

KEY = "sk-test-timeouts-0000000000001"


@pytest.fixture(autouse=True)
def fresh_ledger():
    usage.ledger.reset()
    yield
    usage.ledger.reset()


def _serve(monkeypatch, script, **options) -> HostileServer:
    server = HostileServer(script, text=ANSWER, **options)
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", server.base_url)
    return server


def _cut(**options) -> tuple[errors.RequestTimeoutError, float]:
    started = time.monotonic()
    with pytest.raises(errors.RequestTimeoutError) as caught:
        llm_magic.ask("deepseek", "什么是机器学习？", stream=True, max_retries=0, **options)
    return caught.value, time.monotonic() - started


def test_a_steady_stream_longer_than_the_first_wait_arrives_whole(monkeypatch):
    with _serve(monkeypatch, steady_answer, every=0.05):
        started = time.monotonic()
        answer = llm_magic.ask("deepseek", "hi", stream=True, timeout=0.3)
    assert answer == ANSWER and time.monotonic() - started > 0.3  # it ran past the bound, and was not cut
    assert not answer.usage.get("estimated")


def test_keepalive_only_ends_at_the_first_wait(monkeypatch):
    with _serve(monkeypatch, keepalive_after_first_words, words=0, every=0.02):
        error, seconds = _cut(timeout=0.5)
    assert seconds < 0.5 + MARGIN and error.partial is None
    assert "did not begin within 0.5 seconds" in error.message and "keep-alive" in error.message
    message, hint = error.texts("zh")
    assert "0.5 秒内回答没有开始" in message and "--timeout 秒数" in hint


@pytest.mark.parametrize("script", [keepalive_after_first_words, stall_after_first_words],
                         ids=["keep-alive after words", "silence after words"])
def test_an_answer_that_stops_ends_at_the_silence_bound_with_its_part_billed(monkeypatch, script):
    """Keep-alives and empty events do not re-arm the bound; the first wait (5 s) is not what ends it."""
    monkeypatch.setattr(llm_magic.settings, "idle_timeout", 0.3)
    with _serve(monkeypatch, script):
        error, seconds = _cut(timeout=5)
    assert seconds < 0.3 + MARGIN
    assert error.partial and ANSWER.startswith(str(error.partial))
    assert error.partial.usage["estimated"] and error.partial.usage["completion_tokens"] > 0
    (row,) = usage.ledger.summary()
    assert row.calls == 1 and row.calls_estimated == 1
    assert "no new token for 0.3 seconds" in error.message
    assert "LLMMagics.idle_timeout" in error.hint and "kept" in error.hint
    assert "已经 0.3 秒没有收到新的 token" in error.texts("zh")[0]


def test_a_short_timeout_also_bounds_the_silence_and_its_hint_says_so(monkeypatch):
    with _serve(monkeypatch, stall_after_first_words):
        error, seconds = _cut(timeout=0.3)  # idle_timeout stays 60: --timeout 0.3 caps it
    assert seconds < 0.3 + MARGIN and error.partial
    assert "no new token for 0.3 seconds" in error.message and "--timeout SECONDS" in error.hint
    assert "--timeout 秒数" in error.texts("zh")[1]


def test_max_time_cuts_a_steady_stream_and_keeps_its_part(monkeypatch):
    with _serve(monkeypatch, steady_answer, every=0.1):
        error, seconds = _cut(max_time=0.4)
    assert seconds < 0.4 + MARGIN
    assert error.partial and ANSWER.startswith(str(error.partial)) and error.partial != ANSWER
    assert error.partial.usage["estimated"]
    assert "--max-time of 0.4 seconds" in error.message and "--max-time 秒数" in error.texts("zh")[1]


def test_max_time_is_checked_like_the_timeout(fake_provider):
    fake_provider("deepseek")
    for wrong in (0, -1, "soon", 1e-9):
        with pytest.raises(errors.ConfigurationError, match="max_time"):
            llm_magic.ask("deepseek", "hi", max_time=wrong)


def test_the_magic_option_cuts_the_cell_and_usage_counts_it(monkeypatch, shell):
    with _serve(monkeypatch, steady_answer, every=0.1):
        result = shell.run_cell("%%llm deepseek --max-time 0.4\n什么是机器学习？")
    assert isinstance(result.error_in_exec, errors.RequestTimeoutError)
    kept = shell.user_ns["_llm"]
    assert kept and ANSWER.startswith(str(kept)) and kept.usage["estimated"]
    table = run(shell, "%llm_usage").outputs[-1].data["text/plain"]
    assert "≈" in table


def test_max_time_as_a_setting_and_a_traitlet(monkeypatch, shell):
    run(shell, "%config LLMMagics.max_time = 0.4")
    try:
        assert llm_magic.settings.max_time == 0.4
        with _serve(monkeypatch, steady_answer, every=0.1):
            error, _ = _cut()
        assert "--max-time" in error.message
    finally:
        run(shell, "%config LLMMagics.max_time = None")
    assert llm_magic.settings.max_time is None


def test_reasoning_tokens_count_as_tokens(fake_provider):
    """A reasoning model thinking aloud for longer than the first wait is answering, not silent."""
    fake_provider("deepseek").queue(Reply.answer("好。", reasoning=" ".join("想" * 12), delay=0.05))
    answer = llm_magic.ask("deepseek", "hi", stream=True, timeout=0.3)
    assert answer == "好。" and answer.reasoning.replace(" ", "") == "想" * 12


def _finish_then_silence(peer, text: str) -> None:
    """The whole answer and its finish reason, then neither [DONE] nor the end of the connection."""
    peer.head("200 OK", {"Content-Type": "text/event-stream", "Connection": "close"})
    if peer.send(b"".join(sse_events(text)[:-1])):
        peer.wait_closed(30)


def test_a_silence_after_the_finish_reason_ends_the_answer_whole(monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "idle_timeout", 0.3)
    with _serve(monkeypatch, _finish_then_silence):
        answer = llm_magic.ask("deepseek", "hi", stream=True)
    assert answer == ANSWER and answer.finish_reason == "stop" and not answer.usage.get("estimated")
