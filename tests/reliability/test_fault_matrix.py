"""Every fault in ``matrix.py``, streaming and not: the right error, fast, once, with the text kept."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest

import llm_magic
from llm_magic.errors import LLMError
from llm_magic.events import Finished, RetryWait
from llm_magic.loopback import Reply
from llm_magic.wire import transport
from tests.harness.hostile import SCRIPTS, HostileServer

from . import matrix
from .conftest import Outcome

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: providers.md: "surface the HTTP status and the first ~300 chars"; message + hint stay short
#: (a 401 also names where the key came from: Bailian's, with its region advice, is the longest)
MAX_TEXT = 450


@dataclass
class Observed:
    error: BaseException | None
    requests: int
    attempts: int
    seconds: float
    key: str | None
    answer: str | None = None
    #: the seconds of every retry pause
    waits: tuple[float, ...] = ()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reply(row: matrix.Row) -> Reply:
    if row.kind == "fault":
        return Reply.fault(row.detail, **dict(row.options))
    return Reply.error(row.status, row.body, headers=dict(row.headers), content_type=row.content_type)


_real_post = transport.post


def run_row(row: matrix.Row, stream: bool, fake_provider, monkeypatch, key: str | None = None) -> Observed:
    """Stage the fault, make one call through ``llm_magic.ask``, and count what happened.

    ``key``: the key the server expects and the provider's variable holds (default: the flavour's).
    """
    attempts = 0

    def counting_post(*args: Any, **kwargs: Any):
        nonlocal attempts
        attempts += 1
        return _real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", counting_post)
    for name, value in row.settings:
        monkeypatch.setattr(llm_magic.settings, name, value)
    server: Any = None
    provider = row.flavour
    if row.kind == "raw":
        key = key or "sk-test-hostile-0000000000001"
        server = HostileServer(SCRIPTS[row.detail], text=matrix.ANSWER, **dict(row.options))
        monkeypatch.setenv("DEEPSEEK_API_KEY", key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", server.base_url)
        provider = "deepseek"
    elif row.kind == "net":
        key = key or "sk-test-fault-matrix-0000000001"
        monkeypatch.setenv("DEEPSEEK_API_KEY", key)
        if row.detail == "refused":
            url = f"http://127.0.0.1:{_free_port()}/v1"
        elif row.detail == "dns":
            url = "https://llm-magic-fault-matrix.invalid/v1"
        else:
            server = fake_provider("deepseek", key=None)
            url = server.base_url.replace("http://", "https://") + "/v1"
        monkeypatch.setenv("DEEPSEEK_BASE_URL", url)
        provider = "deepseek"
    else:
        server = fake_provider(provider, **({"key": key} if key else {}))
        key = server.key
        server.queue(*[_reply(row)] * (matrix.MAX_RETRIES + 2))
    error: BaseException | None = None
    answer, waits = None, []
    started = time.monotonic()
    try:
        for event in llm_magic.stream_events(provider, "什么是机器学习？", stream=stream, timeout=matrix.TIMEOUT):
            if isinstance(event, RetryWait):
                waits.append(event.seconds)
            elif isinstance(event, Finished):
                answer = event.answer
    except BaseException as caught:  # anything but an LLMError is a failure, recorded as such
        error = caught
    seconds = time.monotonic() - started
    seen = attempts if row.kind == "net" else server.requests if row.kind == "raw" else server.request_count
    if server is not None:
        server.stop()  # now: a long run of rows must not keep hundreds of idle servers
    return Observed(error, seen, attempts, seconds, key, answer, tuple(waits))


def check(row: matrix.Row, stream: bool, observed: Observed) -> list[str]:  # noqa: C901 - one check per matrix column, in the order the report shows them
    """Every way this cell falls short of its row; empty when it passes."""
    expect = row.expect(stream)
    error = observed.error
    problems = []
    if type(error) is not expect.error and not (expect.error is matrix.ANSWERED and error is None):
        problems.append(f"expected {_name(expect.error)}, got {error!r}")
    if expect.error is matrix.ANSWERED and error is None and observed.answer != matrix.ANSWER:
        problems.append(f"answered {observed.answer!r}, not the whole answer")
    wanted = 1 if expect.requests == matrix.ONE else 1 + matrix.MAX_RETRIES
    if observed.requests != wanted:
        problems.append(f"server saw {observed.requests} requests, expected {wanted}")
    if row.kind != "net" and observed.attempts != observed.requests:
        problems.append(f"{observed.attempts} attempts but {observed.requests} requests: a hidden retry")
    if observed.seconds > matrix.TIMEOUT + matrix.MARGIN:
        problems.append(f"took {observed.seconds:.2f} s, more than the timeout {matrix.TIMEOUT} + {matrix.MARGIN}")
    asked = dict(row.headers).get("Retry-After")
    if asked is not None and observed.waits and set(observed.waits) != {float(asked)}:
        problems.append(f"waited {observed.waits} before retrying, not the Retry-After of {asked} s")
    if not isinstance(error, LLMError):
        return problems
    problems += _check_texts(row, error)
    partial = error.partial
    if expect.partial:
        if not partial or not matrix.ANSWER.startswith(str(partial)):
            problems.append(f"partial answer not kept: {partial!r}")
        elif "\ufffd" in partial:
            problems.append(f"partial answer has a broken character: {partial!r}")
    elif partial:
        problems.append(f"unexpected partial answer {partial!r}")
    if observed.key:
        shown = " ".join([str(error), repr(error), *error.texts("en"), *error.texts("zh")])
        if observed.key in shown or observed.key[:8] in shown.replace("sk-…", ""):
            problems.append("the key appears in the error text")
    return problems


def _name(expected: type | None) -> str:
    return "(answered)" if expected is None else expected.__name__


def _check_texts(row: matrix.Row, error: LLMError) -> list[str]:
    """Short, in both languages, printable, and saying what the row promises."""
    problems = []
    for language in ("en", "zh"):
        message, hint = error.texts(language)
        if not message or not hint:
            problems.append(f"{language}: message or hint empty: {message!r} {hint!r}")
        if len(message) + len(hint) >= MAX_TEXT:
            problems.append(f"{language}: {len(message) + len(hint)} characters, not short")
        if not (message + hint).isprintable() or "\ufffd" in message + hint:
            problems.append(f"{language}: unprintable characters in {message!r}")
    if not _CJK.search("".join(error.texts("zh"))):
        problems.append(f"no Chinese text: {error.texts('zh')}")
    if row.message_has and row.message_has not in error.message:
        problems.append(f"the message does not say {row.message_has!r}: {error.message!r}")
    if row.hint_has and row.hint_has not in error.hint:
        problems.append(f"the hint does not say {row.hint_has!r}: {error.hint!r}")
    return problems


def _partial_state(expect: matrix.Expect, error: BaseException | None) -> str:
    kept = bool(getattr(error, "partial", None))
    if expect.partial:
        return "kept" if kept else "LOST"
    return "unexpected" if kept else "—"


@pytest.mark.parametrize("stream", matrix.MODES, ids=["stream", "non-stream"])
@pytest.mark.parametrize("row", matrix.ROWS, ids=matrix.row_id)
def test_fault(row, stream, fake_provider, monkeypatch, fast_engine, matrix_outcomes):
    observed = run_row(row, stream, fake_provider, monkeypatch)
    problems = check(row, stream, observed)
    expect = row.expect(stream)
    matrix_outcomes.record(Outcome(
        row=row.name, group=row.group, stream=stream, expected=_name(expect.error),
        observed=type(observed.error).__name__ if observed.error else "(answered)",
        requests_expected=1 if expect.requests == matrix.ONE else 1 + matrix.MAX_RETRIES,
        requests_seen=observed.requests, partial=_partial_state(expect, observed.error),
        seconds=observed.seconds, passed=not problems))
    assert not problems, problems
