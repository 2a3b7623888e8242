"""The live view in real front ends and a real Chromium: JupyterLab with the widget front end,
JupyterLab without it (a Lab from another environment than the kernel's), and Notebook 7.

In each, the reasoning and then the answer stream in place as rendered Markdown, never as a
widget's repr, never with a line shown twice, and the cell ends with one output: in the page
and in the saved file, which holds no widget state."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from tests.harness.kernel import write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

SECTION = """## 第 {n} 节：机器学习是什么？

机器学习（Machine Learning）让计算机**从数据中学习规律**，而不是由人把每条规则都写出来（标记 {n}）。

- **监督学习**：用带标签的数据训练，例如识别垃圾邮件；
- **无监督学习**：在没有标签的数据里发现结构，例如客户分群；

| 方法 | 需要标签 | 例子 |
|---|---|---|
| 监督学习 | 是 | 房价预测 {n} |
| 无监督学习 | 否 | 聚类 |

```python
from sklearn.linear_model import LinearRegression
model_{n} = LinearRegression().fit(X, y)
```

"""
SECTIONS = 8
ANSWER = "".join(SECTION.format(n=n) for n in range(1, SECTIONS + 1)) + "总之：**数据 + 模型 + 评估**。\n"
REASONING = "".join(f"第 {n} 步：想一想怎么解释（推理 {n}）。\n" for n in range(1, 40))
#: what a widget's repr looks like in a front end that cannot draw it
WIDGET_REPR = re.compile(r"\b(VBox|HBox|GridBox|Output|LiveOutput|HTML|Accordion)\((children|value|layout)?")
FRONT_ENDS = {
    "lab": {"app": "lab"},
    "lab-without-widgets": {"app": "lab", "disabled_extensions": ("@jupyter-widgets/jupyterlab-manager",)},
    "notebook7": {"app": "notebook"},
}


@pytest.fixture(scope="module")
def stand_ins():
    """DeepSeek's stand-in thinks for a while, then streams the answer three words at a time (~5 s);
    Bailian's answers a little slower (for the columns)."""
    from llm_magic.loopback import FakeProvider, Reply

    reply = Reply.answer(ANSWER, reasoning=REASONING, chunk_size_words=3, first_delay=0.5, delay=0.01)
    other = Reply.answer(ANSWER.replace("机器学习是什么", "百炼：机器学习"), chunk_size_words=3, delay=0.012)
    with FakeProvider("deepseek", default_reply=reply) as deepseek, \
            FakeProvider("bailian", models=["qwen-plus", "qwen-max"], default_reply=other) as bailian:
        yield deepseek, bailian


@pytest.fixture(scope="module", params=list(FRONT_ENDS))
def front_end(request, tmp_path_factory, stand_ins):
    """One server per front end for this module's tests (starting one takes most of a test's time)."""
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    deepseek, bailian = stand_ins
    env = {"DEEPSEEK_BASE_URL": deepseek.base_url, "DEEPSEEK_API_KEY": deepseek.key, "LLM_MAGIC_LANGUAGE": "zh",
           "BAILIAN_BASE_URL": bailian.base_url, "BAILIAN_API_KEY": bailian.key}
    root = tmp_path_factory.mktemp(request.param)
    with JupyterLabServer(root / "lab", env=env, **FRONT_ENDS[request.param]) as server:
        try:
            yield request.param, server
        finally:
            print(f"--- end of the server's log ---\n{server.log_tail()}")


