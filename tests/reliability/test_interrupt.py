"""Ctrl-C on a side-by-side cell: every provider's request is closed and no worker outlives the cell.

The hung provider is a raw socket that sends the first words and then nothing: only closing the
connection from the client side can end that request before its read timeout (a minute).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import llm_magic
from llm_magic.engine import compare
from llm_magic.events import TextDelta
from tests.harness.hostile import HostileServer, stall_after_first_words

KEY = "sk-test-interrupt-000000000001"
#: a stopped worker must be gone well within this (the read timeout of the hung call is 60 s)
BOUND = 5.0


@pytest.fixture
def hung(monkeypatch):
    """OpenAI pointed at a server that stalls after the first words, until the client closes."""
    with HostileServer(stall_after_first_words, text="first words then silence", seconds=60) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def _llm_threads() -> list[threading.Thread]:
    """llm_magic's threads but the one process-wide watchdog, which idles between deadlines."""
    return [t for t in threading.enumerate() if t.name.startswith("llm_magic") and t.name != "llm_magic-watchdog"]


def _interrupt_when(event: threading.Event) -> threading.Thread:
    """Ctrl-C for the main thread once ``event`` is set, the way a notebook's stop button sends it."""
    def press() -> None:
        if event.wait(BOUND):
            time.sleep(0.1)  # let the main thread settle back into waiting for events
            os.kill(os.getpid(), signal.SIGINT)  # a real signal: it wakes a thread blocked on a lock
    presser = threading.Thread(target=press, name="test-ctrl-c", daemon=True)
    presser.start()
    return presser


def _ended(server: HostileServer) -> None:
    assert server.closed_by_client.wait(BOUND), "the hung provider's connection was left open"
    deadline = time.monotonic() + BOUND
    while _llm_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _llm_threads(), [t.name for t in _llm_threads()]


def test_ctrl_c_on_stream_many_closes_the_hung_request(hung, fake_provider):
    fake_provider("deepseek").queue(llm_magic.loopback.Reply.answer("quick answer"))
    seen = []
    presser = _interrupt_when(hung.answering)
    with pytest.raises(KeyboardInterrupt):
        for label, event in compare.stream_many(["deepseek", "openai"], "hi"):
            if isinstance(event, TextDelta):
                seen.append(label)
    presser.join()
    assert "openai" in seen  # the hung provider had started answering
    _ended(hung)


def test_ctrl_c_on_a_side_by_side_cell_leaves_nothing_running(hung, shell, fake_provider):
    fake_provider("deepseek").queue(llm_magic.loopback.Reply.answer("quick answer"))
    presser = _interrupt_when(hung.answering)
    result = shell.run_cell("%%llm deepseek openai\nhi")
    presser.join()
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    _ended(hung)
    answers = shell.user_ns["_llm"]
    assert answers["openai"].interrupted and answers["openai"].startswith("first")


def test_ctrl_c_on_ask_many_closes_the_hung_request(hung, fake_provider):
    fake_provider("deepseek").queue(llm_magic.loopback.Reply.answer("quick answer"))
    presser = _interrupt_when(hung.answering)
    with pytest.raises(KeyboardInterrupt):
        compare.ask_many(["deepseek", "openai"], "hi", stream=True)
    presser.join()
    _ended(hung)
