"""Several providers answering one prompt: a column each while they stream, one Markdown document at the end.

In a kernel the cell's one display holds a ``GridBox`` of live panels (``render.live``) whose
columns wrap below each other on a narrow screen (``minmax(300px, 1fr)``); each column has
its provider's title and its own footer, or its error with the fix. The panels share one
capture router: finished blocks are displayed once, tails are replaced in one widget message
each, all at most every ``live.INTERVAL`` seconds. Without widgets the whole
document is redrawn, throttled; a terminal prints each answer when it is complete. The saved
output is one Markdown document with a heading per provider, readable without widget state.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import LLMError
from ..events import Finished, RetryWait, TextDelta
from ..i18n import Text, say
from ..markup import escape_text
from .document import bundle, error_lines, footer_text, size_of
from .show import Screen, retry_notice
from .state import StreamState
from .throttle import Throttle

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


def title(state: StreamState) -> str:
    return f"{state.display_name} · {state.model}"


def bundle_many(states: Mapping[str, StreamState]) -> dict[str, str]:
    """One Markdown document: a heading per provider, then what ``bundle`` shows for it."""
    sections, plain = [], []
    for state in states.values():
        data = bundle(state)
        body = data.get("text/markdown") or data.get("text/html", "")
        sections.append(f"## {escape_text(title(state))}\n\n{body}")
        plain.append(f"== {title(state)} ==\n" + data.get("text/plain", state.text))
    result = {"text/markdown": "\n\n---\n\n".join(sections)}  # a rule: answers have ## headings too
    if all(state.final for state in states.values()):
        result["text/plain"] = "\n\n".join(plain)
    return result


def metadata_many(states: Mapping[str, StreamState]) -> dict[str, Any]:
    outcomes = {state.outcome for state in states.values()}
    status = "done" if outcomes == {"done"} else "interrupted" if "interrupted" in outcomes else (
        "streaming" if "streaming" in outcomes else "failed" if outcomes == {"failed"} else "partial")
    return {"llm_magic": {"status": status,
                          "providers": {label: state.metadata()["llm_magic"] for label, state in states.items()}}}


class ColumnsRedrawView:
    """The whole document in one display, redrawn through a :class:`Throttle`."""

    def __init__(self, states: Mapping[str, StreamState], throttle: Throttle | None = None) -> None:
        self.states = states
        self.throttle = throttle or Throttle()
        self.handle: Any = None

    def start(self) -> None:
        from IPython.display import display

        data = bundle_many(self.states)
        self.handle = display(data, raw=True, metadata=metadata_many(self.states), display_id=True)
        self.throttle.record(size_of(data))

    def changed(self, label: str, *, force: bool = False) -> None:
        if not force and not self.throttle.ready():
            return
        data = bundle_many(self.states)
        if force or self.throttle.allows(size_of(data)):
            self.handle.update(data, raw=True, metadata=metadata_many(self.states))
            self.throttle.record(size_of(data))

    def ended(self, label: str) -> None:
        self.changed(label, force=True)

    def finish(self) -> None:
        self.handle.update(bundle_many(self.states), raw=True, metadata=metadata_many(self.states))


class ColumnsLiveView:
    """A ``GridBox`` of :class:`~llm_magic.render.live.LivePanel`, one per provider."""

    def __init__(self, states: Mapping[str, StreamState], shell: InteractiveShell | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.states = states
        self.shell = shell
        self.clock = clock
        self.handle: Any = None
        self.widgets: Any = None
        self.router: Any = None
        self.panels: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._last = float("-inf")

    def start(self) -> None:
        from IPython.display import display

        self.handle = display(bundle_many(self.states), raw=True, metadata=metadata_many(self.states),
                              display_id=True)

    def _build(self) -> None:
        from .live import LivePanel, Router, Widgets, parent_msg_id

        self.widgets = widgets = Widgets()
        self.router = Router(parent_msg_id(self.shell))
        column = widgets.add(widgets.module.Layout(min_width="0", overflow="hidden"))
        self.panels = {
            label: LivePanel(state, widgets, self.router, layout=column,
                             title=f"<b>{escape_text(state.display_name)}</b> · {escape_text(state.model)}")
            for label, state in self.states.items()}
        grid = widgets.add(widgets.module.Layout(
            grid_template_columns="repeat(auto-fit, minmax(300px, 1fr))", grid_gap="8px 24px", width="100%"))
        box = widgets.make("GridBox", [panel.box for panel in self.panels.values()], layout=grid)
        self.handle.update(box, metadata=metadata_many(self.states))

    def changed(self, label: str, *, force: bool = False) -> None:
        if self.widgets is None:
            self._build()
        self._dirty.add(label)
        from .live import INTERVAL

        now = self.clock()
        if not force and now - self._last < INTERVAL:
            return
        for name in sorted(self._dirty):
            self.panels[name].draw()
        self._dirty.clear()
        self._last = now

    def ended(self, label: str) -> None:
        """A provider is done: its whole answer and its footer (or error) at once."""
        if self.widgets is None:
            self._build()
        self.panels[label].draw()
        self._dirty.discard(label)

    def finish(self) -> None:
        if self.router is not None:
            self.router.release()
        self.handle.update(bundle_many(self.states), raw=True, metadata=metadata_many(self.states))
        if self.widgets is not None:
            self.widgets.close()


class ColumnsTerminalView:
    """Prints each provider's answer once it is complete: interleaved streams would be unreadable."""

    def __init__(self, states: Mapping[str, StreamState]) -> None:
        self.states = states
        self._printed: set[str] = set()

    def start(self) -> None:
        names = ", ".join(title(state) for state in self.states.values())
        self._write(say(Text("⏳ Asking {names}…", "⏳ 正在询问 {names}…").format(names=names)) + "\n")

    def changed(self, label: str, *, force: bool = False) -> None:
        state = self.states[label]
        if force and state.notice:
            self._write(f"[{title(state)}] {state.notice}\n")

    def ended(self, label: str) -> None:
        if label in self._printed:
            return
        self._printed.add(label)
        state = self.states[label]
        lines = [f"\n== {title(state)} ==", state.text.rstrip("\n")] if state.text else [f"\n== {title(state)} =="]
        lines += [*error_lines(state), f"— {footer_text(state)}"]
        self._write("\n".join(lines) + "\n")

    def finish(self) -> None:
        for label in self.states:
            self.ended(label)

    @staticmethod
    def _write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()


