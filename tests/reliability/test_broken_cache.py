"""A replay cache file that cannot be used never costs the answer: damaged, read-only, locked or full.

Each case runs ``%%llm deepseek --cache`` in a real shell against the loopback DeepSeek: the
answer comes live, ``_llm`` holds all of it with its usage, and one short warning says the
cache was not used or did not record it. Nothing else is shown as an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_magic.engine import cache
from llm_magic.loopback import Reply
from tests.harness.shell import run

ANSWER = "梯度下降沿着负梯度方向一步步更新参数。" * 200  # longer than a page: storing it needs new pages
USAGE = {"prompt_tokens": 9, "completion_tokens": 2000, "total_tokens": 2009}


@pytest.fixture
def cache_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "replay.sqlite"
    cache.configure(path)
    yield path
    cache.get_cache(path).close()
    cache.configure(None)


def _warnings(captured) -> list[str]:
    return [o.data["text/plain"] for o in captured.outputs if o.data.get("text/plain", "").startswith("⚠")]


def _cell(shell, deepseek) -> tuple[list[str], float]:
    deepseek.queue(Reply.answer(ANSWER, usage=USAGE))
    started = time.monotonic()
    captured = run(shell, "%%llm deepseek --cache\n什么是梯度下降？")
    seconds = time.monotonic() - started
    answer = shell.user_ns["_llm"]
    assert answer == ANSWER and answer.usage["completion_tokens"] == 2000 and not answer.replayed
    assert deepseek.request_count == 1
    warnings = _warnings(captured)
    assert len(warnings) == 1, warnings
    assert str(cache.get_cache().path) in warnings[0], warnings
    assert len(warnings[0]) < 300
    return warnings, seconds


def test_a_damaged_cache_file_is_not_used_and_the_answer_comes_live(shell, deepseek, cache_file):
    cache_file.write_bytes(b"this is not an SQLite database, just text someone saved here\n" * 100)
    warnings, _ = _cell(shell, deepseek)
    assert "was not used" in warnings[0] and "damaged" in warnings[0]
    assert cache_file.read_bytes().startswith(b"this is not")  # left as it was


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """The file cannot be written: by its mode, or (for root, whom modes do not stop) made immutable."""
    path.chmod(0o444)
    immutable = hasattr(os, "geteuid") and os.geteuid() == 0
    if immutable:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
            path.chmod(0o644)
            pytest.skip("running as root on a file system without chattr +i: nothing makes a file read-only")
    try:
        yield
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr") or "chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_a_read_only_cache_file_keeps_the_answer_and_says_it_was_not_recorded(shell, deepseek, cache_file):
    cache.get_cache(cache_file).lookup("x")  # create an empty cache
    cache.get_cache(cache_file).close()
    with _read_only(cache_file):
        warnings, _ = _cell(shell, deepseek)
        cache.get_cache(cache_file).close()
    assert "could not record" in warnings[0] and "_llm" in warnings[0]


def test_a_locked_cache_file_waits_about_a_second_then_goes_live(shell, deepseek, cache_file):
    cache.get_cache(cache_file).lookup("x")
    cache.get_cache(cache_file).close()
    other = sqlite3.connect(str(cache_file))
    other.execute("BEGIN EXCLUSIVE")  # another notebook in the middle of writing
    try:
        warnings, seconds = _cell(shell, deepseek)
    finally:
        other.rollback()
        other.close()
    assert "was not used" in warnings[0] and "locked" in warnings[0]
    # the lock is waited for once (cache.LOCK_WAIT), not for the lookup and again for the store
    assert seconds < 2 * (cache.LOCK_WAIT + 1), seconds


def test_a_full_disk_keeps_the_answer_and_says_it_was_not_recorded(shell, deepseek, cache_file):
    """SQLite's own "database or disk is full": the file may not grow by a single page."""
    store = cache.get_cache(cache_file)
    db = store._connection()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    warnings, _ = _cell(shell, deepseek)
    assert "could not record" in warnings[0] and "full" in warnings[0]


def test_the_python_api_keeps_the_answer_too(deepseek, cache_file):
    cache_file.write_bytes(b"\x00garbage" * 500)
    deepseek.queue(Reply.answer("完整的回答", usage=USAGE))
    events = list(cache.cached_stream("deepseek", "问题", path=cache_file))
    answer = events[-1].answer
    assert answer == "完整的回答" and answer.usage["total_tokens"] == 2009
    assert len(answer.notes) == 1 and "was not used" in str(answer.notes[0])


def test_a_working_cache_still_records_and_replays_without_a_warning(shell, deepseek, cache_file):
    deepseek.queue(Reply.answer("记住我", usage=USAGE))
    first = run(shell, "%%llm deepseek --cache\n问题")
    second = run(shell, "%%llm deepseek --cache\n问题")
    assert not _warnings(first) and not _warnings(second)
    assert shell.user_ns["_llm"].replayed and deepseek.request_count == 1
