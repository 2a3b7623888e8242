"""No traceback shows a key: ``%xmode Verbose`` prints every frame's locals, ``--debug`` shows the
whole traceback, Ctrl-C can land anywhere, and a plain bug can crash deep in the engine or in
urllib3. The key is a :class:`~llm_magic.secrets.Secret` from the moment it is read until the
Authorization header is set, and that header's value is masked in any repr."""

from __future__ import annotations

import os
import pickle
import re
import signal
import threading
import traceback

import pytest
from IPython.utils.capture import capture_output

import llm_magic
from llm_magic.engine.errormap import Context
from llm_magic.engine.request import prepare_call
from llm_magic.keys import lookup as keys
from llm_magic.loopback import Reply
from llm_magic.secrets import Revealed, Secret, mask, remember

KEY = "sk-test-TRACE-9d8c7b6a5f4e3210"
WINDOWS = {KEY[i:i + 8] for i in range(len(KEY) - 7)}


def leaks(text: str) -> list[str]:
    """Each place a part of the key shows, with what surrounds it."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return sorted({text[max(0, text.find(w) - 120):text.find(w) + 40] for w in WINDOWS if w in text})


def test_a_secret_shows_only_its_mask():
    key = Secret(f"  {KEY}\n")
    assert key.reveal() == KEY and key == KEY and key == Secret(KEY)
    for shown in (repr(key), str(key), f"{key}", f"{key:>40}", repr([key]), repr({"k": key})):
        assert leaks(shown) == [] and mask(KEY) in shown
    with pytest.raises(TypeError):
        pickle.dumps(key)
    header = Revealed("Bearer " + KEY)
    remember(KEY)
    assert header == "Bearer " + KEY and leaks(repr({"Authorization": header})) == []


def test_no_engine_object_holds_the_bare_key(fake_provider):
    fake_provider("deepseek", key=KEY)
    call = prepare_call("deepseek", "hi")
    found = keys.lookup_key(llm_magic.get_provider("deepseek"))
    given = prepare_call("deepseek", "hi", key=KEY)
    for thing in (call, given, found, Context(call.provider, call.model, call.base_url, call.key)):
        assert isinstance(getattr(thing, "key", getattr(thing, "value", None)), Secret)
        fields = vars(thing) if hasattr(thing, "__dict__") else {}
        assert not any(isinstance(value, str) and KEY in value for value in fields.values())
        assert leaks(repr(thing)) == []


def _crash(*args, **kwargs):
    raise RuntimeError("a bug deep inside")


def _verbose(shell, cell: str) -> str:
    """Run ``cell`` under ``%xmode Verbose``; what IPython printed (the traceback with every local)."""
    from IPython.utils.capture import capture_output

    shell.run_cell("%xmode Verbose")
    with capture_output() as captured:
        result = shell.run_cell(cell)
    assert result.error_in_exec is not None or result.error_before_exec is not None
    printed = captured.stdout + captured.stderr
    assert "Traceback" in printed or "Error" in printed, printed[-2000:]
    return printed


@pytest.mark.parametrize("where", ["engine", "urllib3"])
def test_verbose_traceback_of_a_crash_shows_no_key(shell, fake_provider, monkeypatch, where):
    fake_provider("deepseek", key=KEY)
    if where == "engine":  # a bug in our own code, mid-stream
        monkeypatch.setattr("llm_magic.engine.assemble.AnswerBuilder.add_chunk", _crash)
    else:  # a bug inside urllib3 while it sends: its frames hold the request headers
        monkeypatch.setattr("urllib3.connectionpool.HTTPConnectionPool._make_request", _crash)
    shell.run_cell("%load_ext llm_magic")
    for cell in ("%%llm deepseek\nhi", "import llm_magic\nllm_magic.ask('deepseek', 'hi')"):
        printed = _verbose(shell, cell)
        assert "a bug deep inside" in printed
        assert "headers" in printed or where == "engine"  # the frame whose locals would hold the header
        assert leaks(printed) == [], printed[-3000:]


def test_verbose_debug_traceback_of_a_rejected_key_shows_no_key(shell, fake_provider):
    server = fake_provider("deepseek", key=KEY)
    server.key = "sk-another-key-the-server-wants"
    shell.run_cell("%load_ext llm_magic")
    printed = _verbose(shell, "%%llm deepseek --debug\nhi")
    assert "AuthenticationError" in printed and "Traceback" in printed
    assert leaks(printed) == [], printed[-3000:]


def test_ctrl_c_while_waiting_shows_no_key_in_a_verbose_traceback(shell, fake_provider):
    server = fake_provider("deepseek", key=KEY)
    server.queue(Reply.answer("late", first_delay=10))
    shell.run_cell("%load_ext llm_magic")
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    shell.run_cell("%xmode Verbose")
    try:
        with capture_output() as captured:
            result = shell.run_cell("import llm_magic\nllm_magic.ask('deepseek', 'hi')")
    finally:
        timer.cancel()
    stopped = result.error_in_exec
    assert isinstance(stopped, KeyboardInterrupt)
    printed = captured.stdout + captured.stderr
    assert "Interrupted" in printed and leaks(printed) == [], printed[-3000:]
    # the whole traceback with every frame's locals (what --debug or a debugger shows) hides it too
    verbose = "".join(traceback.TracebackException.from_exception(stopped, capture_locals=True).format())
    assert "call" in verbose and leaks(verbose) == [], verbose[-3000:]


def test_traceback_with_captured_locals_shows_no_key(fake_provider, monkeypatch):
    fake_provider("deepseek", key=KEY)
    monkeypatch.setattr("urllib3.connectionpool.HTTPConnectionPool._make_request", _crash)
    with pytest.raises(RuntimeError) as caught:
        llm_magic.ask("deepseek", "hi", key=KEY)  # given as an argument: the API's frames hide it at once
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "headers" in text and leaks(text) == [], text[-3000:]
