"""Proves the test harness end to end: JupyterLab + Chromium, and a bare kernel's iopub stream."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.harness.kernel import evaluate, execute_and_collect, write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # jupyter_lab, browser_page, chromium_browser

UPDATING_DISPLAY = """\
import time
from IPython.display import Markdown, display
handle = display(Markdown("# step 0"), display_id=True)
for step in range(1, 4):
    time.sleep(0.3)
    handle.update(Markdown(f"# step {step}"))
"""


@pytest.mark.browser
def test_lab_runs_cells_and_updates_a_display_in_place(jupyter_lab, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import (
        append_cell,
        observe_output,
        open_notebook,
        run_cell,
        save_notebook,
        screenshot,
    )

    path = write_notebook(jupyter_lab.root_dir / "smoke.ipynb", [""])
    open_notebook(browser_page, jupyter_lab, "smoke.ipynb")

    run_cell(browser_page, 0, "x = 41 + 1")
    assert evaluate(jupyter_lab.kernel_client("smoke.ipynb"), "x") == "42"

    cell = append_cell(browser_page)
    recording = observe_output(browser_page, cell)  # before running: polling misses updates
    run_cell(browser_page, cell, UPDATING_DISPLAY)
    expect(cell.locator(".jp-RenderedMarkdown")).to_have_text(re.compile(r"step 3"))

    # the same output changed while the cell ran; a busy browser may paint two steps in one frame
    texts = recording.texts()
    steps = [int(match.group(1)) for text in texts if (match := re.match(r"step (\d)", text))]
    assert len(steps) >= 2 and steps == sorted(set(steps)) and steps[-1] == 3, texts
    assert recording.max_children() == 1
    assert cell.locator(".jp-OutputArea-child").count() == 1
    screenshot(browser_page, "harness-smoke")
    saved = nbformat.reads(save_notebook(browser_page, path), as_version=4)
    assert saved.cells[0].source == "x = 41 + 1"
    assert [o.data["text/markdown"] for o in saved.cells[1].outputs] == ["# step 3"]


@pytest.mark.kernel
def test_kernel_sends_one_display_then_updates_with_the_same_id(tmp_path: Path) -> None:
    (run,) = execute_and_collect([UPDATING_DISPLAY], cwd=tmp_path)

    assert run.ok, run.reply["content"]
    displays = run.displays()
    assert [kind for kind, _ in displays] == ["display_data"] + ["update_display_data"] * 3
    assert len({display_id for _, display_id in displays}) == 1
    assert displays[0][1]
