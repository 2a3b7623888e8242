"""The key entry in JupyterLab and Notebook 7, in a real Chromium, with widget state saving on:
whatever the order of events, no trace of the key reaches the saved notebook or its checkpoint.

The orders tried: ``%llm_key`` queued behind a cell that keeps the kernel busy (there is nothing
to paste into until the kernel itself asks); the key typed into the kernel's prompt but not
submitted, and saved then; submitted and saved; typed, then the kernel restarted before Enter.
The opt-in password box is shown to do what the READMEs warn: sent while busy, the key is saved.
Each check of a checkpoint waits until the front end has copied that save into it."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from pathlib import Path

import pytest

from tests.harness.kernel import evaluate, write_notebook

pytest_plugins = ["tests.harness.fixtures"]  # chromium_browser, browser_page

BUSY_SECONDS = 6
LOOKUP = "__import__('llm_magic.keys.lookup').keys.lookup.lookup_key(__import__('llm_magic').get_provider('deepseek'))"
FRONT_ENDS = {"lab": "lab", "notebook7": "notebook"}


@pytest.fixture(params=list(FRONT_ENDS))
def front_end(request, tmp_path: Path):
    """JupyterLab or Notebook 7, widget state saving on, DeepSeek pointed at a closed loopback port."""
    from tests.harness.jupyter_lab import JupyterLabServer
    from tests.harness.prerequisites import require_browser

    require_browser()
    env = {"DEEPSEEK_BASE_URL": "http://127.0.0.1:9", "LLM_MAGIC_LANGUAGE": "en"}
    with JupyterLabServer(tmp_path / "lab", env=env, app=FRONT_ENDS[request.param]) as server:
        try:
            yield server
        finally:
            print(f"--- end of the server's log ---\n{server.log_tail()}")


def _keys() -> tuple[str, str]:
    """Two fresh keys shaped like DeepSeek's; never real ones."""
    return "sk-" + secrets.token_hex(16), "sk-" + secrets.token_hex(16)


def _traces(key: str) -> tuple[str, ...]:
    """The key and long pieces of it: none may be anywhere."""
    return key, key[3:15], key[-12:]


def _assert_nowhere(texts: dict[str, str], *keys: str) -> None:
    for name, text in texts.items():
        for key in keys:
            found = [piece for piece in _traces(key) if piece in text]
            assert not found, f"{found} in {name}: " + (text if name == "input values" else "")


def _checkpoint(path: Path, saved: str, timeout: float = 15) -> str:
    """The checkpoint once the front end has copied this save into it (it does so after the save
    itself): an older checkpoint would prove nothing about what this save wrote."""
    checkpoint = path.parent / ".ipynb_checkpoints" / f"{path.stem}-checkpoint.ipynb"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = checkpoint.read_text(encoding="utf-8") if checkpoint.exists() else ""
        if text == saved:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{checkpoint} was not rewritten by the save within {timeout} s")


def _saved_files(page, path: Path) -> dict[str, str]:
    """Save with Ctrl+S: the notebook and its checkpoint, both as this save wrote them."""
    from tests.harness.browser import save_notebook

    saved = save_notebook(page, path)
    return {"notebook": saved, "checkpoint": _checkpoint(path, saved)}


def _page_texts(page) -> dict[str, str]:
    """What the page holds: its HTML, and every input's current value (not in the HTML)."""
    values = page.evaluate("() => [...document.querySelectorAll('input, textarea')]"
                           ".map(e => `${e.className} ${e.type} ${e.value}`).join('\\n')")
    return {"page": page.content(), "input values": values}


def _kernel_key_digest(client) -> str:
    """The sha256 of the DeepSeek key the kernel holds ("" for none): compared, never shown."""
    found = evaluate(client, f"{LOOKUP}.found")
    if found != "True":
        return ""
    return evaluate(client, f"__import__('hashlib').sha256({LOOKUP}.value.reveal().encode()).hexdigest()").strip("'")


