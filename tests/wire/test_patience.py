"""The waits of a call: which bound is in force as tokens arrive, and what each one says when it passes."""

from __future__ import annotations

import re
import time

import pytest

from llm_magic.wire.patience import CALL, FIRST, SILENCE, TOTAL, Patience

_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_first_wait_then_the_silence_then_the_cap():
    start = time.monotonic()
    patience = Patience(10, 2, 30, started=start)
    assert (patience.bound, patience.deadline) == (FIRST, start + 10)
    assert patience.on_time() and patience.bound == FIRST  # nothing heard: the deadline stays
    patience.heard = True
    assert patience.on_time() and patience.bound == SILENCE and patience.begun and not patience.heard
    assert start + 2 <= patience.deadline <= time.monotonic() + 2
    patience.end = time.monotonic() + 1  # the cap comes before the next silence would end
    patience.heard = True
    assert patience.on_time() and (patience.bound, patience.deadline) == (TOTAL, patience.end)


def test_the_silence_never_outlasts_the_first_wait_and_a_cap_can_come_first():
    assert Patience(5, 60).silence == 5
    assert Patience(300, 60, 1).bound == TOTAL
    assert Patience.whole(time.monotonic() + 3, 3).bound == CALL


@pytest.mark.parametrize(("bound", "streamed", "english", "option"), [
    (FIRST, True, "did not begin within 7 seconds", "--timeout"),
    (FIRST, False, "No answer within 7 seconds", "--no-stream"),
    (SILENCE, True, "no new token for 2 seconds", "LLMMagics.idle_timeout"),
    (TOTAL, True, "--max-time of 30 seconds", "--max-time"),
    (CALL, True, "No complete answer within 30 seconds", "--timeout"),
])
def test_each_bound_says_what_passed_and_what_to_do_in_both_languages(bound, streamed, english, option):
    patience = Patience(7, 2, 30, streamed=streamed)
    patience.bound = bound
    error = patience.error("deepseek")
    assert english in error.message and option in error.hint
    zh_message, zh_hint = error.texts("zh")
    assert _CJK.search(zh_message) and _CJK.search(zh_hint) and "。" in zh_message + zh_hint
    assert option.replace("SECONDS", "秒数") in zh_hint
