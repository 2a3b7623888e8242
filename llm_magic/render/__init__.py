"""Display a streaming answer: live widgets or one throttled output in a notebook, printing in a terminal.

``show_call(call, events, ...)`` drives the engine's events into a view and returns the
:class:`~llm_magic.answer.Answer`; on failure or interrupt it first draws what arrived and
hands the partial answer to ``store``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..answer import Answer
from ..errors import LLMError
from ..events import Event, Finished, ReasoningDelta, RetryWait, TextDelta
from ..i18n import Text
from .formats import FORMATS
from .state import StreamState

__all__ = ["FORMATS", "StreamState", "retry_notice", "show_call", "use_terminal", "use_widgets"]


class View(Protocol):
    state: StreamState

    def start(self) -> None: ...
    def changed(self, *, force: bool = False) -> None: ...
    def finish(self) -> None: ...


def use_terminal(shell: Any, mode: str = "auto") -> bool:
    """Print instead of updating a display when the shell's display publisher is IPython's plain
    one (terminal IPython, a bare InteractiveShell); kernels and ``capture_output`` replace it."""
    if mode != "auto":
        return mode == "terminal"
    from IPython.core.displaypub import DisplayPublisher

    return type(getattr(shell, "display_pub", None)) is DisplayPublisher


def use_widgets(shell: Any, mode: str = "auto") -> bool:
    """The live widget view (``render.live``): in a kernel with ipywidgets installed, unless told otherwise.

    ``auto`` leaves out shells without a kernel (``capture_output`` in tests, terminal IPython).
    Only the module's presence is checked here; it is imported when the first answer streams.
    """
    if mode == "redraw":
        return False
    if mode == "auto" and getattr(shell, "kernel", None) is None:
        return False
    from importlib.util import find_spec

    return find_spec("ipywidgets") is not None


def retry_notice(event: RetryWait) -> str:
    """Why the call pauses and for how long, in one line."""
    return str(Text("⏳ {why} Trying again in {s:.1f} s (retry {n}).",
                    "⏳ {why} {s:.1f} 秒后重试（第 {n} 次）。").format(
        why=event.error.message, s=event.seconds, n=event.attempt))


def make_view(state: StreamState, *, terminal: bool, widgets: bool = False, shell: Any = None) -> View:
    if terminal:
        from .terminal import TerminalView

        return TerminalView(state)
    if widgets and state.fmt == "markdown":  # other formats are one growing block: nothing to split
        from .live import LiveView

        return LiveView(state, shell)
    from .notebook import NotebookView

    return NotebookView(state)


def show_call(call: Any, events: Iterator[Event], *, fmt: str = "markdown", terminal: bool = False,
              widgets: bool = False, shell: Any = None,
              store: Callable[[Answer], None] = lambda answer: None) -> Answer:
    """Show ``events`` (from ``run_call(call)``) as they arrive; the answer is stored before any raise.

    ``call`` needs ``provider.name``, ``provider.display_name``, ``model`` and ``parameters``
    (a ``PreparedCall`` or a ``cell.Described``); ``widgets`` picks the live view (``use_widgets``).
    """
    state = StreamState(call.provider.name, call.provider.display_name, call.model, call.parameters, fmt)
    view = make_view(state, terminal=terminal, widgets=widgets, shell=shell)
    view.start()
    try:
        for event in events:
            if isinstance(event, TextDelta):
                state.add_text(event.text)
            elif isinstance(event, ReasoningDelta):
                state.add_reasoning(event.text)
            elif isinstance(event, RetryWait):
                state.notice = retry_notice(event)
                view.changed(force=True)
                continue
            elif isinstance(event, Finished):
                state.answer = event.answer
                continue
            view.changed()
    except KeyboardInterrupt:
        _close(events)  # ends the HTTP response at once instead of reading to the end
        state.answer = state.partial_answer(interrupted=True)
        _end(view, "interrupted", store)
        raise
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
