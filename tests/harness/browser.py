"""Drive JupyterLab in Debian's headless Chromium the way a person would, with waits, not sleeps."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from .jupyter_lab import JupyterLabServer
from .prerequisites import CHROMIUM

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
# `playwright install` cannot download its own browser here; Debian's build is launched instead.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
_PROMPT_DONE = re.compile(r"\[(\d+)\]")
_observer_ids = count()


def launch_chromium(playwright: Playwright, headless: bool = True) -> Browser:
    """Debian's Chromium with flags that keep it off the network and working as root."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=headless,
                                      args=CHROMIUM_ARGS)


def open_notebook(page: Page, server: JupyterLabServer, notebook: str, timeout: float = 60) -> None:
    """Open `notebook` and return once its kernel is ready for input."""
    page.goto(server.url_for(notebook))
    wait_for_kernel_idle(page, server, notebook, timeout)


def wait_for_kernel_idle(page: Page, server: JupyterLabServer, notebook: str | None = None,
                         timeout: float = 60) -> None:
    """Wait until a kernel exists, is connected and idle, both in the page and on the server.

    The toolbar says "idle" before any kernel exists, and a Ctrl+Enter sent then is
    dropped silently; so the kernel name and the server's session are checked too.
    """
    kernel_name = page.locator(".jp-NotebookPanel:visible .jp-KernelName")
    expect(kernel_name).not_to_have_text(re.compile(r"^\s*(No Kernel)?\s*$"), timeout=timeout * 1000)
    indicator = page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator")
    expect(indicator).to_have_attribute("data-status", "idle", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while True:
        try:
            kernel = server.session_for(notebook)["kernel"]
            if kernel["execution_state"] == "idle" and kernel.get("connections", 0) > 0:
                return
        except LookupError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"kernel not idle and connected after {timeout} s: {server.sessions()}")
        time.sleep(0.1)


def cell_at(page: Page, index: int) -> Locator:
    """The notebook's cell number `index` (0-based) in the visible notebook."""
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)


def _select(cell: Locator) -> None:
    """Put the cursor in the cell; keys sent to an inactive cell go elsewhere."""
    cell.locator(".jp-InputArea-editor").click()
    expect(cell).to_have_class(re.compile(r"\bjp-mod-active\b"))


def append_cell(page: Page) -> Locator:
    """Add an empty code cell after the last one and return it."""
    cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")
    before = cells.count()
    _select(cells.nth(before - 1))
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    expect(cells).to_have_count(before + 1)
    return cells.nth(before)


def set_cell_text(page: Page, cell: Locator, text: str) -> None:
    """Replace the cell's source. insert_text avoids CodeMirror's auto-indent and bracket pairs."""
    _select(cell)
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    expect(cell.locator(".cm-content")).to_contain_text(text.splitlines()[0] if text else "")


def run_cell(page: Page, cell: int | Locator, text: str | None = None, timeout: float = 30) -> int:
    """Type `text` into the cell (index == cell count appends one), run it with Ctrl+Enter
    and wait for the prompt to show a new execution count, which it returns.

    A new count means the run really happened: a dropped Ctrl+Enter times out here
    instead of leaving a stale output to be checked. JupyterLab does not run a blank
    cell, so blank text is refused.
    """
    if text is not None and not text.strip():
        raise ValueError("JupyterLab does not execute a blank cell; give run_cell some code")
    if isinstance(cell, int):
        cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")
        cell = append_cell(page) if cell == cells.count() else cells.nth(cell)
    if text is not None:
        set_cell_text(page, cell, text)
    else:
        _select(cell)
    prompt = cell.locator(".jp-InputPrompt")
    previous = _PROMPT_DONE.search(prompt.inner_text())
    previous_count = int(previous.group(1)) if previous else 0
    page.keyboard.press("Control+Enter")
    deadline = time.monotonic() + timeout
    while True:
        done = _PROMPT_DONE.search(prompt.inner_text())
        if done and int(done.group(1)) > previous_count:
            return int(done.group(1))
        if time.monotonic() > deadline:
            raise TimeoutError(f"cell prompt still {prompt.inner_text()!r} after {timeout} s")
        page.wait_for_timeout(50)


@dataclass
class OutputRecording:
    """What a MutationObserver saw in one cell's output area (polling misses fast updates)."""

    page: Page
    key: str

    def texts(self) -> list[str]:
        """Each distinct text of the output area, in the order it appeared (empty ones dropped)."""
        return self.page.evaluate("key => window.__outputRecordings[key].texts", self.key)

    def max_children(self) -> int:
        """The most `.jp-OutputArea-child` nodes present at once; 1 means updated in place."""
        return self.page.evaluate("key => window.__outputRecordings[key].maxChildren", self.key)

    def stop(self) -> None:
        self.page.evaluate("key => window.__outputRecordings[key].observer.disconnect()", self.key)


def observe_output(page: Page, cell: int | Locator) -> OutputRecording:
    """Start recording the cell's output area; call before running the cell."""
    if isinstance(cell, int):
        cell = cell_at(page, cell)
    key = f"output-{next(_observer_ids)}"
    area = cell.locator(".jp-OutputArea").first
    area.evaluate("""(area, key) => {
        const rec = {texts: [], maxChildren: 0};
        const record = () => {
            const text = area.innerText.trim();
            if (text && text !== rec.texts[rec.texts.length - 1]) rec.texts.push(text);
            rec.maxChildren = Math.max(rec.maxChildren,
                area.querySelectorAll(':scope > .jp-OutputArea-child').length);
        };
        rec.observer = new MutationObserver(record);
        rec.observer.observe(area, {childList: true, subtree: true, characterData: true});
        record();
        (window.__outputRecordings ??= {})[key] = rec;
    }""", key)
    return OutputRecording(page, key)


def save_notebook(page: Page, path: Path, timeout: float = 15) -> str:
    """Save with Ctrl+S; return the file's text once it is rewritten and whole.

    The server may still be writing when the modification time changes (an empty or half
    file was once read on a loaded machine), so the text must parse as a notebook and read
    the same twice in a row before it counts as saved.
    """
    before = path.stat().st_mtime_ns if path.exists() else None
    page.locator(".jp-NotebookPanel:visible .jp-Notebook").first.focus()
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + timeout
    previous = None
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} was not saved within {timeout} s")
        time.sleep(0.05)
        if not path.exists() or path.stat().st_mtime_ns == before:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if text == previous and _is_notebook(text):
            return text
        previous = text


def _is_notebook(text: str) -> bool:
    try:
        return isinstance(json.loads(text).get("cells"), list)
    except (ValueError, AttributeError):
        return False


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/ at the repo root, for people and CI logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