@pytest.mark.browser
def test_answer_streams_in_place_and_ends_as_one_markdown_output(front_end, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import observe_output, open_notebook, run_cell, save_notebook, screenshot

    name, server = front_end
    page = browser_page
    path = write_notebook(server.root_dir / "live.ipynb",
                          ["%load_ext llm_magic", "%%llm deepseek --think\n什么是机器学习？"])
    open_notebook(page, server, "live.ipynb")
    run_cell(page, 0)
    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(1)
    recording = observe_output(page, cell)  # before running: polling misses updates

    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    # thinking: the reasoning itself is on screen, rendered, under its title
    expect(cell.locator(".jp-RenderedMarkdown", has_text="推理 2")).to_be_visible(timeout=20_000)
    expect(cell.locator(".jp-RenderedMarkdown strong", has_text="思考中")).to_be_visible()
    # answering: Markdown rendered while it streams, over several outputs
    expect(cell.locator(".jp-RenderedMarkdown h2", has_text="第 2 节")).to_be_visible(timeout=20_000)
    screenshot(page, f"live_view_{name}_streaming")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)

    # the end: one rendered Markdown output, reasoning folded, footer, code in a monospace font
    rendered = cell.locator(".jp-OutputArea-output.jp-RenderedMarkdown").first
    expect(rendered.locator("h2")).to_have_count(SECTIONS)
    expect(rendered.locator("table td", has_text=f"房价预测 {SECTIONS}")).to_be_visible()
    expect(rendered.locator("details summary")).to_contain_text("思考过程")
    expect(rendered).to_contain_text("deepseek · deepseek-flash")
    font = rendered.locator("pre").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "mono" in font.lower(), font
    visible = [o for o in cell.locator(".jp-OutputArea-child").all() if o.inner_text().strip()]
    assert len(visible) == 1
    assert cell.locator(".jupyter-widgets, .jp-OutputArea-output pre.jp-RenderedText").count() == 0
    recording.stop()
    screenshot(page, f"live_view_{name}")

    texts = recording.texts()
    assert not [t for t in texts if WIDGET_REPR.search(t)], "a widget repr was on screen"
    grew = [t for t in texts if "标记" in t]
    assert len(grew) >= 5, texts  # grew in several steps while streaming
    assert recording.max_children() > 1  # cut into pieces while it streamed
    for text in texts:  # no line ever on screen twice, at any moment
        for mark in (r"（标记 (\d+)）", r"model_(\d+) ="):
            found = re.findall(mark, text)
            assert len(found) == len(set(found)), (mark, text[:300])

    saved = nbformat.reads(save_notebook(page, path), as_version=4)
    outputs = saved.cells[1].outputs
    shown = [o for o in outputs if any(o.get("data", {}).values())]
    assert len(shown) == 1 and shown[0].data["text/markdown"].startswith("<details>")
    assert shown[0].metadata["llm_magic"]["status"] == "done"
    assert all(o.data == {"text/markdown": ""} for o in outputs if o is not shown[0])
    assert "application/vnd.jupyter.widget-view" not in json.dumps(saved.dict())
    state = saved.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert not state, json.dumps(state)[:300]  # no widget model (the widget front end may write an empty state)


@pytest.mark.browser
def test_several_providers_stay_side_by_side_to_the_end(front_end, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import open_notebook, run_cell, screenshot

    name, server = front_end
    if name != "lab":
        pytest.skip("the columns are the same Markdown in every front end: checked once, in JupyterLab")
    page = browser_page
    write_notebook(server.root_dir / "side.ipynb", [
        "%load_ext llm_magic", "%%llm deepseek bailian bailian:qwen-pluss\n什么是机器学习？"])
    open_notebook(page, server, "side.ipynb")
    run_cell(page, 0)
    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(1)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    grid = cell.locator(".jp-RenderedMarkdown > div[style*='grid']").first
    expect(grid.locator(":scope > div")).to_have_count(3, timeout=20_000)
    expect(grid.locator(":scope > div").nth(2)).to_contain_text("qwen-plus", timeout=20_000)  # did you mean
    expect(grid.locator("h2", has_text="第 2 节").first).to_be_visible(timeout=20_000)
    streaming = [box for box in (grid.locator(":scope > div").nth(i).bounding_box() for i in range(3)) if box]
    assert len(streaming) == 3 and len({round(b["y"]) for b in streaming}) == 1  # one row: side by side
    screenshot(page, "live_view_columns_streaming")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
    visible = [o for o in cell.locator(".jp-OutputArea-child").all() if o.inner_text().strip()]
    assert len(visible) == 1
    final = visible[0].locator(".jp-RenderedMarkdown > div[style*='grid'] > div")
    expect(final).to_have_count(3)
    expect(final.nth(2)).to_contain_text("BadRequestError")
    ended = [final.nth(i).bounding_box() for i in range(3)]
    for before, after in zip(streaming, ended, strict=True):  # the layout a reader saw stays
        assert after and abs(before["x"] - after["x"]) < 2 and abs(before["width"] - after["width"]) < 2
    assert cell.locator(".jupyter-widgets").count() == 0
    screenshot(page, "live_view_columns_final")