def make_columns_view(states: Mapping[str, StreamState], screen: Screen) -> Any:
    if screen.terminal:
        return ColumnsTerminalView(states)
    if screen.widgets and all(state.fmt == "markdown" for state in states.values()):
        return ColumnsLiveView(states, screen.shell)
    return ColumnsRedrawView(states)


def show_many(states: dict[str, StreamState], events: Iterator[tuple[str, Any]], *, screen: Screen = Screen(),
              explain: Callable[[str, LLMError], LLMError] = lambda label, e: e,
              store: Callable[[dict[str, Any]], None] = lambda results: None) -> dict[str, Any]:
    """Show ``(label, event | LLMError)`` pairs (``compare.stream_many``) in columns.

    Returns ``{label: Answer | LLMError}``; stored before any raise (an interrupt keeps the
    partial answers, marked interrupted). ``explain`` may replace a provider's error.
    """
    view = make_columns_view(states, screen)
    results: dict[str, Any] = {}
    view.start()
    try:
        for label, item in events:
            _apply(view, states[label], label, explain(label, item) if isinstance(item, LLMError) else item, results)
    except BaseException as error:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # stops every worker at its next event
        interrupted = isinstance(error, KeyboardInterrupt)
        for label, state in states.items():
            if label not in results:
                state.answer = state.partial_answer(interrupted=interrupted)
                state.outcome = "interrupted" if interrupted else "failed"
                results[label] = state.answer
        _finish(view, states, results, store)
        raise
    _finish(view, states, results, store)
    return results


def _apply(view: Any, state: StreamState, label: str, item: Any, results: dict[str, Any]) -> None:
    """One provider's event (or its error) into its column."""
    if isinstance(item, LLMError):
        state.error, state.answer, state.outcome = item, item.partial, "failed"
        if state.answer is None and state.text_parts:
            state.answer = state.partial_answer()
        results[label] = item
        view.ended(label)
    elif isinstance(item, Finished):
        state.answer, state.outcome, state.notice = item.answer, "done", None
        results[label] = item.answer
        view.ended(label)
    elif isinstance(item, RetryWait):
        state.notice = retry_notice(item)
        view.changed(label, force=True)
    else:
        (state.add_text if isinstance(item, TextDelta) else state.add_reasoning)(item.text)
        view.changed(label)


def _finish(view: Any, states: Mapping[str, StreamState], results: dict[str, Any],
            store: Callable[[dict[str, Any]], None]) -> None:
    for state in states.values():
        state.notice = None
    view.finish()
    store({label: results.get(label) for label in states})


__all__ = ["bundle_many", "make_columns_view", "show_many"]
