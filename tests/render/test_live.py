"""The live widget view without a kernel: blocks drawn once, tail redrawn on time, plain Markdown at the end.

Without a kernel the router puts displays into the widgets' ``outputs`` (what a front end
would hold), so the view's drawing can be checked here. With a stand-in cell request id
(``wire``) the messages a kernel would send are recorded in order: widget state updates,
captured displays, clear_output; tests/test_kernel_live_view.py checks the real iopub messages.
"""

from __future__ import annotations

import itertools

import pytest

ipywidgets = pytest.importorskip("ipywidgets")

from IPython.utils.capture import capture_output  # noqa: E402

from llm_magic.answer import Answer  # noqa: E402
from llm_magic.errors import RateLimitError  # noqa: E402
from llm_magic.events import RetryWait  # noqa: E402
from llm_magic.loopback import Reply  # noqa: E402
from llm_magic.render import live  # noqa: E402
from llm_magic.render.live import INTERVAL, LONG_TAIL_BYTES, LONG_TAIL_INTERVAL, LiveView  # noqa: E402
from llm_magic.render.show import retry_notice, use_widgets  # noqa: E402
from llm_magic.render.state import StreamState  # noqa: E402
from tests.harness.shell import final, run, shown  # noqa: E402

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


def test_finished_blocks_once_tail_redrawn_at_most_every_interval(shell):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, shell, clock=clock)
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
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= INTERVAL and max(gaps) <= INTERVAL + 0.02 < 0.5  # events 0.02 s apart
    # appended, never redrawn: the blocks one redraw finished go in one display
    assert len(panel.answer.finished.outputs) == panel.answer.displays <= view.redraws < panel.answer.blocks
    assert panel.answer.blocks > 100
    assert TEXT.startswith(blocks + tail) and len(blocks) > len(TEXT) * 0.9
    assert len(panel.answer.tail.outputs) <= 1
    first, swap, last = captured.outputs
    assert "Waiting for DeepSeek" in first.data["text/markdown"]
    assert "application/vnd.jupyter.widget-view+json" in swap.data and swap.update
    assert last.update and last.data["text/markdown"].startswith(TEXT) and "text/plain" in last.data
    assert all(widget.comm is None for widget in made)  # closed: no widget state outlives the cell


def test_reasoning_streams_open_then_collapses(shell):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-reasoner")
    view = LiveView(state, shell, clock=clock)
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


def test_retry_wait_shows_in_the_status_line(shell):
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, shell, clock=FakeClock())
    with capture_output():
        view.start()
        state.notice = retry_notice(RetryWait(1, 2.0, RateLimitError("Too many requests.")))
        view.changed(force=True)
        assert "trying again in 2 s (retry 1)" in view.panel.status.value
        state.notice = None
        state.add_text("ok")
        view.changed(force=True)
        assert view.panel.status.value == ""
        state.outcome = "done"
        view.finish()


def test_use_widgets_needs_a_kernel_unless_forced(shell):
    assert not use_widgets(shell, "auto")  # a bare shell has no kernel
    assert use_widgets(shell, "widgets") and not use_widgets(shell, "redraw")


def test_forced_widgets_in_a_plain_shell_end_as_markdown(shell, deepseek):
    shell.run_line_magic("config", "LLMMagics.live_view = 'widgets'")
    deepseek.queue(Reply.answer("# 标题\n\n第一段。\n\n第二段。", delay=0.01))
    captured = run(shell, "%%llm deepseek\nhi")
    assert final(captured)["text/markdown"].startswith("# 标题\n\n第一段。\n\n第二段。")
    assert sum(not o.update for o in captured.outputs) == 1
    assert "deepseek · deepseek-flash" in shown(captured)


class Wire(list):
    """What a kernel would send for a cell whose request id is ``cell-1``, in order."""

    def comms(self, widget=None, key=None):
        return [state for kind, w, state in self
                if kind == "comm" and (widget is None or w is widget) and (key is None or key in state)]

    def kinds(self):
        return [kind for kind, _, _ in self]


@pytest.fixture
def wire(monkeypatch) -> Wire:
    log = Wire()

    def send(widget, msg, buffers=None):
        if msg.get("method") == "update":
            log.append(("comm", widget, msg["state"]))

    monkeypatch.setattr(ipywidgets.Widget, "_send", send)
    monkeypatch.setattr("IPython.display.publish_display_data",
                        lambda data, *args, **kwargs: log.append(("display", None, data)))
    monkeypatch.setattr("IPython.display.clear_output", lambda *args, **kwargs: log.append(("clear", None, None)))
    monkeypatch.setattr(live, "parent_msg_id", lambda shell: "cell-1")
    return log


