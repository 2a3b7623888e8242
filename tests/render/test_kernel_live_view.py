"""In a real kernel the live view uses ordinary outputs only, cuts long answers into pieces, and
ends with one output holding the answer: in the front end, and in a notebook nbclient executed.

Every iopub message of the cell is applied the way a front end applies it
(tests/harness/outputs.py); bytes are whole messages, headers included.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

pytest.importorskip("ipykernel")

from llm_magic.loopback import FakeProvider, Reply
from llm_magic.render.formats import monospace_code
from tests.harness.kernel import evaluate, execute, execute_notebook, running_kernel, write_notebook
from tests.harness.outputs import OutputArea

pytestmark = pytest.mark.kernel

#: every message type a front end may receive from the live view; no comm (widget), no clear_output
ALLOWED = {"status", "execute_input", "display_data", "update_display_data"}


def long_answer() -> str:
    """About 4,000 stream events: headings, a long code block, a long paragraph, a table."""
    code = "```python\n" + "".join(f"total = total + values[{i}]  # line {i}\n" for i in range(400)) + "```"
    paragraph = " ".join(f"Sentence {i} of a long paragraph says little." for i in range(150))
    table = "| n | square |\n|---|---|\n" + "".join(f"| {i} | {i * i} |\n" for i in range(60))
    return f"## Code\n\n{code}\n\n## Prose\n\n{paragraph}\n\n## Table\n\n{table}\nDone."


def envelope_bytes(messages: list[dict]) -> int:
    return sum(len(json.dumps({k: m[k] for k in ("header", "parent_header", "metadata", "content")},
                              ensure_ascii=False, default=str).encode()) for m in messages)


def test_a_long_answer_streams_in_pieces_and_leaves_one_output(tmp_path):
    text = long_answer()
    with FakeProvider("deepseek") as server:
        server.queue(Reply.answer(text, delay=1 / 800, first_delay=0.2))
        env = {"DEEPSEEK_BASE_URL": server.base_url, "DEEPSEEK_API_KEY": server.key, "LLM_MAGIC_LANGUAGE": "en"}
        with running_kernel(env=env, cwd=tmp_path, timeout=60) as kernel:
            assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
            run = execute(kernel, "%%llm deepseek\nwrite a long answer", timeout=120)
            assert run.ok, run.of_type("error")
            stored = evaluate(kernel, "_llm.text == _llm and len(_llm)")
            widgets = evaluate(kernel, "'ipywidgets' in __import__('sys').modules")
    assert stored == str(len(text)) and widgets == "False"
    assert {m["msg_type"] for m in run.messages} <= ALLOWED, {m["msg_type"] for m in run.messages}
    shown = run.of_type("display_data", "update_display_data")
    assert all(set(m["content"]["data"]) <= {"text/markdown", "text/plain"} for m in shown)

    area = OutputArea.of_messages(run.messages)
    assert len(area.outputs) > 3  # cut into pieces while streaming
    (visible,) = area.visible()
    # the final output puts each fenced block in the code font (render.formats.monospace_code)
    assert visible["data"]["text/markdown"].startswith(monospace_code(text)) and text in visible["data"]["text/plain"]
    assert visible["metadata"]["llm_magic"]["status"] == "done"

    # while streaming, every line of code and every sentence is on screen at most once
    for outputs in area.history[:-len(area.outputs)]:
        shown_text = "\n".join(area.markdown(outputs))
        for mark in (r"# line (\d+)\n", r"Sentence (\d+) of"):
            found = re.findall(mark, shown_text)
            assert len(found) == len(set(found)), mark

    # bounded redraws, linear bytes (headers included) against the final output
    final_bytes = sum(len(v.encode()) for v in visible["data"].values())
    assert max(len(json.dumps(m["content"]).encode()) for m in shown[:-len(area.outputs)]) < 16_000
    ratio = envelope_bytes(shown) / final_bytes
    assert ratio <= 5, ratio
    print(f"\nlive view, {len(text):,} characters at 800 parts/s: {len(shown)} messages, {len(area.outputs)} "
          f"outputs, {ratio:.2f}x the final output")


def test_an_executed_notebook_keeps_one_output_and_no_widget_state(tmp_path):
    text = long_answer()
    with FakeProvider("deepseek") as server:
        server.queue(Reply.answer(text, delay=1 / 2000, reasoning="Let me think.\n" * 300))
        env = {"DEEPSEEK_BASE_URL": server.base_url, "DEEPSEEK_API_KEY": server.key, "LLM_MAGIC_LANGUAGE": "en"}
        path = write_notebook(tmp_path / "lesson.ipynb", ["%load_ext llm_magic", "%%llm deepseek --think\nexplain"])
        executed = execute_notebook(path, env=env, timeout=120)
    nbformat.validate(executed)
    outputs = executed.cells[1].outputs
    visible = [o for o in outputs if any(o.get("data", {}).values())]
    assert len(visible) == 1 and visible[0]["data"]["text/markdown"].startswith("<details><summary>💭 Reasoning")
    assert visible[0]["data"]["text/markdown"].count("# line 399\n") == 1
    assert all(o["data"] == {"text/markdown": ""} for o in outputs if o is not visible[0])
    assert "widgets" not in executed.metadata and "application/vnd.jupyter.widget" not in json.dumps(executed)


def test_several_providers_stream_side_by_side_and_end_as_one_grid(tmp_path):
    with FakeProvider("deepseek") as deepseek, FakeProvider("bailian") as bailian:
        deepseek.queue(Reply.answer(long_answer(), delay=1 / 1000))
        bailian.queue(Reply.error("auth"))
        env = {"DEEPSEEK_BASE_URL": deepseek.base_url, "DEEPSEEK_API_KEY": deepseek.key,
               "BAILIAN_BASE_URL": bailian.base_url, "BAILIAN_API_KEY": bailian.key, "LLM_MAGIC_LANGUAGE": "en"}
        with running_kernel(env=env, cwd=tmp_path, timeout=60) as kernel:
            assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
            run = execute(kernel, "%%llm deepseek bailian -o both\nhi", timeout=120)
            assert run.ok, run.of_type("error")
            stored = evaluate(kernel, "sorted((k, type(v).__name__) for k, v in both.items())")
    assert {m["msg_type"] for m in run.messages} <= ALLOWED
    area = OutputArea.of_messages(run.messages)
    assert len(area.outputs) > 2
    grids = [h for h in area.history if len(area.markdown(h)) >= 2]
    assert grids and all(t.startswith('<div style="display: grid') for h in grids for t in area.markdown(h))
    (visible,) = area.visible()
    document = visible["data"]["text/markdown"]
    assert document.startswith('<div style="display: grid; grid-template-columns: repeat(2, minmax(0, 1fr))')
    assert "**DeepSeek** · deepseek-flash" in document and "AuthenticationError" in document
    assert visible["metadata"]["llm_magic"]["status"] == "partial"
    assert stored == "[('bailian', 'AuthenticationError'), ('deepseek', 'Answer')]"
