"""%llm_history, %llm_reset, %llm_models and %llm_usage in a real InteractiveShell."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

from llm_magic import errors as e
from llm_magic import i18n
from llm_magic.answer import Answer
from llm_magic.engine import usage
from llm_magic.loopback import Reply
from llm_magic.magics import conversation


class Ran:
    def __init__(self, captured: CapturedIO, error: BaseException | None) -> None:
        self.captured, self.error = captured, error

    def data(self, mime: str) -> str:
        return "\n".join(o.data[mime] for o in self.captured.outputs if mime in o.data)

    @property
    def text(self) -> str:
        return self.captured.stdout + self.data("text/plain")


def run(ip: InteractiveShell, cell: str) -> Ran:
    with capture_output() as captured:
        result = ip.run_cell(cell)
    return Ran(captured, result.error_in_exec or result.error_before_exec)


def test_models_lists_and_marks_the_default(shell, fake_provider):
    server = fake_provider("deepseek")
    ran = run(shell, "%llm_models deepseek")
    assert ran.error is None
    html, text = ran.data("text/html"), ran.data("text/plain")
    assert "<table>" in html and "deepseek-v4-pro" in html
    default_line = next(line for line in text.splitlines() if line.startswith("deepseek-flash"))
    assert "★ default" in default_line
    assert "★" not in next(line for line in text.splitlines() if line.startswith("deepseek-v4-pro"))
    assert "<b>deepseek-flash</b>" in html
    run(shell, "%llm_models deepseek")
    assert server.request_count == 1  # the session's copy
    run(shell, "%llm_models deepseek --refresh")
    assert server.request_count == 2


def test_models_warns_when_the_default_is_not_listed(shell, fake_provider):
    fake_provider("bailian", models=["qwen3-max", "qwen-flash"])
    i18n.set_language("zh")
    ran = run(shell, "%llm_models qwen")
    assert ran.error is None
    assert "默认模型 'qwen-plus' 不在列表中" in ran.text and "2 个模型" in ran.text


def test_models_errors_are_short_llm_errors(shell):
    ran = run(shell, "%llm_models deepseek")
    assert isinstance(ran.error, e.MissingKeyError)
    assert "Traceback" not in "\n".join(ran.error._render_traceback_())
    assert isinstance(run(shell, "%llm_models").error, UsageError)
    assert isinstance(run(shell, "%llm_models nosuchprovider").error, e.UnknownProviderError)


def test_history_and_reset(shell):
    ran = run(shell, "%llm_history")
    assert "No conversations yet" in ran.text
    conversation.record("deepseek", "What is <b>?", Answer("A tag.", provider="deepseek", model="deepseek-flash"))
    conversation.record("homework", "2+2?", Answer("4", provider="demo", model="demo-chat"))
    ran = run(shell, "%llm_history deepseek")
    assert "What is <b>?" in ran.data("text/plain") and "A tag." in ran.data("text/plain")
    assert "What is &lt;b&gt;?" in ran.data("text/html") and "(turns: 1)" in ran.data("text/html")
    assert "2+2?" in run(shell, "%llm_history").text  # every conversation
    ran = run(shell, "%llm_reset deepseek")
    assert "Forgot: deepseek." in ran.text and conversation.names() == ["homework"]
    assert "no conversation called 'deepseek'" in run(shell, "%llm_reset deepseek").text
    assert "Forgot: homework." in run(shell, "%llm_reset").text
    assert conversation.names() == []


def test_usage_table_counts_calls_and_keeps_unknown_prices_unknown(shell, fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("x", usage={"prompt_tokens": 1200, "completion_tokens": 34, "total_tokens": 1234}))
    # a model nobody priced: its cost stays unknown, never zero
    shell.run_cell("import llm_magic; llm_magic.ask('deepseek:deepseek-v9-preview', 'hi'); "
                   "llm_magic.ask('demo', 'hi')")
    ran = run(shell, "%llm_usage")
    assert ran.error is None
    text, html = ran.data("text/plain"), ran.data("text/html")
    row = next(line for line in text.splitlines() if line.startswith("deepseek"))
    assert "1,200" in row and "34" in row and "unknown" in row and "0.0000" not in row
    demo = next(line for line in text.splitlines() if line.startswith("demo"))
    assert "0.0000" in demo
    assert "<table>" in html and "unknown" in html
    total = next(line for line in text.splitlines() if line.startswith("total"))
    assert "unknown" in total and "2" in total
    i18n.set_language("zh")
    assert "未知" in run(shell, "%llm_usage --reset").text
    assert usage.ledger.summary() == []
    assert "还没有调用" in run(shell, "%llm_usage").text
