"""Failures of %%llm: one short paragraph that names the fix, the cell still fails, no key shown."""

from __future__ import annotations

import _thread
import threading
import time

import pytest
from IPython.core.error import UsageError

import llm_magic.render.live as live
from llm_magic import errors
from llm_magic.config import settings
from llm_magic.loopback import Reply
from tests.harness.shell import final, run, shown

LONG = " ".join(f"word{i}" for i in range(300))


def failing(shell, cell: str, error: type[BaseException]):
    """Run ``cell`` expecting ``error``; return (captured output, the exception)."""
    with pytest.raises(error) as info:
        from IPython.utils.capture import capture_output

        with capture_output() as captured:
            shell.run_cell(cell).raise_error()
    return captured, info.value


def assert_short(text: str, *must_contain: str, secret: str | None = None) -> None:
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 5, text
    for fragment in must_contain:
        assert fragment in text, text
    if secret:
        assert secret not in text


def test_missing_key_names_the_variable_and_the_magic(shell, monkeypatch, fake_provider):
    server = fake_provider("deepseek")
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    captured, _error = failing(shell, "%%llm deepseek\nhi", errors.MissingKeyError)
    assert_short(captured.stdout, "MissingKeyError", "DEEPSEEK_API_KEY", "%llm_key deepseek")
    assert not server.requests and not captured.outputs  # nothing sent, nothing displayed


def test_rejected_key_is_short_and_never_shows_the_key(shell, deepseek):
    deepseek.queue(Reply.error("auth"))
    captured, _error = failing(shell, "%%llm deepseek\nhi", errors.AuthenticationError)
    assert_short(captured.stdout, "HTTP 401", "%llm_key deepseek", secret=deepseek.key)
    assert "failed" in shown(captured)


def test_typo_in_provider_suggests_the_closest(shell):
    captured, _ = failing(shell, "%%llm deepsek\nhi", errors.UnknownProviderError)
    assert_short(captured.stdout, "'deepsek'", "Did you mean 'deepseek'?", "bailian")


def test_model_option_and_chat_need_one_provider(shell, deepseek):
    for option in ("-m deepseek-v4-pro", "--chat"):
        _captured, error = failing(shell, f"%%llm deepseek bailian {option}\nhi", UsageError)
        assert "works with one provider" in str(error)
    assert not deepseek.requests


@pytest.mark.parametrize("line", ["-t hot", "--max-tokens 1.5", "-f pdf", "--bogus", "-s 'unclosed"])
def test_bad_options_are_a_one_line_usage_error(shell, deepseek, line):
    _captured, error = failing(shell, f"%%llm deepseek {line}\nhi", UsageError)
    assert len(str(error).splitlines()) == 1
    assert not deepseek.requests


def test_out_of_range_value_is_explained_before_sending(shell, deepseek):
    captured, _ = failing(shell, "%%llm deepseek -t 5\nhi", errors.ConfigurationError)
    assert_short(captured.stdout, "temperature must be in [0, 2], not 5", "Nothing was sent")
    assert not deepseek.requests


def test_empty_prompt(shell, deepseek):
    captured, _ = failing(shell, "%%llm deepseek\n\n   \n", errors.ConfigurationError)
    assert_short(captured.stdout, "The prompt is empty")


def test_debug_shows_the_traceback(shell, deepseek):
    deepseek.queue(Reply.error("auth"))
    captured, error = failing(shell, "%%llm deepseek --debug\nhi", errors.AuthenticationError)
    assert "Traceback" in captured.stdout and error.show_traceback
    assert deepseek.key not in captured.stdout


def test_debug_from_config(shell, deepseek):
    shell.run_line_magic("config", "LLMMagics.debug = True")
    captured, _ = failing(shell, "%%llm deepsek\nhi", errors.UnknownProviderError)
    assert "Traceback" in captured.stdout


