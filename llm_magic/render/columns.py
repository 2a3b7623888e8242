"""Several providers answering one prompt: side by side while they stream, and side by side at the end.

In a notebook the columns are a CSS grid inside Markdown (``grid``), which every front end that
renders HTML in Markdown lays out the same way; it needs neither widgets nor scripts. The live
view is a run of *bands* (outputs, like ``render.live``'s pieces): each band is a grid row holding
each provider's piece, the last band is redrawn at most every ``live.INTERVAL`` seconds and sealed
once it costs ``live.BUDGET`` times its size. At the end the first band becomes the whole
document (one grid: title, answer, footer or error per column) and the others are emptied, so
the layout a reader saw while streaming stays. A terminal prints each answer when it is complete.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import LLMError
from ..events import Finished, RetryWait, TextDelta
from ..i18n import Text, say
from ..markup import escape_text
from .document import _QUIET, bundle, error_lines, footer_text, waiting_text
from .live import EMPTY, INTERVAL, Lane, Output, answer_renderer, markdown, size_of
from .show import Screen, retry_notice
from .state import StreamState

#: the last characters of a column's reasoning shown while it thinks (the whole of it is in the final output)
REASONING_TICKER = 160


def title(state: StreamState) -> str:
    return f"{state.display_name} · {state.model}"


def grid(cells: list[str]) -> str:
    """Markdown cells side by side: one HTML grid whose cells are Markdown again (blank lines around)."""
    columns = f"repeat({len(cells)}, minmax(0, 1fr))"
    inner = "".join(f'<div style="min-width: 0; overflow-wrap: anywhere">\n\n{cell}\n\n</div>\n'
                    for cell in cells)
    return f'<div style="display: grid; grid-template-columns: {columns}; gap: 0 24px">\n{inner}</div>'


def heading(state: StreamState) -> str:
    return f"**{escape_text(state.display_name)}** · {escape_text(state.model)}\n\n"


def bundle_many(states: Mapping[str, StreamState]) -> dict[str, str]:
    """One Markdown document: a column per provider with what ``bundle`` shows for it."""
    cells, plain = [], []
    for state in states.values():
        data = bundle(state)
        cells.append(heading(state) + (data.get("text/markdown") or data.get("text/html", "")))
        plain.append(f"== {title(state)} ==\n" + data.get("text/plain", state.text))
    result = {"text/markdown": grid(cells)}
    if all(state.final for state in states.values()):
        result["text/plain"] = "\n\n".join(plain)
    return result


def metadata_many(states: Mapping[str, StreamState]) -> dict[str, Any]:
    outcomes = {state.outcome for state in states.values()}
    status = "done" if outcomes == {"done"} else "interrupted" if "interrupted" in outcomes else (
        "streaming" if "streaming" in outcomes else "failed" if outcomes == {"failed"} else "partial")
    return {"llm_magic": {"status": status,
                          "providers": {label: state.metadata()["llm_magic"] for label, state in states.items()}}}


def column_status(state: StreamState) -> str:
    """Below a column's open piece: its wait, retry, thinking, or (once done) footer and error."""
    if state.final:
        lines = [escape_text(line) for line in error_lines(state)]
        style = "color: var(--jp-error-color1, #c62828); overflow-wrap: anywhere"  # long tokens wrap, words stay whole
        error = f"<div style='{style}'>{'<br>'.join(lines)}</div>" if lines else ""
        return f"{error}<div {_QUIET}>{escape_text(footer_text(state))}</div>"
    if state.notice:
        line = state.notice
    elif not state.text_parts and state.reasoning_parts:
        tail = state.reasoning_parts[-40:]  # the ticker needs only the end
        line = f"{say(Text('💭 Thinking…', '💭 思考中…'))} …{''.join(tail)[-REASONING_TICKER:]}"
    elif not state.text_parts:
        line = waiting_text(state)
    else:
        return ""
    return f"<div {_QUIET}>{escape_text(line)}</div>"


class ColumnsView:
    """A run of bands, each a grid row of every provider's piece; only the last band is redrawn."""

    def __init__(self, states: Mapping[str, StreamState], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.states = states
        self.clock = clock
        self.lanes = {label: Lane(state.text_parts, *answer_renderer(state.fmt)) for label, state in states.items()}
        self.bands: list[Output] = []
        self._last = float("-inf")

    def start(self) -> None:
        self.bands.append(Output(bundle_many(self.states), metadata_many(self.states)))

    def changed(self, label: str, *, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self._last < INTERVAL:
            return
        self._last = now
        self.draw()

    def ended(self, label: str) -> None:
        """A provider is done: its whole answer and its footer (or error) at once."""
        self.changed(label, force=True)

    def finish(self) -> None:
        first, *rest = self.bands
        for band in reversed(rest):
            band.update(EMPTY)
        first.update(bundle_many(self.states), metadata_many(self.states))

    def draw(self) -> None:
        for lane in self.lanes.values():
            lane.take()
        band, first = self.bands[-1], len(self.bands) == 1
        content = self._band(first)
        if not band.allows(size_of(content)):
            pieces = {label: lane.seal(whole=self.states[label].final) for label, lane in self.lanes.items()}
            if any(pieces.values()):
                band.update(markdown(self._band(first, pieces)))
                self.bands.append(Output(markdown(self._band(False))))
                return
        band.update(markdown(content))

    def _band(self, first: bool, pieces: Mapping[str, str | None] | None = None) -> str:
        """One band's grid: each column's title (first band only), then its sealed ``pieces``, or
        its open piece and status."""
        cells = []
        for label, state in self.states.items():
            cell = heading(state) if first else ""
            if pieces is not None:
                cell += pieces[label] or ""
            else:
                cell += self.lanes[label].open_markdown() + column_status(state)
            cells.append(cell)
        return grid(cells)


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
    return ColumnsView(states)


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
