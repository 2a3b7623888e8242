"""■ in a real kernel mid-answer: the cell fails with three short lines like every other error (no
traceback through urllib3), the partial answer stays on screen and in ``_llm``, and its tokens,
estimated, are counted by ``%llm_usage``."""

from __future__ import annotations

import time
from queue import Empty

import pytest

pytest.importorskip("ipykernel")

from llm_magic.loopback import FakeProvider, Reply
from tests.harness.kernel import evaluate, execute, running_kernel
from tests.harness.outputs import OutputArea

pytestmark = pytest.mark.kernel

LONG = " ".join(f"word{i}" for i in range(3000))  # 30 s if read to the end


def test_interrupt_mid_answer_is_three_short_lines_and_keeps_the_answer(tmp_path):
    with FakeProvider("deepseek", default_reply=Reply.answer(LONG, delay=0.01)) as server:
        env = {"DEEPSEEK_BASE_URL": server.base_url, "DEEPSEEK_API_KEY": server.key, "LLM_MAGIC_LANGUAGE": "en"}
        with running_kernel(env=env, cwd=tmp_path, timeout=60) as kernel:
            assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
            msg_id = kernel.execute("%%llm deepseek\nwrite a lot")
            messages = _until_text_then_interrupt(kernel, msg_id)
            partial = evaluate(kernel, "(_llm.interrupted, len(_llm), _llm.usage['estimated'])")
            table = execute(kernel, "%llm_usage")
    (error,) = [m for m in messages if m["msg_type"] == "error"]
    assert error["content"]["ename"] == "Interrupted"
    traceback = "\n".join(error["content"]["traceback"])
    assert len(error["content"]["traceback"]) == 3, traceback
    assert "urllib3" not in traceback and "socket" not in traceback and "Traceback" not in traceback
    assert "kept in _llm" in traceback
    interrupted, length, estimated = partial.strip("()").split(", ")
    assert interrupted == "True" and 0 < int(length) < len(LONG) and estimated == "True"
    (visible,) = OutputArea.of_messages(messages).visible()
    assert visible["data"]["text/markdown"].startswith("word0 word1") and "interrupted" in visible["data"]["text/plain"]
    shown = "".join(str(m["content"].get("data", {})) for m in table.messages)
    assert "1 (1 ≈)" in shown  # the call is counted, its tokens estimated


def _until_text_then_interrupt(kernel, msg_id: str) -> list[dict]:
    """The cell's iopub messages: once answer text is on screen, ■ (SIGINT), then up to idle."""
    messages: list[dict] = []
    interrupted = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            message = kernel.get_iopub_msg(timeout=1)
        except Empty:
            continue
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        data = message["content"].get("data", {})
        if not interrupted and "word5 " in data.get("text/markdown", ""):
            kernel.parent.interrupt_kernel()
            interrupted = True
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages
    raise TimeoutError("the cell did not end")
