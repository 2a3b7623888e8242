"""The live view in JupyterLab and a real Chromium: the answer grows block by block inside one
output, and ends as ordinary rendered Markdown with no widget left in the cell or the file."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import nbformat
import pytest

from tests.harness.kernel import evaluate, write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

ANSWER = """## 机器学习是什么？

机器学习（Machine Learning）让计算机**从数据中学习规律**，而不是由人把每条规则都写出来。

- **监督学习**：用带标签的数据训练，例如识别垃圾邮件；
- **无监督学习**：在没有标签的数据里发现结构，例如客户分群；
- **强化学习**：通过奖励和惩罚学会决策，例如下棋。

| 方法 | 需要标签 | 例子 |
|---|---|---|
| 监督学习 | 是 | 房价预测 |
| 无监督学习 | 否 | 聚类 |

```python
from sklearn.linear_model import LinearRegression
model = LinearRegression().fit(X, y)
```

总之，机器学习的核心是：**数据 + 模型 + 评估**。
"""
HEADING = re.compile(r"机器学习是什么")
#: records the answer's tail Output (the outer panel's second Output) whenever the cell changes
TAIL_RECORDER = """(cell) => {
    window.__tails = [];
    new MutationObserver(() => {
        const box = cell.querySelector('.widget-vbox');
        const outputs = box ? [...box.children].filter(c => c.classList.contains('widget-output')) : [];
        if (outputs.length < 2) return;
        const tail = outputs[1];
        const sample = {text: tail.innerText.trim(), markdown: tail.querySelectorAll('.jp-RenderedMarkdown').length,
                        children: tail.querySelectorAll('.jp-OutputArea-child').length};
        const last = window.__tails[window.__tails.length - 1];
        if (!last || JSON.stringify(last) !== JSON.stringify(sample)) window.__tails.push(sample);
    }).observe(cell, {childList: true, subtree: true, characterData: true});
}"""
LIST_ITEMS = ("监督学习：用带标签", "无监督学习", "强化学习")


@pytest.fixture
def stand_in():
    """DeepSeek's stand-in: thinks for a while, then streams the answer word by word (~4 s)."""
    from llm_magic.loopback import FakeProvider, Reply

    reply = Reply.answer(ANSWER, reasoning="用户想了解机器学习。\n\n先给定义，再分三类，最后举例。",
                         first_delay=0.5, delay=0.025)
    with FakeProvider("deepseek", default_reply=reply) as fake:
        yield fake


@pytest.fixture
def lab(tmp_path: Path, stand_in):
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    env = {"DEEPSEEK_BASE_URL": stand_in.base_url, "DEEPSEEK_API_KEY": stand_in.key, "LLM_MAGIC_LANGUAGE": "zh"}
    with JupyterLabServer(tmp_path / "lab", env=env) as server:
        try:
            yield server
        finally:
            print(f"--- end of jupyter-lab log ---\n{server.log_tail()}")


