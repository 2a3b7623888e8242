"""A whole session of %llm_key and %%llm cells, success and every error: the key leaks nowhere.

Checked: every output (stdout, stderr, displays), every exception (str, repr, the short render,
the full traceback with its chain), every log record at DEBUG (urllib3 and requests included),
IPython's history (lists, ``_i*`` variables, the SQLite database), the widget state, and a
notebook file written from the session with the standard json module.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from llm_magic import i18n
from llm_magic.config import settings
from llm_magic.loopback import FakeProvider, Reply

KEY = "sk-test-LEAKCHECK-0123456789abcdef"
#: typed on a magic line by mistake: it is in that cell's source, and must be nowhere else
TYPED = "sk-typed-MISTAKE-9876543210fedcba"
MASKED = "sk-…cdef"
FORBIDDEN = (KEY, KEY[:8], "LEAKCHECK", "0123456789abcdef", TYPED, TYPED[:8], "MISTAKE")


@pytest.fixture
def session(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[Any]:
    """The shared shell, with every logger (urllib3's too) recording at DEBUG."""
    monkeypatch.setattr(settings, "max_retries", 0)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    try:
        yield shell
    finally:
        root.setLevel(level)


class Notebook:
    """Runs cells and keeps what a notebook file would: sources, outputs, errors."""

    def __init__(self, ip: InteractiveShell) -> None:
        self.ip = ip
        self.cells: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []

    def run(self, source: str, *, error: type[BaseException] | None = None) -> str:
        with capture_output() as captured:
            result = self.ip.run_cell(source, store_history=True)
        failure = result.error_in_exec or result.error_before_exec
        if error is None:
            assert failure is None, f"{source!r} failed: {failure!r}\n{captured.stdout}"
        else:
            assert isinstance(failure, error), f"{source!r}: expected {error.__name__}, got {failure!r}"
        outputs: list[dict[str, Any]] = []
        if captured.stdout:
            outputs.append({"output_type": "stream", "name": "stdout", "text": captured.stdout})
        if captured.stderr:
            outputs.append({"output_type": "stream", "name": "stderr", "text": captured.stderr})
        for output in captured.outputs:
            outputs.append({"output_type": "display_data", "data": output.data, "metadata": output.metadata or {}})
        if failure is not None:
            self.errors.append(failure)
            render = getattr(failure, "_render_traceback_", None)
            outputs.append({"output_type": "error", "ename": type(failure).__name__, "evalue": str(failure),
                            "traceback": render() if render else traceback.format_exception(failure)})
        self.cells.append({"cell_type": "code", "execution_count": result.execution_count, "metadata": {},
                           "source": source.splitlines(keepends=True), "outputs": outputs})
        return "\n".join(json.dumps(o, ensure_ascii=False) for o in outputs)

    def save(self, path: Path) -> str:
        import ipywidgets

        state = ipywidgets.Widget.get_manager_state(drop_defaults=False)
        document = {"nbformat": 4, "nbformat_minor": 5, "cells": self.cells,
                    "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": state}}}
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        return path.read_text(encoding="utf-8")


