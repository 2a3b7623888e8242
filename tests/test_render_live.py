"""The live widget view without a kernel: blocks drawn once, tail redrawn on time, plain Markdown at the end.

Without a kernel the router puts displays into the widgets' ``outputs`` (what a front end
would hold), so the view's drawing can be checked here; tests/test_kernel_live_view.py checks
the real iopub messages.
"""

from __future__ import annotations

import pytest

ipywidgets = pytest.importorskip("ipywidgets")

from IPython.utils.capture import capture_output
from test_magics_support import deepseek, final, ip, run, shown  # noqa: F401

from llm_magic.answer import Answer
from llm_magic.errors import RateLimitError
from llm_magic.events import RetryWait
from llm_magic.loopback import Reply
from llm_magic.render import retry_notice, use_widgets
from llm_magic.render.live import LiveView
from llm_magic.render.state import StreamState

TEXT = "".join(f"## Part {i}\n\nParagraph {i} has some words in it.\n\n- a{i}\n- b{i}\n\n" for i in range(40)) + "End."


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def markdown_of(output) -> str:
    return "".join(o["data"].get("text/markdown", "") for o in output.outputs)


def stream(view: LiveView, state: StreamState, clock: FakeClock, text: str, step: float, size: int = 7):
    """Feed ``text`` in pieces of ``size`` characters, ``step`` seconds apart; yield after each redraw."""
    for start in range(0, len(text), size):
        clock.now += step
        state.add_text(text[start:start + size])
        before = view.redraws
        view.changed()
        if view.redraws > before:
            yield clock.now


def test_finished_blocks_once_tail_redrawn_every_quarter_second(ip):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, ip, clock=clock)
    with capture_output() as captured:
        view.start()
        times = list(stream(view, state, clock, TEXT, 0.02))
        panel = view.panel
        assert panel is not None
        blocks = markdown_of(panel.answer.finished)
        tail = markdown_of(panel.answer.tail)
        made = list(view.widgets.made)
        state.outcome = "done"
        state.answer = Answer(state.text, provider="deepseek", model="deepseek-flash", elapsed=clock.now)
        view.finish()
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.25 and max(gaps) <= 0.3
    assert len(panel.answer.finished.outputs) == panel.answer.blocks > 100  # appended, never redrawn
    assert TEXT.startswith(blocks + tail) and len(blocks) > len(TEXT) * 0.9
    assert len(panel.answer.tail.outputs) <= 1
    first, swap, last = captured.outputs
    assert "Waiting for DeepSeek" in first.data["text/markdown"]
    assert "application/vnd.jupyter.widget-view+json" in swap.data and swap.update
    assert last.update and last.data["text/markdown"].startswith(TEXT) and "text/plain" in last.data
    assert all(widget.comm is None for widget in made)  # closed: no widget state outlives the cell


def test_reasoning_streams_open_then_collapses(ip):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-reasoner")
    view = LiveView(state, ip, clock=clock)
    with capture_output():
        view.start()
        state.add_reasoning("先想一想 <x>\n\n再想")
        view.changed()
        accordion = view.panel.accordion
        assert accordion.selected_index == 0 and "Thinking" in accordion.titles[0]
        thought = "".join(o["data"]["text/html"] for out in (view.panel.reasoning.finished, view.panel.reasoning.tail)
                          for o in out.outputs)
        assert "先想一想 &lt;x&gt;" in thought and "再想" in thought
        clock.now += 1
        state.add_text("答案")
        view.changed()
        assert accordion.selected_index is None and "Reasoning" in accordion.titles[0]
        state.outcome = "done"
        view.finish()


def test_retry_wait_shows_in_the_status_line(ip):
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, ip, clock=FakeClock())
    with capture_output():
        view.start()
        state.notice = retry_notice(RetryWait(1, 2.0, RateLimitError("Too many requests.")))
        view.changed(force=True)
        assert "Trying again in 2.0 s (retry 1)" in view.panel.status.value
        state.notice = None
        state.add_text("ok")
        view.changed(force=True)
        assert view.panel.status.value == ""
        state.outcome = "done"
        view.finish()


def test_use_widgets_needs_a_kernel_unless_forced(ip):
    assert not use_widgets(ip, "auto")  # a bare shell has no kernel
    assert use_widgets(ip, "widgets") and not use_widgets(ip, "redraw")


def test_forced_widgets_in_a_plain_shell_end_as_markdown(ip, deepseek):
    ip.run_line_magic("config", "LLMMagics.live_view = 'widgets'")
    deepseek.queue(Reply.answer("# 标题\n\n第一段。\n\n第二段。", delay=0.01))
    captured = run(ip, "%%llm deepseek\nhi")
    assert final(captured)["text/markdown"].startswith("# 标题\n\n第一段。\n\n第二段。")
    assert sum(not o.update for o in captured.outputs) == 1
    assert "deepseek · deepseek-flash" in shown(captured)