@pytest.mark.browser
def test_no_order_of_events_saves_the_key(front_end, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.harness.browser import cell_at, open_notebook, run_cell, screenshot, wait_for_kernel_idle

    server, page = front_end, browser_page
    first, second = _keys()
    path = write_notebook(server.root_dir / "keys.ipynb",
                          ["%load_ext llm_magic", f"import time\ntime.sleep({BUSY_SECONDS})", "%llm_key deepseek"])
    open_notebook(page, server, "keys.ipynb")
    run_cell(page, 0)
    # one client for the whole test: it reconnects to the restarted kernel by itself, where a new
    # one's heartbeat check can call a kernel still importing "dead"
    kernel = server.kernel_client("keys.ipynb")
    busy, key_cell = cell_at(page, 1), cell_at(page, 2)
    field = key_cell.locator("input.jp-Stdin-input")

    # -- busy: the %llm_key cell waits in the queue, and there is nothing to paste into ---------
    busy.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(busy.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\*\]"))
    key_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(key_cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\*\]"))
    assert server.session_for("keys.ipynb")["kernel"]["execution_state"] == "busy"
    assert page.locator("input[type=password], .jupyter-widgets").count() == 0
    _assert_nowhere(_saved_files(page, path), first)  # saved while busy: nothing to find anyway

    # -- the kernel asks: typed but not submitted, then saved (the kernel is busy, waiting) --------
    expect(field).to_be_visible(timeout=(BUSY_SECONDS + 20) * 1000)
    assert field.get_attribute("type") == "password"
    expect(key_cell.locator(".jp-Stdin-prompt")).to_contain_text("DeepSeek key (input hidden)")
    field.press_sequentially(first, delay=2)
    assert server.session_for("keys.ipynb")["kernel"]["execution_state"] == "busy"
    _assert_nowhere(_saved_files(page, path), first)

    # -- submitted: the kernel has it, the cell shows the mask, the files hold no trace -----------
    field.press("Enter")
    expect(key_cell.locator(".jp-OutputArea-output", has_text="key saved for this kernel session")).to_contain_text(
        f"sk-…{first[-4:]}")
    expect(key_cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"))
    expect(field).to_have_count(0)  # the field gave way to dots
    assert _kernel_key_digest(kernel) == hashlib.sha256(first.encode()).hexdigest()
    saved = _saved_files(page, path)
    assert "key saved for this kernel session" in saved["notebook"]  # saved after the key was entered
    _assert_nowhere(saved | _page_texts(page), first)
    screenshot(page, f"key_entry_{server.app}_entered")

    # -- asked again, typed, and the kernel restarted before Enter --------------------------------
    key_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(field).to_be_visible(timeout=20_000)
    field.press_sequentially(second, delay=2)
    kernel_id = server.session_for("keys.ipynb")["kernel"]["id"]
    assert server.api("POST", f"/api/kernels/{kernel_id}/restart", timeout=30).ok
    wait_for_kernel_idle(page, server, "keys.ipynb")
    screenshot(page, f"key_entry_{server.app}_restarted")
    # Lab and Notebook 7 leave the unanswered field on screen (dots): Enter there reaches no kernel
    # that keeps it, and the field gives way to dots in the output
    orphan = page.locator("input.jp-Stdin-input")
    if orphan.count():
        assert orphan.get_attribute("type") == "password"
        orphan.press("Enter")
        expect(orphan).to_have_count(0)
    screenshot(page, f"key_entry_{server.app}_restarted_enter")
    assert _kernel_key_digest(kernel) == ""  # a new kernel: no key typed into it
    _assert_nowhere(_saved_files(page, path) | _page_texts(page), first, second)


@pytest.mark.browser
@pytest.mark.parametrize("front_end", ["lab"], indirect=True)
def test_the_opt_in_password_box_can_save_a_key_sent_while_busy(front_end, browser_page) -> None:
    """What the READMEs warn about KeyMagics.entry = 'widget', shown true: sent while another cell
    runs, the key sits in the widget model and is saved; once the kernel is free it empties the box."""
    from playwright.sync_api import expect

    from tests.harness.browser import cell_at, open_notebook, run_cell

    server, page = front_end, browser_page
    key, _ = _keys()
    path = write_notebook(server.root_dir / "keys.ipynb", [
        "%load_ext llm_magic\n%config KeyMagics.entry = 'widget'", "%llm_key deepseek",
        f"import time\ntime.sleep({BUSY_SECONDS})"])
    open_notebook(page, server, "keys.ipynb")
    run_cell(page, 0)
    run_cell(page, 1)
    password = cell_at(page, 1).locator(".jupyter-widgets input[type=password]")
    expect(password).to_be_visible()
    busy = cell_at(page, 2)
    busy.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(busy.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\*\]"))
    password.press_sequentially(key, delay=2)
    password.press("Enter")
    assert server.session_for("keys.ipynb")["kernel"]["execution_state"] == "busy"
    saved = _saved_files(page, path)
    assert key in saved["notebook"] and key in saved["checkpoint"]  # the risk the READMEs name
    expect(busy.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=(BUSY_SECONDS + 20) * 1000)
    expect(password).to_have_value("")  # the kernel, free again, emptied the box
    assert key not in _saved_files(page, path)["notebook"]  # ...until the next save