def assert_clean(text: str, where: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, f"{secret!r} leaked into {where}"


def test_a_whole_session_leaks_the_key_nowhere(session, tmp_path, monkeypatch, caplog):
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    from llm_magic.errors import (
        AuthenticationError,
        ConfigurationError,
        InsufficientBalanceError,
        LLMError,
        MissingKeyError,
        NetworkError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
    )

    nb = Notebook(session)
    deepseek = FakeProvider("deepseek", key=KEY).start()
    bailian = FakeProvider("bailian", key="sk-bailian-other-region-000000").start()
    hf = FakeProvider("huggingface").start()
    try:
        monkeypatch.setenv("DEEPSEEK_BASE_URL", deepseek.base_url)
        monkeypatch.setenv("BAILIAN_BASE_URL", bailian.base_url)
        monkeypatch.setenv("HF_BASE_URL", hf.base_url)

        nb.run("%llm_key")
        nb.run("%%llm deepseek\n你好", error=MissingKeyError)
        nb.run("%llm_key deepseek --check", error=MissingKeyError)

        # the password box: the browser sends the value, the kernel empties the box at once
        nb.run("%config KeyMagics.entry = 'widget'")
        assert_clean(nb.run("%llm_key deepseek --save-env"), "the widget display")
        entry = session.magics_manager.registry["KeyMagics"].last_entry
        entry.password.value = KEY
        assert entry.password.value == ""
        entry.save_button.click()
        if entry.gitignore_button.layout.display is None:
            entry.gitignore_button.click()
        assert MASKED in entry.status.value
        assert stat_mode(tmp_path / ".env") == 0o600

        assert MASKED in nb.run("%llm_key")
        assert "OK" in nb.run("%llm_key deepseek --check")
        nb.run("%%llm deepseek\nSay hello")
        nb.run("%llm deepseek say hello again")
        nb.run("%%llm deepseek --no-stream\nhello")

        # every kind of failure, each rendered as a short message
        for kind, error in [("auth", AuthenticationError), ("balance", InsufficientBalanceError),
                            ("forbidden", PermissionDeniedError), ("rate_limit", RateLimitError),
                            ("server", ServerError)]:
            deepseek.queue(Reply.error(kind))
            nb.run("%%llm deepseek\nhello", error=error)
        deepseek.queue(Reply.error("auth"))
        nb.run("%%llm deepseek --debug\nhello", error=AuthenticationError)
        deepseek.queue(Reply.fault("close_mid_event", after=2))
        nb.run("%%llm deepseek\nhello", error=NetworkError)
        deepseek.queue(Reply.fault("error_in_stream", after=1))
        nb.run("%%llm deepseek\nhello", error=LLMError)
        nb.run("%%llm deepseek --timeout -1\nhello", error=Exception)

        # a key typed on the line, and keys given to the wrong provider
        nb.run(f"%llm_key deepseek {TYPED}", error=ConfigurationError)
        (tmp_path / "keys.env").write_text(f"BAILIAN_API_KEY={KEY}\nHF_TOKEN={KEY}\n")
        nb.run("%llm_key --env keys.env")
        nb.run("%llm_key bailian --check", error=AuthenticationError)   # wrong region: 401
        nb.run("%llm_key huggingface --check", error=ConfigurationError)  # an sk- key for Hugging Face
        assert hf.requests == []
        nb.run("%%llm huggingface\nhello", error=AuthenticationError)
        nb.run("%llm_key deepseek --forget")
        nb.run("%llm_key")
        nb.run("%llm_key --env missing.env", error=ConfigurationError)

        i18n.set_language("both")
        nb.run("%llm_key")
        deepseek.queue(Reply.error("auth"))
        nb.run("%%llm deepseek\n你好", error=AuthenticationError)
    finally:
        for server in (deepseek, bailian, hf):
            server.stop()

    # outputs and the notebook file
    notebook = nb.save(tmp_path / "session.ipynb")
    typed_cells = [cell for cell in nb.cells if TYPED in "".join(cell["source"])]
    assert len(typed_cells) == 1  # only the cell the user typed it into
    for cell in nb.cells:
        if cell not in typed_cells:
            assert_clean("".join(cell["source"]), "a cell's source")
        assert_clean(json.dumps(cell["outputs"], ensure_ascii=False), f"the outputs of {cell['source']!r}")
    assert_clean(notebook.replace(json.dumps("".join(typed_cells[0]["source"]))[1:-1], ""), "the notebook")
    assert MASKED in notebook

    # exceptions, with their chains
    assert len(nb.errors) >= 15
    for error in nb.errors:
        texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
        render = getattr(error, "_render_traceback_", None)
        if render:
            texts += render()
        assert_clean("\n".join(texts), f"the exception {type(error).__name__}")

    # log records, urllib3's debug lines included
    assert any(record.name.startswith("urllib3") for record in caplog.records)
    for record in caplog.records:
        assert_clean(record.getMessage() + (record.exc_text or ""), f"the log record {record.name}")

    # history: lists, _i* variables, the database
    history = session.history_manager
    assert_clean("\n".join(history.input_hist_raw + history.input_hist_parsed), "the input history")
    assert_clean("\n".join(str(v) for k, v in session.user_ns.items() if k.startswith("_i")), "the _i variables")
    assert_clean(repr(session.user_ns.get("Out")) + repr(session.user_ns.get("_llm")), "Out / _llm")
    history.writeout_cache()
    rows = list(history.db.execute("SELECT source, source_raw FROM history"))
    assert len(rows) == len(nb.cells)
    assert_clean(json.dumps(rows, ensure_ascii=False), "the history database")

    # the key did reach the places it belongs: the server and the .env file
    assert deepseek.requests and all(r.headers.get("Authorization") == f"Bearer {KEY}" for r in deepseek.requests)
    assert KEY in (tmp_path / ".env").read_text()


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
