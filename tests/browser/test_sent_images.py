"""The thumbnail of a sent image, in JupyterLab and a real Chromium: it is decoded and drawn above
the answer, and it is saved into the notebook with the answer."""

from __future__ import annotations

import base64

import nbformat
import pytest

from tests.harness.images import png_bytes
from tests.harness.kernel import write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # jupyter_lab, browser_page, chromium_browser


@pytest.mark.browser
def test_the_thumbnail_is_drawn_above_the_answer_and_saved(jupyter_lab, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import append_cell, open_notebook, run_cell, save_notebook, screenshot

    encoded = base64.b64encode(png_bytes(12, 8, (20, 120, 220))).decode()
    path = write_notebook(jupyter_lab.root_dir / "images.ipynb", [""])
    open_notebook(browser_page, jupyter_lab, "images.ipynb")
    run_cell(browser_page, 0, f"%load_ext llm_magic\nimport base64\nraw = base64.b64decode('{encoded}')")
    cell = append_cell(browser_page)
    run_cell(browser_page, cell, "%%llm demo --image raw\n描述这张图片")

    thumbnail = cell.locator(".llm-magic-sent-images img")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 12  # the browser decoded it
    expect(cell.locator(".jp-RenderedMarkdown")).to_contain_text("12 × 8")
    box, answer = thumbnail.bounding_box(), cell.locator(".jp-RenderedMarkdown").last.bounding_box()
    assert box is not None and answer is not None and box["y"] < answer["y"]  # above the answer
    screenshot(browser_page, "sent-image-thumbnail")

    saved = nbformat.reads(save_notebook(browser_page, path), as_version=4)
    pages = [o.data.get("text/html", "") for o in saved.cells[1].outputs if "data" in o]
    assert any(f"data:image/png;base64,{encoded}" in page for page in pages)
