"""pytest fixtures for browser tests. A test module enables them with
`pytest_plugins = ["tests.harness.fixtures"]` (or tests/conftest.py does, for every module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .prerequisites import require_browser

if TYPE_CHECKING:  # playwright is imported only once require_browser() has passed
    from playwright.sync_api import Browser, Page

    from .jupyter_lab import JupyterLabServer


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (about 1 s to start)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    from .browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context, so tests share no storage."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def jupyter_lab(tmp_path: Path) -> Iterator[JupyterLabServer]:
    """A running JupyterLab whose root is tmp_path/"lab". For custom kernel environment
    variables use `with JupyterLabServer(root, env={...})` directly."""
    require_browser()
    from .jupyter_lab import JupyterLabServer

    with JupyterLabServer(tmp_path / "lab") as server:
        try:
            yield server
        finally:
            # Captured, so pytest shows it only when the test fails.
            print(f"--- end of jupyter-lab log ---\n{server.log_tail()}")
