"""%%llm and %llm end to end: a real InteractiveShell against the loopback DeepSeek."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from IPython.core.error import UsageError

from llm_magic.answer import Answer
from llm_magic.loopback import Reply
from tests.harness.shell import final, run, sent_prompt, shown

TEACHER_CELL = "%%llm deepseek\n用三句话解释什么是机器学习"
ANSWER = "机器学习是人工智能的一个分支。它让计算机从数据中学习规律。学到的规律可以用来预测新数据。"


def test_teacher_cell_streams_one_rendered_answer(shell, deepseek):
    deepseek.queue(Reply.answer(ANSWER))
    captured = run(shell, TEACHER_CELL)
    first, *updates = captured.outputs
    assert not first.update and all(o.update for o in updates) and updates
    assert final(captured)["text/markdown"].startswith(ANSWER)
    assert "deepseek · deepseek-flash" in final(captured)["text/markdown"]
    answer = shell.user_ns["_llm"]
    assert isinstance(answer, Answer) and answer == ANSWER and answer.provider == "deepseek"
    assert sent_prompt(deepseek) == "用三句话解释什么是机器学习"
    assert deepseek.requests[-1].body["stream"] is True
    assert captured.stdout == ""


def test_magic_returns_none_so_nothing_prints_twice(shell, deepseek):
    captured = run(shell, "%%llm deepseek\nhello")
    assert shell.user_ns.get("_") != shell.user_ns["_llm"]
    assert captured.stdout == ""


def test_line_magic_takes_the_rest_of_the_line_verbatim(shell, deepseek):
    run(shell, "%llm deepseek 你好, what's \"up\"?  {x}")
    assert sent_prompt(deepseek) == "你好, what's \"up\"?  {x}"


def test_line_magic_options_after_the_provider(shell, deepseek):
    run(shell, "%llm deepseek -t 0.2 --max-tokens=50 -o answer tell me -a joke")
    body = deepseek.requests[-1].body
    assert (body["temperature"], body["max_tokens"]) == (0.2, 50)
    assert sent_prompt(deepseek) == "tell me -a joke"
    assert shell.user_ns["answer"] is shell.user_ns["_llm"]


def test_line_magic_glued_short_option(shell, deepseek):
    run(shell, "%llm -t0.5 deepseek hi")
    assert deepseek.requests[-1].body["temperature"] == 0.5


@pytest.mark.parametrize("options, expected", [
    ("-m deepseek-v4-pro", {"model": "deepseek-v4-pro"}),
    ("deepseek:deepseek-v4-pro", {"model": "deepseek-v4-pro"}),
    ("-t 0.7", {"temperature": 0.7}),
    ("--temperature 0", {"temperature": 0}),
    ("--max-tokens 64", {"max_tokens": 64}),
    ("--top-p 0.9", {"top_p": 0.9}),
    ("--think", {"thinking": {"type": "enabled"}}),
    ("--no-think", {"thinking": {"type": "disabled"}}),
])
def test_options_reach_the_request(shell, deepseek, options, expected):
    provider = "" if options.startswith("deepseek:") else "deepseek "
    run(shell, f"%%llm {provider}{options}\nhi")
    body = deepseek.requests[-1].body
    assert {k: body.get(k) for k in expected} == expected


def test_system_option_and_its_quoting(shell, deepseek):
    run(shell, "%%llm deepseek -s 'Answer in \"one\" word.'\nhi")
    assert deepseek.requests[-1].body["messages"][0] == {"role": "system", "content": 'Answer in "one" word.'}


def test_no_stream_waits_for_the_whole_answer(shell, deepseek):
    deepseek.queue(Reply.answer("whole answer"))
    captured = run(shell, "%%llm deepseek --no-stream\nhi")
    assert "stream" not in deepseek.requests[-1].body
    assert final(captured)["text/markdown"].startswith("whole answer")
    assert shell.user_ns["_llm"] == "whole answer"


def test_out_stores_the_answer_under_a_name(shell, deepseek):
    run(shell, "%%llm deepseek -o answer\nhi")
    assert shell.user_ns["answer"] is shell.user_ns["_llm"]
    assert isinstance(shell.user_ns["answer"], Answer)


def test_out_needs_an_identifier(shell, deepseek):
    with pytest.raises(UsageError, match="variable name"):
        run(shell, "%%llm deepseek -o 1abc\nhi")
    assert not deepseek.requests


def test_no_provider_uses_the_configured_default(shell, deepseek):
    run(shell, "%%llm\nhi")
    assert deepseek.requests[-1].body["model"] == "deepseek-flash"


def test_variables_are_interpolated_and_no_vars_sends_verbatim(shell, deepseek):
    shell.user_ns["doc"] = "监督学习"
    run(shell, "%%llm deepseek\n解释 {doc}，不要解释 {{doc}}")
    assert sent_prompt(deepseek) == "解释 监督学习，不要解释 {doc}"
    run(shell, "%%llm deepseek --no-vars\n解释 {doc}")
    assert sent_prompt(deepseek) == "解释 {doc}"


def test_system_prompt_is_interpolated_too(shell, deepseek):
    shell.user_ns["teacher"] = "a patient teacher"
    run(shell, "%%llm deepseek -s 'You are {teacher}.'\nhi")
    assert deepseek.requests[-1].body["messages"][0]["content"] == "You are a patient teacher."


def test_the_line_itself_is_not_expanded_by_ipython(shell, deepseek):
    shell.user_ns["x"] = "deepseek"
    with pytest.raises(Exception, match="no provider called '\\{x\\}'"):
        run(shell, "%%llm {x}\nhi")


@pytest.mark.parametrize("fmt, mimetype, check", [
    ("markdown", "text/markdown", "**bold**"),
    ("text", "text/html", "**bold**"),
    ("html", "text/html", "**bold**"),
    ("code", "text/markdown", "```python\nprint(1)\n```"),
])
def test_formats(shell, deepseek, fmt, mimetype, check):
    text = "Here is **bold**\n\n```python\nprint(1)\n```\n" if fmt == "code" else "Here is **bold** & <i>x</i>"
    deepseek.queue(Reply.answer(text))
    data = final(run(shell, f"%%llm deepseek -f {fmt}\nhi"))
    assert mimetype in data and check in data[mimetype]
    if fmt == "text":
        assert "&lt;i&gt;" in data["text/html"]
    if fmt == "html":  # the answer's HTML renders in a sandboxed frame, not in the notebook
        assert 'sandbox=""' in data["text/html"] and "&lt;i&gt;x&lt;/i&gt;" in data["text/html"]
    if fmt == "code":
        assert "Here is" not in data["text/markdown"]


def test_json_format_pretty_prints_valid_json(shell, deepseek):
    deepseek.queue(Reply.answer('```json\n{"name": "张三", "age": 3}\n```'))
    data = final(run(shell, "%%llm deepseek -f json\nhi"))
    assert '{\n  "name": "张三",\n  "age": 3\n}' in data["text/markdown"]


def test_json_format_shows_invalid_json_with_a_note(shell, deepseek):
    """-f json only changes the display: nothing else is sent, and a reply that is not JSON is shown as it came."""
    deepseek.queue(Reply.answer('{"name": "张三",'))
    data = final(run(shell, "%%llm deepseek -f json\nhi"))
    assert '{"name": "张三",' in data["text/markdown"]
    assert "not valid JSON" in data["text/markdown"]
    assert shell.user_ns["_llm"] == '{"name": "张三",'
    assert "response_format" not in deepseek.last_request.body


def test_json_option_asks_for_json_and_a_reply_that_is_not_fails_kept_in_llm(shell, deepseek):
    from IPython.utils.capture import capture_output

    from llm_magic.errors import ResponseFormatError

    deepseek.queue(Reply.answer('{"name": "张三",'))
    with capture_output() as captured, pytest.raises(ResponseFormatError, match="not valid JSON"):
        shell.run_cell("%%llm deepseek --json\nhi").raise_error()
    markdown = captured.outputs[-1].data["text/markdown"]
    assert '{"name": "张三",' in markdown and "not valid JSON" in markdown
    assert shell.user_ns["_llm"] == '{"name": "张三",'
    assert deepseek.last_request.body["response_format"] == {"type": "json_object"}


def test_reasoning_is_collapsible_and_kept_apart(shell, deepseek):
    deepseek.queue(Reply.answer("答案是 4。", reasoning="2 加 2 <等于> 4", delay=0.01))
    captured = run(shell, "%%llm deepseek --think\n2+2?")
    thinking = [o.data["text/markdown"] for o in captured.outputs
                if "<details open>" in o.data.get("text/markdown", "")]
    markdown = final(captured)["text/markdown"]
    assert markdown.index("<details>") < markdown.index("答案是 4。")
    assert "<details open>" not in markdown and "2 加 2 &lt;等于&gt; 4" in markdown
    answer = shell.user_ns["_llm"]
    assert answer == "答案是 4。" and answer.reasoning == "2 加 2 <等于> 4"
    assert all("答案" not in t for t in thinking)


def test_footer_and_metadata(shell, deepseek):
    deepseek.queue(Reply.answer("hi there", usage={"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}))
    captured = run(shell, "%%llm deepseek -t 0.3 --max-tokens 20\nhi")
    assert "deepseek · deepseek-flash · 11 → 2 tokens ·" in shown(captured)
    metadata = captured.outputs[-1].metadata["llm_magic"]
    assert metadata["parameters"] == {"temperature": 0.3, "max_tokens": 20}
    assert metadata["usage"]["prompt_tokens"] == 11 and metadata["status"] == "done"
    assert metadata["provider"] == "deepseek" and metadata["elapsed"] >= 0
    every = json.dumps([o.metadata for o in captured.outputs] + [o.data for o in captured.outputs])
    assert deepseek.key not in every


def test_footer_marks_an_answer_cut_at_max_tokens(shell, deepseek):
    deepseek.queue(Reply.answer("a long", finish_reason="length"))
    assert "cut at max_tokens (finish_reason length)" in shown(run(shell, "%%llm deepseek --max-tokens 2\nhi"))


def test_help_is_real_usage(shell):
    captured = run(shell, "%%llm?")
    for option in ("--max-tokens", "--top-p", "--no-stream", "-o NAME", "--no-think", "--no-vars", "--debug",
                   "{markdown,text,code,json,html}"):
        assert option in captured.stdout


def test_unload_and_reload(shell, deepseek):
    run(shell, "%unload_ext llm_magic")
    assert shell.find_cell_magic("llm") is None and shell.find_line_magic("llm") is None
    run(shell, "%load_ext llm_magic")
    run(shell, "%reload_ext llm_magic")
    run(shell, "%%llm deepseek\nhi")
    assert shell.user_ns["_llm"]


def test_unload_drops_the_instances_from_configurables(shell):
    def ours() -> list[str]:
        return [type(c).__name__ for c in shell.configurables if type(c).__module__.startswith("llm_magic")]

    assert sorted(ours()) == ["FeatureMagics", "KeyMagics", "LLMMagics"]
    shell.run_line_magic("unload_ext", "llm_magic")
    assert ours() == []
    shell.run_line_magic("load_ext", "llm_magic")
    assert sorted(ours()) == ["FeatureMagics", "KeyMagics", "LLMMagics"]


def test_loading_is_free():
    code = ("import sys; from IPython.core.interactiveshell import InteractiveShell;"
            "shell = InteractiveShell.instance(); shell.run_line_magic('load_ext', 'llm_magic');"
            "print(sorted(m for m in ('requests', 'ipywidgets', 'dotenv', 'llm_magic.render.show',"
            " 'llm_magic.render.live', 'llm_magic.magics.interpolate',"
            " 'llm_magic.engine.catalog', 'llm_magic.magics.conversation', 'llm_magic.engine.usage',"
            " 'llm_magic.engine.client', 'llm_magic.magics.cell',"
            # images, schemas and embeddings load only when a cell uses them
            " 'llm_magic.media', 'llm_magic.engine.images', 'llm_magic.engine.png', 'llm_magic.engine.structured',"
            " 'llm_magic.engine.schema_check', 'llm_magic.engine.embeddings', 'llm_magic.render.sent',"
            " 'llm_magic.render.embeddings', 'llm_magic.loopback.embeddings', 'llm_magic.loopback.demo_media',"
            " 'PIL', 'numpy', 'matplotlib', 'pydantic')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "[]\n" and done.stderr == ""
