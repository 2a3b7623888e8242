"""Display a streaming answer: the live view in a notebook (any front end), printing in a terminal.

``show_call(call, events, ...)`` drives the engine's events into a view and returns the
:class:`~llm_magic.answer.Answer`; on failure or interrupt it first draws what arrived and
hands the partial answer to ``store``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..answer import Answer
from ..errors import Interrupted, LLMError
from ..events import Event, Finished, ReasoningDelta, RetryWait, TextDelta
from ..i18n import Text, say
from .state import StreamState

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["CallInfo", "Screen", "retry_notice", "show_call", "use_terminal"]


class ProviderInfo(Protocol):
    """What a renderer shows of a provider."""

    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str: ...


class CallInfo(Protocol):
    """What a renderer needs to know of a call: a prepared call, a drafted one (replays), or a stand-in."""

    @property
    def provider(self) -> ProviderInfo: ...
    @property
    def model(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...


class View(Protocol):
    state: StreamState

    def start(self) -> None: ...
    def changed(self, *, force: bool = False) -> None: ...
    def finish(self) -> None: ...


@dataclass(frozen=True)
class Screen:
    """Where a cell's answers are drawn: a terminal, or a notebook (whatever its front end)."""

    terminal: bool = False
    shell: InteractiveShell | None = None

    @classmethod
    def of(cls, shell: InteractiveShell | None, display_mode: str = "auto") -> Screen:
        """The screen of ``shell`` as the magics' ``display_mode`` setting chooses it."""
        return cls(use_terminal(shell, display_mode), shell)


def use_terminal(shell: InteractiveShell | None, mode: str = "auto") -> bool:
    """Print instead of updating a display when the shell's display publisher is IPython's plain
    one (terminal IPython, a bare InteractiveShell); kernels and ``capture_output`` replace it."""
    if mode != "auto":
        return mode == "terminal"
    from IPython.core.displaypub import DisplayPublisher

    return type(getattr(shell, "display_pub", None)) is DisplayPublisher


def _retry_reason(error: LLMError) -> Text:
    """Why a call is retried, in a few words: the status, not the provider's whole sentence."""
    from ..errors import NetworkError, RateLimitError, RequestTimeoutError

    if isinstance(error, RateLimitError):
        return Text(f"Too many requests (HTTP {error.status or 429})", f"请求过于频繁（HTTP {error.status or 429}）")
    if isinstance(error, RequestTimeoutError):
        return Text("No answer in time", "等待超时")
    if isinstance(error, NetworkError):
        return Text("The connection failed", "连接失败")
    if error.status:
        return Text(f"The server failed (HTTP {error.status})", f"服务器出错（HTTP {error.status}）")
    message = error.message.rstrip("。.")
    return Text(message, message)


def retry_notice(event: RetryWait) -> str:
    """⏳ 请求过于频繁（HTTP 429），1 秒后自动重试（第 1 次，共 2 次）: why, when, which retry."""
    reason = _retry_reason(event.error)
    seconds = f"{round(event.seconds, 1):g}"
    of_en = f" of {event.retries}" if event.retries else ""
    of_zh = f"，共 {event.retries} 次" if event.retries else ""
    return say(Text(f"⏳ {reason.en}; trying again in {seconds} s (retry {event.attempt}{of_en}).",
                    f"⏳ {reason.zh}，{seconds} 秒后自动重试（第 {event.attempt} 次{of_zh}）。"))


def make_view(state: StreamState, screen: Screen) -> View:
    if screen.terminal:
        from .terminal import TerminalView

        return TerminalView(state)
    from .live import LiveView

    return LiveView(state, screen.shell)


def state_for(call: CallInfo, fmt: str, substituted: tuple[str, ...] = ()) -> StreamState:
    """A fresh record of ``call``'s answer, drawn in format ``fmt``; ``substituted`` names the variables filled in."""
    return StreamState(call.provider.name, call.provider.display_name, call.model, call.parameters, fmt,
                       substituted=substituted)


def show_call(call: CallInfo, events: Iterator[Event], *, fmt: str = "markdown", screen: Screen = Screen(),
              store: Callable[[Answer], None] = lambda answer: None, substituted: tuple[str, ...] = ()) -> Answer:
    """Show ``events`` (from ``run_call(call)``) as they arrive; the answer is stored before any raise."""
    state = state_for(call, fmt, substituted)
    view = make_view(state, screen)
    view.start()
    try:
        for event in events:
            _apply(event, state, view)
    except KeyboardInterrupt as stop:
        # ■ in the engine (reading the socket) comes as Interrupted with the billed partial answer;
        # ■ while drawing is thrown into the engine, which ends the response and bills what arrived
        stopped = stop if isinstance(stop, Interrupted) else _stop(events, call)
        state.answer = stopped.partial or state.partial_answer(interrupted=True)
        stopped.partial = state.answer
        _end(view, "interrupted", store)
        raise stopped from None
    except BaseException as error:
        _close(events)
        partial = error.partial if isinstance(error, LLMError) else None
        state.answer = partial
        if partial is None and state.text_parts:
            state.answer = state.partial_answer()
        _end(view, "failed", store)
        raise
    if state.answer is None:  # pragma: no cover - run_call always ends with Finished
        state.answer = state.partial_answer()
    _end(view, "done", store)
    return state.answer


def _apply(event: Event, state: StreamState, view: View) -> None:
    """One event into the state; the view redraws when it is due (a retry notice at once)."""
    if isinstance(event, TextDelta):
        state.add_text(event.text)
    elif isinstance(event, ReasoningDelta):
        state.add_reasoning(event.text)
    elif isinstance(event, RetryWait):
        state.notice = retry_notice(event)
        view.changed(force=True)
        return
    elif isinstance(event, Finished):
        state.answer = event.answer
        return
    view.changed()


def _stop(events: Iterator[Event], call: CallInfo) -> Interrupted:
    """Throw ■ into ``events``: the engine answers with Interrupted (or the stream just ends)."""
    throw = getattr(events, "throw", None)
    try:
        if throw is not None:
            throw(KeyboardInterrupt())
    except Interrupted as stopped:
        return stopped
    except BaseException:  # noqa: BLE001 - a replay, or a stream already over: nothing to bill
        pass
    _close(events)
    return Interrupted(provider=call.provider.name)


def _close(events: Iterator[Event]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()


def _end(view: View, outcome: str, store: Callable[[Answer], None]) -> None:
    view.state.outcome = outcome
    view.state.notice = None
    view.finish()
    if view.state.answer is not None:
        store(view.state.answer)