def test_timeout_option(shell, deepseek):
    deepseek.queue(Reply.fault("stall_before_first_byte", seconds=30))
    captured, _ = failing(shell, "%%llm deepseek --timeout 0.5\nhi", errors.RequestTimeoutError)
    assert_short(captured.stdout, "RequestTimeoutError")


def test_partial_answer_stays_on_screen_marked_failed(shell, deepseek):
    deepseek.queue(Reply.fault("close_mid_event", after=6, text=LONG))
    captured, error = failing(shell, "%%llm deepseek\nhi", errors.NetworkError)
    assert_short(captured.stdout, "kept in _llm")
    partial = shell.user_ns["_llm"]
    assert partial and LONG.startswith(partial.text) and partial == error.partial
    assert partial.usage["estimated"] and partial.usage["completion_tokens"] > 0  # billed: counted
    assert shown(captured).startswith(partial.text) and "failed" in shown(captured)
    assert captured.outputs[-1].metadata["llm_magic"]["status"] == "failed"


def test_retry_wait_is_shown_with_reason_and_seconds(shell, deepseek, monkeypatch):
    monkeypatch.setattr(settings, "backoff", 0.05)
    deepseek.queue(Reply.error("rate_limit"), Reply.answer("after the wait"))
    captured = run(shell, "%%llm deepseek\nhi")
    notices = [o.data["text/markdown"] for o in captured.outputs
               if "trying again in" in o.data.get("text/markdown", "")]
    assert notices and "Too many requests (HTTP 429)" in notices[0] and "(retry 1 of 2)" in notices[0]
    assert final(captured)["text/markdown"].startswith("after the wait")
    assert "trying again" not in shown(captured)


def test_interrupt_from_a_display_update_keeps_the_partial_answer(shell, deepseek, monkeypatch):
    from llm_magic.engine import usage

    usage.ledger.reset()
    deepseek.queue(Reply.answer(LONG, delay=0.005))
    calls = {"n": 0}
    original = live.LiveView.changed

    def interrupting(self, *, force=False):
        calls["n"] += 1
        if calls["n"] == 20:
            raise KeyboardInterrupt
        original(self, force=force)

    monkeypatch.setattr(live.LiveView, "changed", interrupting)
    captured, error = failing(shell, "%%llm deepseek\nhi", errors.Interrupted)
    assert isinstance(error, KeyboardInterrupt)  # a loop of cells still stops
    partial = shell.user_ns["_llm"]
    assert partial.interrupted and 0 < len(partial) < len(LONG) and LONG.startswith(partial.text)
    assert error.partial is partial and partial.usage["estimated"] and partial.usage["completion_tokens"] > 0
    assert_short(captured.stdout, "Interrupted · deepseek", "kept in _llm")
    assert len(error._render_traceback_()) == 3
    assert "interrupted" in shown(captured) and shown(captured).startswith(partial.text)
    assert "(estimated" in shown(captured)
    (row,) = usage.ledger.summary()
    assert row.calls == 1 and row.calls_estimated == 1 and row.completion_tokens == partial.usage["completion_tokens"]
    deepseek.queue(Reply.answer("next"))  # the connection was closed cleanly: the next call works
    run(shell, "%%llm deepseek\nhi")
    assert shell.user_ns["_llm"] == "next"


def test_real_keyboard_interrupt_mid_stream_ends_the_request(shell, deepseek):
    deepseek.queue(Reply.answer(LONG, delay=0.05))  # 15 s if read to the end

    def interrupt_once_streaming() -> None:
        deadline = time.monotonic() + 10
        while not deepseek.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_streaming, daemon=True).start()
    started = time.monotonic()
    captured, error = failing(shell, "%%llm deepseek\nhi", errors.Interrupted)
    partial = shell.user_ns["_llm"]
    assert partial.interrupted and 0 < len(partial) < len(LONG) and partial.usage["estimated"]
    assert time.monotonic() - started < 10  # did not read the remaining stream
    assert "interrupted" in shown(captured)
    assert_short(captured.stdout, "Interrupted · deepseek", "kept in _llm")
    assert "urllib3" not in captured.stdout and error.__suppress_context__
