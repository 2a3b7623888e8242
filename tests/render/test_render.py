"""The streaming display: one output updated in place, throttled to linear bytes, formats, footer."""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

from llm_magic.answer import Answer
from llm_magic.loopback import Reply
from llm_magic.render.document import bundle, footer_text
from llm_magic.render.formats import extract_code, fence, pretty_json
from llm_magic.render.notebook import NotebookView
from llm_magic.render.show import use_terminal
from llm_magic.render.state import StreamState
from llm_magic.render.throttle import Throttle
from tests.harness.shell import run, wire_bytes

WORDS = [f" token{i:04d}" for i in range(2000)]  # 2,000 stream parts, ~20 KB


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def simulate(parts: list[str], seconds_per_part: float) -> tuple[list, int, float]:
    """Feed ``parts`` through a NotebookView on a fake clock: (outputs, answer bytes, longest gap while short)."""
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = NotebookView(state, Throttle(clock=clock))
    with capture_output() as captured:
        view.start()
        for part in parts:
            clock.now += seconds_per_part
            state.add_text(part)
            view.changed()
        state.outcome = "done"
        state.answer = Answer(state.text, provider="deepseek", model="deepseek-flash", elapsed=clock.now)
        view.finish()
    return captured.outputs, len(state.text.encode()), clock.now


@pytest.mark.parametrize("seconds_per_part", [0.001, 0.02, 0.1, 1.0])
def test_total_bytes_stay_linear_whatever_the_speed(shell, seconds_per_part):
    outputs, answer_bytes, _ = simulate(WORDS, seconds_per_part)
    sent = sum(len(v.encode()) for o in outputs for v in o.data.values())
    assert sent <= 10 * answer_bytes, (len(outputs), sent / answer_bytes)
    assert sum(not o.update for o in outputs) == 1


def test_short_answers_refresh_at_least_twice_a_second(shell):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = NotebookView(state, Throttle(clock=clock))
    with capture_output() as captured:
        view.start()
        times = []
        for part in WORDS[:150]:  # ~1.5 KB arriving over 3 s
            clock.now += 0.02
            state.add_text(part)
            before = len(captured.outputs)
            view.changed()
            if len(captured.outputs) > before:
                times.append(clock.now)
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert max(gaps) <= 0.5 and min(gaps) >= 0.25


def test_throttle_budget_rule():
    clock = FakeClock()
    throttle = Throttle(min_interval=0.25, budget=6, clock=clock)
    assert throttle.due(100)
    throttle.record(100)
    assert not throttle.ready()  # too soon
    clock.now = 1
    assert throttle.due(100) and throttle.allows(20) and not throttle.allows(19)  # 100 + 19 > 6 × 19


def test_slow_2000_token_stream_is_one_output_with_few_updates(shell, deepseek):
    deepseek.queue(Reply.answer("".join(WORDS).strip(), delay=0.001))
    captured = run(shell, "%%llm deepseek\nwrite 2000 tokens")
    answer = shell.user_ns["_llm"]
    first, *updates = captured.outputs
    assert not first.update and all(o.update for o in updates)
    elapsed = answer.elapsed
    assert len(captured.outputs) <= 2 + elapsed / 0.25 + 1  # never faster than 4 redraws a second
    assert wire_bytes(captured) <= 10 * len(answer.encode())
    print(f"\n2,000-token stream: {len(captured.outputs)} display messages, {wire_bytes(captured):,} bytes "
          f"for a {len(answer.encode()):,}-byte answer in {elapsed:.1f} s")


def test_metadata_is_on_every_message(shell, deepseek):
    captured = run(shell, "%%llm deepseek -t 0.1\nhi")
    assert all(o.metadata["llm_magic"]["parameters"] == {"temperature": 0.1} for o in captured.outputs)


def test_use_terminal_follows_the_display_publisher(shell):
    assert use_terminal(shell)  # IPython's plain publisher prints text: a terminal
    with capture_output():
        assert not use_terminal(shell)  # a capturing (or kernel) publisher takes rich output
    assert use_terminal(shell, "terminal") and not use_terminal(shell, "notebook")


def test_plain_shell_without_capture_prints_like_a_terminal(shell, deepseek, capsys):
    deepseek.queue(Reply.answer("printed once"))
    shell.run_cell("%%llm deepseek\nhi")
    out = capsys.readouterr().out
    assert out.count("printed once") == 1 and "deepseek · deepseek-flash" in out


def test_fence_survives_backticks_and_code_extraction():
    assert fence("a ``` b", "md").startswith("````md\n")
    assert extract_code("Use:\n```js\nlet a = 1\n```\nand\n```\nlet b\n```") == ("let a = 1\n\nlet b", "js")
    assert extract_code("x = 1") == ("x = 1", "python")


def test_pretty_json():
    assert pretty_json('[1,{"a":"中"}]') == ('[\n  1,\n  {\n    "a": "中"\n  }\n]', None)
    pretty, problem = pretty_json("{nope")
    assert pretty is None and "line 1" in problem


def test_footer_flags():
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash", outcome="interrupted")
    state.answer = Answer("x", provider="deepseek", model="deepseek-v4-pro", elapsed=1.25, replayed=True,
                          finish_reason="length", usage={"prompt_tokens": 5, "completion_tokens": 7})
    assert footer_text(state) == ("deepseek · deepseek-v4-pro · 5 → 7 tokens · 1.2 s · replayed · interrupted · "
                                  "cut at max_tokens (finish_reason length)")


def test_waiting_placeholder_and_reasoning_states():
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    assert "Waiting for DeepSeek (deepseek-flash)" in bundle(state)["text/markdown"]
    state.add_reasoning("hmm\n\nyes")
    assert "<details open>" in bundle(state)["text/markdown"] and "hmm<br><br>yes" in bundle(state)["text/markdown"]
    state.add_text("Answer")
    markdown = bundle(state)["text/markdown"]
    assert "<details>" in markdown and markdown.endswith("Answer") and "text/plain" not in bundle(state)


# -- the retry line, as a teacher would say it --------------------------------------------------
def test_the_retry_line_in_chinese_names_the_status_the_wait_and_the_count():
    from llm_magic.errors import RateLimitError, ServerError
    from llm_magic.events import RetryWait
    from llm_magic.i18n import set_language
    from llm_magic.render.show import retry_notice

    set_language("zh")
    try:
        assert retry_notice(RetryWait(1, 1.0, RateLimitError("x", status=429), 2)) == \
            "⏳ 请求过于频繁（HTTP 429），1 秒后自动重试（第 1 次，共 2 次）。"
        assert retry_notice(RetryWait(2, 0.74, ServerError("x", status=503), 2)) == \
            "⏳ 服务器出错（HTTP 503），0.7 秒后自动重试（第 2 次，共 2 次）。"
        set_language("both")
        assert retry_notice(RetryWait(1, 1.0, RateLimitError("x", status=429), 2)) == (
            "⏳ 请求过于频繁（HTTP 429），1 秒后自动重试（第 1 次，共 2 次）。 / "
            "⏳ Too many requests (HTTP 429); trying again in 1 s (retry 1 of 2).")
    finally:
        set_language("auto")
