"""Helpers for tests that drive a real ``InteractiveShell`` (the ``shell`` fixture lives in conftest.py).

``run`` raises the cell's exception, as jupysql's ``TestingShell`` does, so a failing magic
fails the test; outputs are read with ``capture_output()``, which records every display and update.
"""

from __future__ import annotations

import atexit
import json
from pathlib import Path
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output
from traitlets.config import Config

from llm_magic.loopback import FakeProvider


def new_shell(history_file: Path | str = ":memory:") -> InteractiveShell:
    """The process's one shell (``display()`` publishes to the singleton), made afresh."""
    if InteractiveShell.initialized():
        InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = str(history_file)
    return InteractiveShell.instance(config=config)


def close_shell(shell: InteractiveShell) -> None:
    """End ``shell`` now: stop its history thread and drop its atexit hook.

    IPython registers ``atexit_operations`` for every shell it makes; at interpreter exit each one
    resets its namespace and runs ``gc.collect()``. With a shell per test that is hundreds of full
    collections of a large heap after the last test: minutes of CI doing nothing.
    """
    shell.history_manager.end_session()
    saver = getattr(shell.history_manager, "save_thread", None)
    if saver is not None:
        saver.stop()
    atexit.unregister(shell.atexit_operations)
    InteractiveShell.clear_instance()


def run(shell: InteractiveShell, cell: str) -> CapturedIO:
    """Run ``cell`` and return what it printed and displayed; the cell's error is raised."""
    with capture_output() as captured:
        shell.run_cell(cell).raise_error()
    return captured


def sent_prompt(server: FakeProvider) -> str:
    """The last user message the server received."""
    return str(server.requests[-1].body["messages"][-1]["content"])


def displays(captured: CapturedIO) -> list[Any]:
    return list(captured.outputs)


def final(captured: CapturedIO) -> dict[str, str]:
    """The data of the last display or update: what the user ends up seeing."""
    data: dict[str, str] = captured.outputs[-1].data
    return data


def shown(captured: CapturedIO) -> str:
    """Every mimetype of the final state, joined: for 'the screen says ...' assertions."""
    return "\n".join(final(captured).values())


def wire_bytes(captured: CapturedIO) -> int:
    """Bytes of display data and metadata sent, the way a kernel would serialise them."""
    return sum(len(json.dumps(o.data, ensure_ascii=False).encode()) for o in captured.outputs)