def test_one_comm_msg_per_tail_refresh_and_one_display_per_block(shell, wire):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, shell, clock=clock)
    with capture_output():
        view.start()
        view.changed()  # builds the widgets; nothing streamed yet
        panel = view.panel
        tail, finished = panel.answer.tail, panel.answer.finished
        refreshes = []  # (messages a redraw sent, new finished blocks, their text)
        for start in range(0, len(TEXT), 7):
            clock.now += 0.02
            state.add_text(TEXT[start:start + 7])
            before, blocks, redraws = len(wire), panel.answer.blocks, view.redraws
            done = panel.answer.splitter.done
            view.changed()
            if view.redraws > redraws:
                refreshes.append(
                    (wire[before:], panel.answer.blocks - blocks, state.text[done:panel.answer.splitter.done]))
        view.finish()
    assert "clear" not in wire.kinds()
    tail_updates = wire.comms(tail)
    assert tail_updates and all(set(update) == {"outputs"} and len(update["outputs"]) <= 1 for update in tail_updates)
    for sent, blocks, finished_text in refreshes:
        # per refresh: at most one tail update, one display for the blocks it finished, nothing else but
        # the status line (cleared once the text starts) and the one capture of the first block
        tails = [m for m in sent if m[0] == "comm" and m[1] is tail]
        displays = [m for m in sent if m[0] == "display"]
        rest = [(w, state) for kind, w, state in sent if kind == "comm" and w is not tail]
        assert len(tails) <= 1 and len(displays) == (1 if blocks else 0), sent
        assert [data["text/markdown"] for _, _, data in displays] == ([finished_text] if blocks else [])
        assert all((w, state) in ((panel.status, {"value": ""}), (finished, {"msg_id": "cell-1"}))
                   for w, state in rest), rest
    # the finished blocks' Output captures once, from its first block to the end; the tail never does
    assert wire.comms(key="msg_id") == [{"msg_id": "cell-1"}, {"msg_id": ""}]
    assert [w for kind, w, state in wire if "msg_id" in (state or {})] == [finished, finished]
    displays = [data["text/markdown"] for kind, _, data in wire if kind == "display"]
    assert len(displays) == panel.answer.displays and TEXT.startswith("".join(displays))
    assert len("".join(displays)) > len(TEXT) * 0.9 and panel.answer.blocks > 100
    # each refresh re-sends only the tail: far less than the answer
    tail_bytes = sum(len(update["outputs"][0]["data"]["text/markdown"]) for update in tail_updates if update["outputs"])
    assert tail_bytes < len(TEXT)


def test_reasoning_then_answer_switches_capture_once(shell, wire):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-reasoner")
    view = LiveView(state, shell, clock=clock)
    thought = "".join(f"第{i}步：想一想。\n\n" for i in range(10))
    with capture_output():
        view.start()
        for start in range(0, len(thought), 3):
            clock.now += 0.1
            state.add_reasoning(thought[start:start + 3])
            view.changed()
        reasoning = view.panel.reasoning
        for start in range(0, len(TEXT[:600]), 7):
            clock.now += 0.1
            state.add_text(TEXT[start:start + 7])
            view.changed()
        view.finish()
    answer = view.panel.answer
    assert reasoning.blocks and answer.blocks
    captures = [(w, state["msg_id"]) for kind, w, state in wire if kind == "comm" and "msg_id" in state]
    assert captures == [(reasoning.finished, "cell-1"), (reasoning.finished, ""), (answer.finished, "cell-1"),
                        (answer.finished, "")]
    assert view.router.switches == 2 and "clear" not in wire.kinds()
    html = [data for kind, _, data in wire if kind == "display" and "text/html" in data]
    assert len(html) == reasoning.displays and "第0步" in html[0]["text/html"]


def test_a_long_tail_still_refreshes_within_half_a_second(shell, wire):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, shell, clock=clock)
    code = "```python\n" + "".join(f"print('line {i} of a long code block')\n" for i in range(200)) + "```\n"
    with capture_output():
        view.start()
        redraws = [(t, view.panel.answer.tail_bytes) for t in stream(view, state, clock, code, 0.02)]
        view.finish()
    gaps = [(b - a, long_before > LONG_TAIL_BYTES)
            for (a, long_before), (b, _) in itertools.pairwise(redraws)]
    short = [gap for gap, long in gaps if not long]
    long = [gap for gap, long in gaps if long]
    assert short and long  # the code block grew past LONG_TAIL_BYTES while streaming
    assert INTERVAL <= min(short) and max(short) <= INTERVAL + 0.02  # noqa: SIM300 - reads as a range
    assert LONG_TAIL_INTERVAL <= min(long) and max(long) <= LONG_TAIL_INTERVAL + 0.02 < 0.5  # noqa: SIM300 - a range
    assert len(wire.comms(view.panel.answer.tail)) == len(redraws)  # one message per redraw, none more
