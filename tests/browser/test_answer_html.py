"""A hostile answer in JupyterLab and a real Chromium: its ``<img onerror>`` runs nowhere.

A control cell displays the same markup as trusted HTML and must set its own flag, so the page
demonstrably runs handlers of live outputs; the answer's flag must stay unset, in the default
Markdown view (live widgets, then the final Markdown) and with ``-f html`` (a sandboxed frame).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROVIDER_VARIABLES
from tests.harness.kernel import write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

ANSWER = ('## 回答\n\n<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>\n\n'
          '<details open ontoggle="window.__pwned=3">x</details>\n\n正文 `<b>` 结束。')
CONTROL = "from IPython.display import HTML; HTML('<img src=x onerror=\"window.__control=1\">')"


@pytest.fixture
def lab(tmp_path: Path):
    from llm_magic.loopback import FakeProvider, Reply
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    with FakeProvider("deepseek", default_reply=Reply.answer(ANSWER, delay=0.01)) as fake:
        env = {url_var: "http://127.0.0.1:9" for _, url_var in PROVIDER_VARIABLES.values()}
        env.update(DEEPSEEK_BASE_URL=fake.base_url, DEEPSEEK_API_KEY=fake.key, LLM_MAGIC_LANGUAGE="en")
        with JupyterLabServer(tmp_path / "lab", env=env) as server:
            try:
                yield server
            finally:
                print(f"--- end of jupyter-lab log ---\n{server.log_tail()}")


@pytest.mark.browser
def test_an_answers_onerror_sets_no_flag_in_window(lab, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import append_cell, open_notebook, run_cell, set_cell_text

    page = browser_page
    write_notebook(lab.root_dir / "hostile.ipynb", ["%load_ext llm_magic"])
    open_notebook(page, lab, "hostile.ipynb")
    run_cell(page, 0)
    cells = []
    for text in (CONTROL, "%%llm deepseek\nhi", "%%llm deepseek -f html\nhi"):
        cell = append_cell(page)
        set_cell_text(page, cell, text)
        run_cell(page, cell, timeout=60)
        cells.append(cell)
    page.wait_for_function("window.__control === 1", timeout=10_000)  # live outputs do run handlers
    markdown = cells[1].locator(".jp-RenderedMarkdown").last
    expect(markdown).to_contain_text('<img src=x onerror="window.__pwned=1">')  # shown as text
    expect(markdown.locator("code", has_text="<b>")).to_be_visible()
    frame = cells[2].locator('iframe[sandbox=""]')
    expect(frame).to_have_count(1)
    page.wait_for_timeout(500)  # an image error fires within a frame or two; give it ample time
    assert page.evaluate("[window.__pwned, document.querySelectorAll('.jp-OutputArea img').length]") == [None, 1]
