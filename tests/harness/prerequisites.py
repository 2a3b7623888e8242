"""Decide whether browser tests can run: fail loudly when a tool is missing, skip only on request."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LLM_MAGIC_CHROMIUM", "/usr/bin/chromium"))
SKIP_VARIABLE = "LLM_MAGIC_SKIP_BROWSER"


def missing_browser_tools() -> list[str]:
    """Name each tool a browser test needs that this machine lacks, with the fix."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (install it with: apt-get install -y chromium)")
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab")):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {package} (install it with: bash scripts/test.sh)")
    return missing


def require_browser() -> None:
    """Raise unless Chromium, Playwright and JupyterLab are here.

    A silent skip would let CI pass without ever driving the browser, so skipping
    needs an explicit LLM_MAGIC_SKIP_BROWSER=1.
    """
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"browser tests skipped because {SKIP_VARIABLE}=1")
    missing = missing_browser_tools()
    if missing:
        raise RuntimeError(
            "Browser tests need: " + "; ".join(missing)
            + f". Run `bash scripts/test.sh`, or set {SKIP_VARIABLE}=1 to skip them."
        )
