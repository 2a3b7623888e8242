"""A notebook executed by ``jupyter nbconvert --execute`` (nbclient, as papermill runs it) and then
exported to HTML, the way a teacher publishes a lesson.

The executed file holds no widget state and no widget view; each ``%%llm`` cell ends with exactly
one output that shows something (the answer with its footer, once) and the emptied pieces; the
HTML needs no script from a CDN to be read (the answer's text is in the page itself, checked in
Chromium with every request but the file refused), and code in the answer is in a monospace font.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.conftest import PROVIDER_VARIABLES
from tests.harness.kernel import write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

ROOT = Path(__file__).resolve().parents[2]
SECTION = """## 第 {n} 节

一个很长的段落，讲清楚第 {n} 个例子为什么用 `sum()` 这样写（标记 {n}）。

```python
total_{n} = sum(range(1, 101))
```

"""
SECTIONS = 12
ANSWER = "".join(SECTION.format(n=n) for n in range(1, SECTIONS + 1)) + "完。\n"
#: a model name no line can hold: the error that names it must wrap it, and keep every other word whole
LONG_MODEL = "chat-" + "averyveryverylongmodelname" * 6
CELLS = [
    "%load_ext llm_magic",
    "%%llm deepseek\n写几段带代码的说明",
    "%%llm deepseek demo\n对比一下",
    '%config LLMMagics.language = "en"',  # English words: a break-all would cut some at the line's end
    f"%%llm demo demo:{LONG_MODEL}\ncompare",
]
MARK = re.compile(r"（标记 (\d+)）")


def _nbconvert(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The lesson executed by nbconvert against the DeepSeek stand-in, which streams for ~3 s (so the
    live view cuts the answer into several outputs before it consolidates)."""
    from llm_magic.loopback import FakeProvider, Reply

    folder = tmp_path_factory.mktemp("export")
    reply = Reply.answer(ANSWER, chunk_size_words=2, delay=0.01)
    with FakeProvider("deepseek", default_reply=reply) as fake:
        env = {url_var: "http://127.0.0.1:9" for _, url_var in PROVIDER_VARIABLES.values()}
        env.update(DEEPSEEK_BASE_URL=fake.base_url, DEEPSEEK_API_KEY=fake.key, LLM_MAGIC_LANGUAGE="zh",
                   LLM_MAGIC_DEMO_DELAY="0")
        write_notebook(folder / "lesson.ipynb", CELLS)
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)  # the kernel nbconvert starts inherits these
        try:
            _nbconvert("--execute", "--to", "notebook", "--output", "executed.ipynb", "lesson.ipynb", cwd=folder)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    yield folder / "executed.ipynb"


def _shown(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for o in cell.outputs if any(str(v).strip() for v in o.get("data", {}).values()) or o.get("text")]


@pytest.mark.kernel
def test_the_executed_notebook_has_one_answer_per_cell_and_no_widget(executed: Path) -> None:
    text = executed.read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=4)
    assert not notebook.metadata.get("widgets"), notebook.metadata.get("widgets")
    assert "application/vnd.jupyter.widget" not in text and "comm_id" not in text

    single, columns = notebook.cells[1], notebook.cells[2]
    assert len(single.outputs) > 1  # the stand-in streamed long enough for several pieces …
    for cell in (single, columns):
        shown = _shown(cell)
        assert len(shown) == 1, [o.get("data") for o in shown]  # … and one output shows the answer
        assert all(o.output_type == "display_data" and o.data == {"text/markdown": ""}
                   for o in cell.outputs if o is not shown[0])
        answer = shown[0].data["text/markdown"]
        assert answer.count("deepseek · deepseek-") == 1 and "输出" in answer  # the footer, once
        marks = MARK.findall(answer)
        assert marks == [str(n) for n in range(1, SECTIONS + 1)], marks  # every section, none twice
        assert shown[0].data["text/plain"].count("（标记 1）") == 1
    assert _shown(columns)[0].metadata["llm_magic"]["status"] == "done"
    assert "Demo" in _shown(columns)[0].data["text/markdown"]
    failed = _shown(notebook.cells[4])
    assert len(failed) == 1 and "BadRequestError" in failed[0].data["text/markdown"]
    # no copy of the answer anywhere else in the file: two cells × (Markdown, plain text)
    assert text.count("标记 7") == 4


