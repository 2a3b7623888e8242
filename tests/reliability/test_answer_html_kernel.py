"""In a real kernel, nothing a hostile answer sends reaches the front end live: every display,
update and result message (the live view's pieces, the columns' bands) is checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("ipykernel")

from llm_magic.loopback import FakeProvider, Reply
from tests.harness.kernel import execute, running_kernel
from tests.harness.markup_check import live_in_bundle

pytestmark = pytest.mark.kernel

PWN = "window.__pwned=1"
ANSWER = (f'## 标题\n\n<img src=x onerror="{PWN}"> <script>{PWN}</script> <iframe src="javascript:{PWN}">\n\n'
          f"[click](javascript:{PWN})\n\n```html\n<b>code stays code</b>\n```\n\n" + "正文。" * 40)


def _bundles(value: Any) -> Iterator[dict[str, Any]]:
    """Every mime bundle and every widget HTML value inside a message's content."""
    if isinstance(value, dict):
        if any(key in value for key in ("text/markdown", "text/html")):
            yield value
        if value.get("_model_name") == "HTMLModel" and isinstance(value.get("value"), str):
            yield {"text/html": value["value"]}
        for item in value.values():
            yield from _bundles(item)
    elif isinstance(value, list):
        for item in value:
            yield from _bundles(item)


def test_no_live_html_reaches_the_front_end_from_any_view(tmp_path):
    with FakeProvider("deepseek") as deepseek, FakeProvider("bailian") as bailian:
        deepseek.default_reply = Reply.answer(ANSWER, reasoning=f"想一想 <img src=x onerror={PWN}>", delay=0.005)
        bailian.default_reply = Reply.error(400, {"error": {"message": f"<svg onload={PWN}>", "type": "x"}})
        env = {"DEEPSEEK_BASE_URL": deepseek.base_url, "DEEPSEEK_API_KEY": deepseek.key,
               "BAILIAN_BASE_URL": bailian.base_url, "BAILIAN_API_KEY": bailian.key, "LLM_MAGIC_LANGUAGE": "en"}
        with running_kernel(env=env, cwd=tmp_path, timeout=60) as kernel:
            assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
            runs = [execute(kernel, cell, timeout=90) for cell in (
                "%%llm deepseek\nhi",                     # the live view: pieces, then one Markdown output
                "_llm",                                   # the Answer's own _repr_markdown_
                "%%llm deepseek -f html\nhi",
                "%%llm deepseek -f text\nhi",
                "%%llm deepseek bailian\nhi",             # columns, one with an error
            )]
    messages = [m for run in runs for m in run.messages]
    bundles = [b for m in messages for b in _bundles(m["content"])]
    assert len(bundles) > 10, "the check below would prove nothing"
    assert not [m for m in messages if m["msg_type"].startswith("comm_")]  # no widget carries text either
    assert any("onerror" in str(b) for b in bundles)  # the hostile text is shown, as text
    assert any('<iframe sandbox=""' in b.get("text/html", "") for b in bundles)  # -f html: sandboxed
    problems = [(p, str(b)[:200]) for b in bundles for p in live_in_bundle(b)]
    assert problems == []
    result = runs[1].of_type("execute_result")
    assert result and "text/markdown" in result[0]["content"]["data"]
