"""The live view on a fake clock, its messages read back the way a front end applies them.

Every shape of answer (many blocks, one long code block, one long paragraph) costs a bounded
number of bytes per redraw, no text is ever shown twice, and the cell ends with one output
holding the whole answer. tests/render/test_kernel_live_view.py checks the same in a real kernel.
"""

from __future__ import annotations

import json
import re

import pytest
from IPython.utils.capture import capture_output

from llm_magic.answer import Answer
from llm_magic.errors import RateLimitError
from llm_magic.events import RetryWait
from llm_magic.loopback import Reply
from llm_magic.render import live
from llm_magic.render.formats import CODE_CLOSE, CODE_FONT, CODE_OPEN, monospace_code
from llm_magic.render.live import INTERVAL, LiveView
from llm_magic.render.show import retry_notice
from llm_magic.render.state import StreamState
from tests.harness.outputs import OutputArea
from tests.harness.shell import final, run, shown


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def markdown_answer(blocks: int) -> str:
    return "".join(f"## Part {i}\n\nParagraph {i} has words (mark {i}).\n\n- a{i}\n- b{i}\n\n"
                   f"```python\nx{i} = {i}\n```\n\n" for i in range(blocks)) + "End."


def code_answer(lines: int) -> str:
    return "```python\n" + "".join(f"    value = value + {i}  # mark {i}\n" for i in range(lines)) + "```"


def paragraph_answer(sentences: int) -> str:
    return " ".join(f"Sentence number {i} says a few words (mark {i})." for i in range(sentences))


SHAPES = {"markdown": markdown_answer(600), "code": code_answer(1500), "paragraph": paragraph_answer(1200)}


def stream(text: str, *, seconds_per_part: float, size: int = 6,
           reasoning: str = "") -> tuple[OutputArea, list, StreamState, LiveView]:
    """Feed ``reasoning`` then ``text`` through a LiveView in parts of ``size`` characters."""
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, clock=clock)
    with capture_output() as captured:
        view.start()
        for source, add in ((reasoning, state.add_reasoning), (text, state.add_text)):
            for start in range(0, len(source), size):
                clock.now += seconds_per_part
                add(source[start:start + size])
                view.changed()
        state.outcome = "done"
        state.answer = Answer(state.text, reasoning=reasoning or None, provider="deepseek", model="deepseek-flash",
                              elapsed=clock.now)
        view.finish()
    return OutputArea.of_captured(captured), captured.outputs, state, view


def message_bytes(output) -> int:
    return len(json.dumps({"data": output.data, "metadata": output.metadata, "transient": output.transient},
                          ensure_ascii=False).encode())


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seconds_per_part", [0.0012, 0.02])
def test_any_shape_costs_a_bounded_redraw_and_linear_bytes(shell, shape, seconds_per_part):
    _, messages, state, view = stream(SHAPES[shape], seconds_per_part=seconds_per_part)
    answer_bytes = len(state.text.encode())
    redraws = messages[:-len(view.outputs)]  # the emptied pieces and the final update come last
    assert max(message_bytes(m) for m in redraws) < 12_000  # a piece, never the whole ~60 KB answer
    total = sum(message_bytes(m) for m in messages)
    limit = 5 if seconds_per_part < 0.01 else 12  # slow streams redraw a few bytes often
    # the final output alone also puts each fenced block in the code font (600 tiny blocks here)
    fonts = messages[-1].data["text/markdown"].count(CODE_FONT) * len(json.dumps("\n".join(CODE_OPEN + CODE_CLOSE)))
    assert total <= limit * answer_bytes + fonts, (shape, total / answer_bytes, fonts / answer_bytes, len(view.outputs))
    assert len(view.outputs) > 3  # cut into pieces, not one growing output


@pytest.mark.parametrize("shape", SHAPES)
def test_no_text_is_ever_shown_twice_and_one_output_is_left(shell, shape):
    area, _, state, _ = stream(SHAPES[shape], seconds_per_part=0.0012)
    for outputs in area.history:  # at every step, the consolidation's included
        shown_text = re.sub(r"<details>.*?</details>", "", "\n".join(area.markdown(outputs)), flags=re.S)
        marks = re.findall(r"\(mark (\d+)\)", shown_text)
        assert len(marks) == len(set(marks)), f"shown twice: {sorted(set(m for m in marks if marks.count(m) > 1))}"
    visible = area.visible()
    assert len(visible) == 1 and visible[0]["data"]["text/markdown"].startswith(monospace_code(state.text))
    assert all(o["data"] == live.EMPTY for o in area.outputs[1:])
    assert visible[0]["metadata"]["llm_magic"]["status"] == "done"


def test_sealed_code_pieces_are_whole_code_blocks(shell):
    area, _, _, view = stream(SHAPES["code"], seconds_per_part=0.0012)
    pieces = area.history[-len(area.outputs) - 1]  # just before the consolidation
    texts = area.markdown(pieces)
    assert len(texts) == len(view.outputs) > 3
    assert all(t.startswith("```python\n") and t.rstrip().endswith("```") for t in texts)


def test_the_first_text_is_drawn_at_once_then_at_most_every_interval(shell):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, clock=clock)
    with capture_output() as captured:
        view.start()
        clock.now += 0.01
        state.add_text("Hello")
        view.changed()
        assert captured.outputs[-1].data["text/markdown"] == "Hello"  # not held back
        for _ in range(30):
            clock.now += 0.05
            state.add_text(" more")
            view.changed()
    assert len(captured.outputs) - 2 == pytest.approx(30 * 0.05 / INTERVAL, abs=1)


def test_reasoning_streams_then_folds_when_the_answer_starts(shell):
    reasoning = "".join(f"Step {i}: think about it (step {i}).\n" for i in range(600))
    area, _, _, view = stream("The answer is here. " * 200, seconds_per_part=0.0012, reasoning=reasoning)
    streaming = [h for h in area.history if any("Thinking" in t for t in area.markdown(h))]
    assert streaming and view.reasoning_outputs > 2  # the reasoning streamed in pieces, titled
    answering = next(h for h in area.history if any(t.startswith("The answer") for t in area.markdown(h)))
    assert [t[:9] for t in area.markdown(answering)] == ["<details>", "The answe"]  # other pieces emptied
    assert area.markdown()[0].startswith("<details><summary>💭 Reasoning")
    assert area.markdown()[0].count("(step 599)") == 1 and len(area.visible()) == 1


def test_retry_wait_shows_in_the_open_piece_and_goes_away(shell):
    clock = FakeClock()
    state = StreamState("deepseek", "DeepSeek", "deepseek-flash")
    view = LiveView(state, clock=clock)
    wait = RetryWait(1, 2.0, RateLimitError("Too many requests.", provider="deepseek", status=429))
    with capture_output() as captured:
        view.start()
        state.notice = retry_notice(wait)
        view.changed(force=True)
        assert "trying again in 2 s" in captured.outputs[-1].data["text/markdown"]
        state.add_text("Now it works.")
        view.changed(force=True)
    assert captured.outputs[-1].data["text/markdown"] == "Now it works."


def test_a_cell_ends_as_one_markdown_output_with_the_footer(shell, deepseek):
    deepseek.queue(Reply.answer("# 标题\n\n第一段。\n\n第二段。", delay=0.01))
    captured = run(shell, "%%llm deepseek\nhi")
    assert final(captured)["text/markdown"].startswith("# 标题\n\n第一段。\n\n第二段。")
    assert len(OutputArea.of_captured(captured).visible()) == 1
    assert "deepseek · deepseek-flash" in shown(captured)
