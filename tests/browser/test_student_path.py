"""A student's first session, in JupyterLab and a real Chromium: load the extension, paste a key
at the kernel's password prompt, ask DeepSeek (a loopback stand-in) and watch the Markdown answer stream
into one output, then save — and the key is nowhere in the saved notebook."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.conftest import PROVIDER_VARIABLES
from tests.harness.kernel import evaluate, write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

REPO_ROOT = Path(__file__).resolve().parents[2]
README_IMAGE = REPO_ROOT / "docs" / "images" / "streamed-answer.png"
#: the README picture changes on every run (timings); rewrite it only when asked or missing
UPDATE_IMAGE = "LLM_MAGIC_UPDATE_README_IMAGE"

PROMPT = "用 Markdown 简单介绍 Jupyter Notebook，列出三个优点"
ANSWER = """## Jupyter Notebook 是什么？

Jupyter Notebook 把**代码、运行结果和文字说明**放在同一个文档里，非常适合课堂演示和做实验。

- **边写边运行**：每个单元格可以单独运行，马上看到结果；
- **图文并茂**：表格、图片和公式都能直接显示在代码旁边；
- **便于分享**：一个 `.ipynb` 文件就能把思路和结果完整交给别人。
"""
HEADING = re.compile(r"Jupyter Notebook 是什么")
LIST_ITEMS = ("边写边运行", "图文并茂", "便于分享")
#: for the README picture only: no cell toolbar or selection marks around the answer
_PICTURE_CSS = """
.jp-cell-toolbar, .jp-Notebook .jp-Cell .jp-Collapser { visibility: hidden !important; }
.jp-Notebook .jp-Cell.jp-mod-selected, .jp-Notebook .jp-Cell.jp-mod-active {
    background: transparent !important; border-color: transparent !important;
    outline: none !important; box-shadow: none !important; }
"""


@pytest.fixture
def typed_key() -> str:
    """A fresh random key shaped like DeepSeek's; never a real one."""
    return "sk-" + secrets.token_hex(16)


@pytest.fixture
def stand_in(typed_key: str):
    """DeepSeek's stand-in: accepts only the typed key, waits before the first token like a real
    API, then streams two characters at a time."""
    from llm_magic.loopback import FakeProvider, Reply

    reply = Reply.answer(ANSWER, chunk_size_words=2, first_delay=0.8, delay=0.03)
    with FakeProvider("deepseek", key=typed_key, default_reply=reply) as fake:
        yield fake


@pytest.fixture
def lab(tmp_path: Path, stand_in):
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    env = {url_var: "http://127.0.0.1:9" for _, url_var in PROVIDER_VARIABLES.values()}
    env.update(DEEPSEEK_BASE_URL=stand_in.base_url, LLM_MAGIC_LANGUAGE="zh")
    with JupyterLabServer(tmp_path / "lab", env=env) as server:
        try:
            yield server
        finally:
            print(f"--- end of jupyter-lab log ---\n{server.log_tail()}")


def _kernel_expression(lab, notebook: str, expression: str) -> str:
    return evaluate(lab.kernel_client(notebook), expression)


