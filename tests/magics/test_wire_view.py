"""``--show-code`` and ``--show-raw`` in a real shell: the request as code above the answer, the raw reply below."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from llm_magic.loopback import Reply
from llm_magic.loopback.demo import demo_token
from tests.harness.shell import run


def _texts(captured) -> list[str]:
    return [output.data.get("text/plain", "") for output in captured.outputs]


def _markdowns(captured) -> list[str]:
    return [output.data.get("text/markdown", "") for output in captured.outputs]


def _code_only(shown: str) -> str:
    """The printed code without its title line."""
    return shown.split("\n", 1)[1]


def test_show_code_prints_the_request_before_the_answer(shell, deepseek):
    deepseek.queue(Reply.answer("好的"))
    captured = run(shell, "%%llm deepseek --show-code -t 0.2\n你好")
    code = _texts(captured)[0]
    assert code.startswith("The request this cell sends, as code (Python · requests); the key is read from "
                           "DEEPSEEK_API_KEY")
    assert f'url = "{deepseek.base_url}/chat/completions"' in code
    assert 'key = os.environ["DEEPSEEK_API_KEY"]' in code and '"temperature": 0.2' in code
    assert deepseek.key not in "".join(_texts(captured) + _markdowns(captured))
    assert "```python\n" in _markdowns(captured)[0]
    assert shell.user_ns["_llm"] == "好的"


@pytest.mark.parametrize("language, marker, fence", [
    ("curl", 'Authorization: Bearer $DEEPSEEK_API_KEY', "```bash"),
    ("r", 'Sys.getenv("DEEPSEEK_API_KEY")', "```r"),
    ("js", "process.env.DEEPSEEK_API_KEY", "```javascript"),
])
def test_show_code_in_each_language(shell, deepseek, language, marker, fence):
    captured = run(shell, f"%%llm deepseek --show-code {language}\n你好")
    assert marker in _texts(captured)[0]
    assert _markdowns(captured)[0].split("\n\n", 1)[1].startswith(fence)


def test_the_line_magic_takes_the_language_with_an_equals_sign(shell, deepseek):
    captured = run(shell, "%llm deepseek --show-code=curl 你好")
    assert "curl " in _texts(captured)[0]
    assert deepseek.requests[-1].body["messages"][-1]["content"] == "你好"


def test_show_code_works_with_the_demo_and_needs_no_key(shell):
    captured = run(shell, "%%llm demo --show-code\n你好")
    code = _texts(captured)[0]
    assert "the demo needs no key, only the token of its server" in code
    assert 'os.environ["LLM_MAGIC_DEMO_TOKEN"]' in code and demo_token() not in code
    assert "a server inside this Jupyter kernel" in code
    namespace: dict[str, object] = {}
    with capture_output() as printed:
        exec(_code_only(code), namespace)  # the printed Python runs against the demo, with the token
    assert printed.stdout.strip()


def test_a_code_block_survives_backticks_in_the_prompt(shell, deepseek):
    captured = run(shell, "%%llm deepseek --show-code --no-vars\n解释 ```python\nprint(1)\n``` 这段")
    markdown = _markdowns(captured)[0]
    assert "````python\n" in markdown and markdown.rstrip().endswith("````")


def test_show_raw_marks_the_path_to_the_text(shell, deepseek):
    deepseek.queue(Reply.answer("好的"))
    captured = run(shell, "%%llm deepseek --show-raw --no-stream\n你好")
    raw = _texts(captured)[-1]
    assert raw.startswith("The raw reply, as it came over the wire:\nHTTP 200 · application/json")
    assert "choices[0].message.content: the answer's text" in raw and "usage.total_tokens" in raw


def test_show_raw_with_the_demo_stream(shell):
    captured = run(shell, "%%llm demo --show-raw\n你好")
    raw = _texts(captured)[-1]
    assert "text/event-stream" in raw and "choices[0].delta.content" in raw and "data: [DONE]" in raw


def test_show_raw_shows_the_raw_401_before_the_error(shell):
    result = shell.run_cell("%%llm demo:error-401 --show-raw\n你好")
    assert type(result.error_in_exec).__name__ == "AuthenticationError"
    from llm_magic.engine.exchange import last_exchange

    record = last_exchange()
    assert record is not None and record.status == 401 and "error" in record.reply


def test_a_refused_call_never_shows_the_previous_reply(shell):
    from IPython.utils.capture import capture_output

    from llm_magic.providers import register_provider

    run(shell, "%%llm demo\n先问一次")
    register_provider("nokey", "http://127.0.0.1:9", key_var="NOKEY_API_KEY_UNSET", default_model="m")
    with capture_output() as captured:
        result = shell.run_cell("%%llm nokey --show-raw\n你好")
    assert type(result.error_in_exec).__name__ == "MissingKeyError"
    assert not any("先问一次" in text or "HTTP 200" in text for text in _texts(captured))


def test_show_raw_after_a_replay_sent_nothing(shell):
    run(shell, "%%llm demo --cache\n你好")
    captured = run(shell, "%%llm demo --cache --show-raw\n你好")
    assert _texts(captured)[-1].startswith("Nothing was sent")


@pytest.mark.parametrize("option", ["--show-code", "--show-raw"])
def test_one_provider_only(shell, option):
    with pytest.raises(UsageError, match=f"{option} works with one provider"):
        run(shell, f"%%llm demo demo:demo-reasoner {option}\n你好")


def test_in_chinese(shell, deepseek):
    shell.run_line_magic("config", 'LLMMagics.language = "zh"')
    captured = run(shell, "%%llm deepseek --show-code --show-raw\n你好")
    assert _texts(captured)[0].startswith(
        "这个单元格发送的请求，写成代码（Python · requests）；Key 从环境变量 DEEPSEEK_API_KEY 读取：")
    assert "服务器返回的原始回复：" in _texts(captured)[-1]
