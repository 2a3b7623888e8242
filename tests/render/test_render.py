"""Formats, footer, metadata and the choice between a terminal and a notebook."""

from __future__ import annotations

from IPython.utils.capture import capture_output

from llm_magic.answer import Answer
from llm_magic.loopback import Reply
from llm_magic.render.document import bundle, footer_text
from llm_magic.render.formats import extract_code, fence, pretty_json
from llm_magic.render.show import use_terminal
from llm_magic.render.state import StreamState
from tests.harness.shell import run


def test_metadata_is_on_the_first_and_the_final_message(shell, deepseek):
    captured = run(shell, "%%llm deepseek -t 0.1\nhi")
    first, last = captured.outputs[0], captured.outputs[-1]
    assert first.metadata["llm_magic"]["status"] == "streaming" and last.metadata["llm_magic"]["status"] == "done"
    assert all(o.metadata["llm_magic"]["parameters"] == {"temperature": 0.1} for o in (first, last))


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