@pytest.fixture(scope="module")
def exported(executed: Path) -> Path:
    _nbconvert("--to", "html", "executed.ipynb", cwd=executed.parent)
    return executed.with_suffix(".html")


@pytest.mark.kernel
def test_the_html_holds_the_answer_and_no_widget_manager(exported: Path) -> None:
    page = exported.read_text(encoding="utf-8")
    assert "html-manager" not in page and "widget-state+json" not in page and "widget-view+json" not in page
    body = re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)  # the text is in the page, not in a script
    assert MARK.findall(body) == [str(n) for n in range(1, SECTIONS + 1)] * 2  # two cells, each answer once
    assert body.count("total_5") == 2


@pytest.mark.browser
def test_the_html_reads_offline_with_code_in_a_monospace_font(exported: Path, browser_page) -> None:
    """Chromium refuses every request but the file itself (a school network blocking the CDN)."""
    from playwright.sync_api import expect

    from tests.harness.browser import screenshot

    page = browser_page
    refused: list[str] = []
    page.route(re.compile(r"^(?!file:).*"), lambda route: (refused.append(route.request.url), route.abort()))
    page.goto(exported.as_uri())
    outputs = page.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    answer = outputs.filter(has_text="标记 1").first
    expect(answer.locator("h2", has_text=f"第 {SECTIONS} 节")).to_be_visible()
    expect(answer).to_contain_text("deepseek · deepseek-")
    for selector in ("pre", "code"):
        element = answer.locator(selector).first
        font = element.evaluate("e => getComputedStyle(e).fontFamily")
        assert "mono" in font.lower(), (selector, font)
        width = element.evaluate("""e => { const probe = t => { const s = document.createElement('span');
            s.textContent = t; e.appendChild(s); const w = s.getBoundingClientRect().width; s.remove(); return w; };
            return [probe('iiiiiiiiii'), probe('MMMMMMMMMM')]; }""")
        assert abs(width[0] - width[1]) < 1, (selector, font, width)  # really monospace: i is as wide as M
    grid = page.locator(".jp-RenderedMarkdown > div[style*='grid']").first
    boxes = [grid.locator(":scope > div").nth(i).bounding_box() for i in range(2)]
    assert all(boxes) and abs(boxes[0]["y"] - boxes[1]["y"]) < 2  # the columns side by side in the HTML too
    columns = page.locator(".jp-RenderedMarkdown > div[style*='grid'] > div")
    _assert_wraps_long_tokens_only(columns.filter(has_text="BadRequestError"))
    assert refused, "the page asked for nothing: the check that it needs nothing proves nothing"
    screenshot(page, "nbconvert_html_offline")


#: for each word of the column's text (a run of ASCII: Chinese may wrap between any two characters),
#: how many lines it spans; and how far the column overflows
_WORD_LINES = """column => {
    const words = [];
    const walker = document.createTreeWalker(column, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/[\\x21-\\x7e]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            words.push([match[0], tops.size]);
        }
    }
    return {words, overflow: column.scrollWidth - column.clientWidth};
}"""


def _assert_wraps_long_tokens_only(column) -> None:
    """The error box of a column: the long model name wraps inside the column (no overflow), and
    every shorter word stays on one line (``word-break: break-all`` would cut words at the edge)."""
    seen = column.evaluate(_WORD_LINES)
    assert seen["overflow"] <= 1, seen["overflow"]
    assert any(LONG_MODEL in word and lines > 1 for word, lines in seen["words"])  # it did have to wrap
    broken = [word for word, lines in seen["words"] if lines > 1 and LONG_MODEL not in word]
    assert not broken, broken
