"""In a real kernel, a short answer streams as one display_data plus update_display_data messages.

(Long answers, cut into several outputs, are tested in test_kernel_live_view.py.)
"""

from __future__ import annotations

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from llm_magic.loopback import FakeProvider, Reply
from tests.harness.kernel import evaluate, execute, running_kernel

pytestmark = pytest.mark.kernel

ANSWER = "机器学习是人工智能的一个分支，它让计算机从数据中学习规律，并用学到的规律对新数据做出预测。" * 3


def test_streamed_answer_is_one_display_updated_in_place(tmp_path):
    with FakeProvider("deepseek") as server:
        server.queue(Reply.answer(ANSWER, delay=0.02))  # ~2.5 s of streaming: several redraws
        env = {"DEEPSEEK_BASE_URL": server.base_url, "DEEPSEEK_API_KEY": server.key, "LLM_MAGIC_LANGUAGE": "en"}
        with running_kernel(env=env, cwd=tmp_path, timeout=60) as kernel:
            loaded = execute(kernel, "%load_ext llm_magic", timeout=60)
            assert loaded.ok and not loaded.of_type("stream", "display_data", "error")
            run = execute(kernel, "%%llm deepseek\n用三句话解释什么是机器学习", timeout=60)
            assert run.ok, run.of_type("error")
            stored = evaluate(kernel, "(_llm.text, _llm.provider)")
            server.queue(Reply.error("auth"))
            failed = execute(kernel, "%%llm deepseek\nhi", timeout=60)
    displays = run.displays()
    kinds = [kind for kind, _ in displays]
    assert kinds[0] == "display_data" and set(kinds[1:]) == {"update_display_data"} and len(kinds) >= 3
    assert len({display_id for _, display_id in displays}) == 1 and displays[0][1]
    assert not run.of_type("stream", "execute_result", "error")  # nothing printed, nothing returned
    last = run.of_type("update_display_data")[-1]["content"]
    assert last["data"]["text/markdown"].startswith(ANSWER)
    assert last["metadata"]["llm_magic"]["status"] == "done"
    assert server.key not in str(run.messages)
    assert ANSWER in stored and "deepseek" in stored

    # a failure fails the cell with the short explanation as its whole traceback
    assert not failed.ok
    (error,) = failed.of_type("error")
    traceback = "\n".join(error["content"]["traceback"])
    assert error["content"]["ename"] == "AuthenticationError" and "HTTP 401" in traceback
    assert len(error["content"]["traceback"]) <= 4 and "Traceback" not in traceback
    assert server.key not in str(failed.messages)