@pytest.mark.browser
def test_student_enters_a_key_and_sees_a_streamed_answer(lab, browser_page, stand_in, typed_key) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import (
        append_cell,
        observe_output,
        open_notebook,
        run_cell,
        save_notebook,
        screenshot,
        set_cell_text,
    )

    page = browser_page
    page.set_viewport_size({"width": 1100, "height": 900})
    path = write_notebook(lab.root_dir / "student.ipynb", ["%load_ext llm_magic"])
    open_notebook(page, lab, "student.ipynb")
    run_cell(page, 0)

    # -- the kernel's own password prompt: typed, Enter, and only dots remain -------------------
    key_cell = append_cell(page)
    set_cell_text(page, key_cell, "%llm_key deepseek")
    page.keyboard.press("Control+Enter")  # not run_cell: the prompt shows [*] until the key is in
    password = key_cell.locator("input.jp-Stdin-input[type=password]")
    expect(password).to_be_visible()
    expect(key_cell.locator(".jp-Stdin-prompt")).to_contain_text("DeepSeek 的 Key（输入不显示）")
    password.press_sequentially(typed_key, delay=5)
    password.press("Enter")
    expect(key_cell.locator(".jp-OutputArea-output", has_text="✓")).to_contain_text(f"sk-…{typed_key[-4:]}")
    expect(password).to_have_count(0)
    expect(key_cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"))

    source = _kernel_expression(lab, "student.ipynb",
                                "__import__('llm_magic.keys.lookup').keys.lookup.lookup_key("
                                "__import__('llm_magic').get_provider('deepseek')).source")
    assert source == "'entered here'"
    digest = _kernel_expression(lab, "student.ipynb",
                                "__import__('hashlib').sha256(__import__('llm_magic.keys.lookup').keys.lookup.lookup_key("
                                "__import__('llm_magic').get_provider('deepseek')).value.reveal().encode()).hexdigest()")
    assert digest.strip("'") == hashlib.sha256(typed_key.encode()).hexdigest()
    # -- the answer streams into one output, updated in place --------------------------------
    answer_cell = append_cell(page)
    set_cell_text(page, answer_cell, f"%%llm deepseek\n{PROMPT}")
    recording = observe_output(page, answer_cell)  # before running: polling misses updates
    run_cell(page, answer_cell, timeout=60)
    rendered = answer_cell.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    expect(rendered.locator("h2")).to_have_text(HEADING)
    for item in LIST_ITEMS:
        expect(rendered.locator("li", has_text=item)).to_be_visible()
    expect(rendered).to_contain_text("deepseek · deepseek-flash")  # the footer line
    recording.stop()

    texts = recording.texts()
    # Redraws may blank a part for a moment, so count the times the answer on screen grew
    # beyond anything shown before: several growth steps before the whole answer.
    answer_texts = [t for t in texts if "Jupyter" in t]
    longest, steps = 0, []
    for text in answer_texts:
        if len(text) > longest:
            longest = len(text)
            steps.append(text)
    assert len([t for t in steps if "便于分享" not in t]) >= 3, texts
    assert "便于分享" in answer_texts[-1], texts
    assert recording.max_children() == 1, texts
    assert answer_cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child").count() == 1

    chat = [r for r in stand_in.requests if r.path.endswith("/chat/completions")]
    assert len(chat) == 1
    assert chat[0].headers.get("Authorization") == f"Bearer {typed_key}"
    assert chat[0].body["stream"] is True and chat[0].body["model"] == "deepseek-flash"

    # -- pictures: the whole page for the test log, the notebook alone for the README -------
    screenshot(page, "student-path")
    page.mouse.move(0, 0)  # no hover highlight in the picture
    page.add_style_tag(content=_PICTURE_CSS)
    panel = page.locator(".jp-NotebookPanel:visible").first.bounding_box()
    last = answer_cell.bounding_box()
    assert panel and last
    artefact = REPO_ROOT / "test-artifacts" / "streamed-answer.png"
    page.screenshot(path=str(artefact), clip={
        "x": panel["x"], "y": panel["y"], "width": panel["width"],
        "height": last["y"] + last["height"] + 12 - panel["y"]})
    if os.environ.get(UPDATE_IMAGE) == "1" or not README_IMAGE.exists():
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artefact, README_IMAGE)

    # -- save (widget state saving on): the key is nowhere in the file ---------------------------
    text = save_notebook(page, path)
    saved = nbformat.reads(text, as_version=4)
    state = saved.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state")
    assert not state  # no widget model holds anything
    assert "DeepSeek 的 Key（输入不显示）" in text  # the key's cell was saved...
    assert "边写边运行" in text  # ...and the answer...
    assert typed_key not in text  # ...the key was not
    assert typed_key[:8] not in text
    assert typed_key[-12:] not in text
