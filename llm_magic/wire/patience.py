"""How long one call waits: for its answer to begin, between two tokens, and (if asked) in all.

A student watching an answer stream in expects it to go on as long as it keeps coming, and to
end when it stops coming: a deadline for the whole call cuts a long answer that is streaming
fine (7,000 tokens at 20 a second take six minutes), while a read timeout on the socket is
re-armed by every ``: keep-alive`` comment, so a stalled stream that keeps the line alive never
ends. So the bounds are on tokens, not bytes:

- ``first``: until the first token (text or reasoning) of a streamed answer, or the first byte
  that is not blank of a whole one. Keep-alive comments, empty events and DeepSeek's blank lines
  while a request waits in its queue do not count. Retries happen inside this bound.
- ``silence``: between two tokens once the answer has begun.
- ``total``: the whole call, only when asked (``--max-time``).

The reading thread checks the deadline before each read (it reads the clock there anyway), and
the watchdog (``watch``) shuts the socket down when the deadline passes during a read. The
engine marks progress with one attribute store (``heard = True``) per chunk that carried a token;
the next read moves the deadline, and the watch's deadline is one float store too: no timer, no
system call per token.
"""

from __future__ import annotations

import math
import time

from ..errors import RequestTimeoutError
from ..i18n import Text
from .failures import timeout_error
from .watch import Watch

__all__ = ["CALL", "FIRST", "SILENCE", "TOTAL", "Patience"]

FIRST = "first"  #: the answer did not begin in time
SILENCE = "silence"  #: no new token for too long once it had begun
TOTAL = "total"  #: the whole call's cap (``max_time``) passed
CALL = "call"  #: a call without tokens (``/models``, embeddings): one deadline for all of it


def _seconds(value: float) -> str:
    return f"{round(value, 1):g}"


class Patience:
    """The bounds of one call and where it stands: :attr:`deadline` is when the current wait ends."""

    __slots__ = ("_watch", "begun", "bound", "deadline", "end", "first", "heard", "silence", "silence_option",
                 "streamed", "total")

    def __init__(self, first: float, silence: float, total: float | None = None, *, started: float | None = None,
                 streamed: bool = True, silence_option: str = "") -> None:
        started = time.monotonic() if started is None else started
        self.first = first
        self.silence = min(silence, first)  # --timeout 5 never waits longer than 5 s for any token
        self.total = total
        self.streamed = streamed
        #: what raises the silence bound, named in its hint (``--timeout`` when that capped it)
        self.silence_option = silence_option
        self.end = math.inf if total is None else started + total
        #: set by the engine when a chunk carried a token; the next read moves the deadline
        self.heard = False
        #: a token (or a whole body's first byte) has arrived
        self.begun = False
        self._watch: Watch | None = None
        self.deadline, self.bound = (started + first, FIRST) if started + first < self.end else (self.end, TOTAL)

    @classmethod
    def whole(cls, deadline: float, seconds: float) -> Patience:
        """One deadline for a call that streams no tokens, named ``seconds`` in its message."""
        patience = cls(math.inf, math.inf, seconds)
        patience.end = patience.deadline = deadline
        patience.bound = CALL
        return patience

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, watch: Watch) -> None:
        """The request now in flight is stopped at the deadline, wherever it moves."""
        self._watch = watch
        watch.arm_at(self.deadline)

    def on_time(self) -> bool:
        """Before a read: move the deadline if a token came since the last one; False once it has passed.

        Runs once per read of a stream, so it is written for speed: the watch's later deadline is
        stored here directly (what ``Watch.arm_at`` does for a later time)."""
        now = time.monotonic()
        if self.heard:
            self.heard = False
            self.begun = True
            deadline = now + self.silence
            if deadline < self.end:
                self.deadline, self.bound = deadline, SILENCE
            else:
                deadline = self.deadline = self.end
                self.bound = TOTAL
            watch = self._watch
            if watch is not None:
                if watch.armed and deadline >= watch.deadline:
                    watch.deadline = deadline
                else:
                    watch.arm_at(deadline)
        return now <= self.deadline

    def error(self, provider: str) -> RequestTimeoutError:
        """The error of the bound that passed, in both languages, with what to do next."""
        if self.bound == SILENCE:
            return _silence_error(provider, self.silence, self.streamed, self.silence_option)
        if self.bound == TOTAL and self.total is not None:
            return _total_error(provider, self.total, self.begun)
        if self.bound == FIRST:
            return _first_error(provider, self.first, self.streamed)
        return timeout_error(provider, self.total if self.total is not None else self.first)


def _first_error(provider: str, seconds: float, streamed: bool) -> RequestTimeoutError:
    s = _seconds(seconds)
    if streamed:
        message = Text(f"The answer did not begin within {s} seconds: not one token arrived "
                       "(keep-alive signals do not count).",
                       f"{s} 秒内回答没有开始：一个 token 也没有收到（保持连接的信号不算）。")
        hint = Text("The service may be busy: run the cell again in a moment, or wait longer with --timeout SECONDS.",
                    "服务可能正忙：请稍后重新运行，或用 --timeout 秒数 多等一会儿。")
    else:
        message = Text(f"No answer within {s} seconds.", f"{s} 秒内没有收到回答。")
        hint = Text("Without streaming, a long answer arrives only once it is complete: stream it (leave out "
                    "--no-stream; stream=True in Python), or wait longer with --timeout SECONDS.",
                    "不用流式输出时，长回答要全部生成完才会发来：请改用流式输出（去掉 --no-stream；在 Python 中写 "
                    "stream=True），或用 --timeout 秒数 多等一会儿。")
    return RequestTimeoutError(message, hint=hint, provider=provider)


def _silence_error(provider: str, seconds: float, streamed: bool, option: str) -> RequestTimeoutError:
    s = _seconds(seconds)
    kept = Text("The part that arrived is kept. ", "已收到的部分会保留。") if streamed else Text("", "")
    where = option or "%config LLMMagics.idle_timeout = SECONDS"
    where_zh = option.replace("SECONDS", "秒数") if option else "%config LLMMagics.idle_timeout = 秒数"
    return RequestTimeoutError(
        Text(f"The answer stopped: no new token for {s} seconds (keep-alive signals do not count).",
             f"回答中断了：已经 {s} 秒没有收到新的 token（保持连接的信号不算）。"),
        hint=kept + Text(f"Run the cell again; to allow longer pauses, use {where}.",
                         f"请重新运行；如果要允许更长的停顿，请用 {where_zh}。"),
        provider=provider)


def _total_error(provider: str, seconds: float, begun: bool) -> RequestTimeoutError:
    s = _seconds(seconds)
    kept = Text("The part that arrived is kept. ", "已收到的部分会保留。") if begun else Text("", "")
    return RequestTimeoutError(
        Text(f"The call reached its --max-time of {s} seconds and was cut there.",
             f"调用达到了 --max-time 规定的 {s} 秒上限，在此截断。"),
        hint=kept + Text("Allow more with --max-time SECONDS, or leave it out: an answer that keeps coming is "
                         "then never cut.",
                         "可以用 --max-time 秒数 放宽，或者干脆不设：这样只要回答还在输出，就不会被截断。"),
        provider=provider)
