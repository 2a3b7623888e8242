"""The footer's cost and its note on a reasoning model that spent --max-tokens thinking."""

from __future__ import annotations

from llm_magic.answer import Answer
from llm_magic.render.document import cost_text, footer_text
from llm_magic.render.state import StreamState


def state_of(answer: Answer) -> StreamState:
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    state.answer, state.outcome = answer, "done"
    return state


def test_cost_text_never_shows_a_misleading_zero():
    assert cost_text(0.0021, "CNY") == "≈ ¥0.0021"
    assert cost_text(0.000042, "USD") == "≈ $0.000042"
    assert cost_text(0.00000004, "USD") == "< $0.000001"
    assert cost_text(0.0123, "CNY") == "≈ ¥0.0123"
    assert cost_text(12.345, "CNY") == "≈ ¥12.35"
    assert cost_text(0.5, "EUR") == "≈ 0.5000 EUR"


def test_the_footer_carries_the_cost_but_not_for_a_replay_or_a_free_call():
    paid = Answer("ok", usage={"prompt_tokens": 3, "completion_tokens": 4}, cost=0.0021, currency="CNY")
    assert "3 → 4 tokens · ≈ ¥0.0021" in footer_text(state_of(paid))
    replayed = Answer("ok", cost=0.0021, currency="CNY", replayed=True)
    assert "¥" not in footer_text(state_of(replayed))
    free = Answer("ok", cost=0.0, currency=None)
    assert footer_text(state_of(free)).count("·") == 1  # provider · model only


def test_an_answer_cut_before_any_text_says_the_thinking_used_the_budget():
    thought = Answer("", reasoning="想一想……", finish_reason="length")
    assert "the thinking used all of --max-tokens" in footer_text(state_of(thought))
    cut = Answer("half an answ", finish_reason="length")
    assert "cut at max_tokens" in footer_text(state_of(cut))