@pytest.mark.browser
def test_answer_grows_in_one_output_and_ends_as_markdown(lab, browser_page, stand_in) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import (
        ARTIFACTS,
        observe_output,
        open_notebook,
        run_cell,
        save_notebook,
        screenshot,
    )

    page = browser_page
    path = write_notebook(lab.root_dir / "live.ipynb",
                          ["%load_ext llm_magic", "%%llm deepseek --think\n什么是机器学习？"])
    open_notebook(page, lab, "live.ipynb")
    run_cell(page, 0)
    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(1)
    recording = observe_output(page, cell)  # before running: polling misses updates
    page.evaluate("""() => { window.__sawWidget = false;
        new MutationObserver(() => { if (document.querySelector('.jp-Cell .widget-output'))
            window.__sawWidget = true; }).observe(document.body, {childList: true, subtree: true}); }""")

    cell.evaluate(TAIL_RECORDER)

    # mid-stream: the live widgets, with finished blocks rendered as Markdown
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    live = cell.locator(".widget-output .jp-RenderedMarkdown")
    expect(live.first).to_be_visible(timeout=20_000)
    # the tail (the panel's second Output, replaced through its outputs trait) renders Markdown too
    tail = cell.locator(".widget-vbox").first.locator(":scope > .widget-output").nth(1)
    expect(tail.locator(".jp-RenderedMarkdown li", has_text="监督学习")).to_be_visible(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    cell.screenshot(path=str(ARTIFACTS / "live_view_tail.png"))
    expect(cell.locator(".widget-output li", has_text="无监督学习")).to_be_visible(timeout=20_000)
    cell.screenshot(path=str(ARTIFACTS / "live_view_streaming.png"))
    prompt = cell.locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)

    # the end: one plain Markdown output, no widget view left
    rendered = cell.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    expect(rendered.locator("h2")).to_have_text(HEADING)
    for item in LIST_ITEMS:
        expect(rendered.locator("li", has_text=item)).to_be_visible()
    expect(rendered.locator("table td", has_text="房价预测")).to_be_visible()
    expect(rendered.locator("pre", has_text="LinearRegression")).to_be_visible()
    expect(rendered.locator("details summary")).to_contain_text("思考过程")
    expect(rendered).to_contain_text("deepseek · deepseek-flash")  # the footer
    assert cell.locator(".jupyter-widgets").count() == 0
    recording.stop()

    texts = recording.texts()
    assert page.evaluate("window.__sawWidget")
    lengths = [len(t) for t in texts if "机器学习" in t]
    growth = [b for a, b in itertools.pairwise(lengths) if b > a]
    assert len(growth) >= 5, texts  # grew in several steps while streaming
    assert recording.max_children() == 1, texts
    # the tail was replaced in place: rendered Markdown, growing, never two outputs at once
    tails = page.evaluate("window.__tails")
    shown = [t["text"] for t in tails if t["markdown"] and t["text"]]
    assert len(set(shown)) >= 5, tails
    assert any(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(shown)), shown
    assert max(t["children"] for t in tails) == 1, tails
    assert cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child").count() == 1
    screenshot(page, "live_view")

    # kernel side: every widget closed; the saved file holds Markdown, no widget view or model
    client = lab.kernel_client("live.ipynb")
    assert evaluate(client, "len(__import__('ipywidgets').Widget.widgets)") == "0"
    saved = nbformat.reads(save_notebook(page, path), as_version=4)
    (output,) = saved.cells[1].outputs
    assert output.output_type == "display_data"
    assert (output.data["text/markdown"].startswith("<details>")
            and "## 机器学习是什么？" in output.data["text/markdown"])
    assert "application/vnd.jupyter.widget-view+json" not in output.data
    state = saved.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert not state, json.dumps(state)[:300]
    assert output.metadata["llm_magic"]["status"] == "done"


@pytest.fixture
def two_stand_ins():
    from llm_magic.loopback import FakeProvider, Reply

    with FakeProvider("deepseek", default_reply=Reply.answer(ANSWER, first_delay=0.3, delay=0.03)) as deepseek, \
            FakeProvider("bailian", models=["qwen-plus", "qwen-max"],
                         default_reply=Reply.answer(ANSWER.replace("机器学习是什么", "百炼：机器学习"), delay=0.04)
                         ) as bailian:
        yield deepseek, bailian


@pytest.mark.browser
def test_several_providers_stream_side_by_side(tmp_path, browser_page, two_stand_ins) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import ARTIFACTS, open_notebook, run_cell, screenshot
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    deepseek, bailian = two_stand_ins
    env = {"DEEPSEEK_BASE_URL": deepseek.base_url, "DEEPSEEK_API_KEY": deepseek.key, "LLM_MAGIC_LANGUAGE": "zh",
           "BAILIAN_BASE_URL": bailian.base_url, "BAILIAN_API_KEY": bailian.key}
    with JupyterLabServer(tmp_path / "lab", env=env) as lab:
        page = browser_page
        write_notebook(lab.root_dir / "side.ipynb", [
            "%load_ext llm_magic", "%%llm deepseek bailian bailian:qwen-pluss\n什么是机器学习？"])
        open_notebook(page, lab, "side.ipynb")
        run_cell(page, 0)
        cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(1)
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        columns = cell.locator(".widget-gridbox > .widget-vbox")
        expect(columns).to_have_count(3, timeout=20_000)
        expect(columns.nth(2)).to_contain_text("qwen-plus", timeout=20_000)  # the did-you-mean hint
        expect(columns.nth(0).locator("li", has_text="无监督学习")).to_be_visible(timeout=20_000)
        ARTIFACTS.mkdir(exist_ok=True)
        cell.screenshot(path=str(ARTIFACTS / "live_view_columns.png"))
        boxes = [columns.nth(i).bounding_box() for i in range(2)]
        assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 2  # side by side at 1280 px
        expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
        rendered = cell.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
        expect(rendered.locator("h2")).to_have_count(3 + 2)  # a heading per provider, and each answer's own
        expect(rendered).to_contain_text("BadRequestError")
        assert cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child").count() == 1
        assert cell.locator(".jupyter-widgets").count() == 0
        screenshot(page, "live_view_columns_final")
