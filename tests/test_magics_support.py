"""Fixtures and helpers shared by the %%llm tests (this module holds no tests).

``TestingShell`` makes ``run_cell`` raise on error, as jupysql's does, so a failing magic fails
the test; outputs are read with ``capture_output()``, which records every display and update.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output
from traitlets.config import Config

from llm_magic import i18n
from llm_magic.config import settings
from llm_magic.loopback import FakeProvider


class TestingShell(InteractiveShell):
    """An InteractiveShell whose ``run_cell`` raises the cell's exception."""

    __test__ = False  # not a pytest test class

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> Any:
        result = super().run_cell(raw_cell, *args, **kwargs)
        result.raise_error()
        return result


def make_testing_shell() -> TestingShell:
    """The process's one shell (display() publishes to the singleton), made a TestingShell."""
    if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), TestingShell):
        InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return TestingShell.instance(config=config)


@pytest.fixture
def ip() -> Iterator[TestingShell]:
    """A shell with llm_magic loaded; settings, language and config are restored afterwards."""
    shell = make_testing_shell()
    saved = copy.deepcopy(vars(settings))
    shell.run_line_magic("load_ext", "llm_magic")
    try:
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "llm_magic")
        for name, value in saved.items():
            setattr(settings, name, value)
        i18n.set_language("auto")
        if "LLMMagics" in shell.config:
            del shell.config["LLMMagics"]
        shell.configurables = [c for c in shell.configurables if type(c).__name__ != "LLMMagics"]
        for name in ("_llm", "answer", "x", "doc", "user", "a", "b", "teacher"):
            shell.user_ns.pop(name, None)


@pytest.fixture
def deepseek(fake_provider: Any) -> FakeProvider:
    """A loopback DeepSeek with DEEPSEEK_BASE_URL and DEEPSEEK_API_KEY pointing at it."""
    return fake_provider("deepseek")


def run(shell: TestingShell, cell: str) -> CapturedIO:
    """Run ``cell`` and return what it printed and displayed."""
    with capture_output() as captured:
        shell.run_cell(cell)
    return captured


def sent_prompt(server: FakeProvider) -> str:
    """The last user message the server received."""
    return server.requests[-1].body["messages"][-1]["content"]


def displays(captured: CapturedIO) -> list[Any]:
    return list(captured.outputs)


def final(captured: CapturedIO) -> dict[str, str]:
    """The data of the last display or update: what the user ends up seeing."""
    return captured.outputs[-1].data


def shown(captured: CapturedIO) -> str:
    """Every mimetype of the final state, joined: for 'the screen says ...' assertions."""
    return "\n".join(final(captured).values())


def wire_bytes(captured: CapturedIO) -> int:
    """Bytes of display data and metadata sent, the way a kernel would serialise them."""
    return sum(len(json.dumps(o.data, ensure_ascii=False).encode()) for o in captured.outputs)
