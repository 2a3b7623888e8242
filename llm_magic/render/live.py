"""A live view built from widgets: finished Markdown blocks are sent once, only the short tail is redrawn.

Redrawing one output re-sends the whole answer each time, so a long answer costs O(n²) bytes
or slows its refreshes down. Here the cell's one display first shows a ``VBox``: a reasoning
accordion, an ``Output`` of finished blocks (each block displayed once, appended) and an
``Output`` holding only the unfinished tail, redrawn every 0.25 s with
``clear_output(wait=True)``; a status line shows waiting and retry notices. Bytes stay about
the answer's size plus the tail's redraws, and the refresh rate stays the same all along.

In a kernel, an ``Output`` widget captures the cell's messages while its ``msg_id`` is set;
front ends give them to the most recently set one, as for nested ``with out:`` blocks. The
tail's ``Output`` captures for the whole stream, and the finished-blocks ``Output`` takes over
for a moment when blocks are appended (:class:`Router`). When the answer ends, the display is
updated to the ordinary final Markdown (``document.bundle``) and every widget is closed, so a
saved notebook renders without widget state.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..i18n import Text
from .blocks import BlockSplitter
from .document import _QUIET, bundle, error_lines, footer_text, waiting_text
from .formats import escape_block
from .state import StreamState

#: seconds between redraws of the tail; a long tail (a big table or code block) waits longer
INTERVAL, LONG_TAIL_INTERVAL, LONG_TAIL_BYTES = 0.25, 0.5, 2000


@lru_cache(maxsize=1)
def output_class() -> type:
    """``ipywidgets.Output`` whose outputs, synced back by the front end, are not echoed on iopub."""
    import ipywidgets
    from ipywidgets.widgets.trait_types import TypedTuple
    from traitlets import Dict

    class LiveOutput(ipywidgets.Output):
        outputs = TypedTuple(trait=Dict(), help="The output messages synced from the frontend.").tag(
            sync=True, echo_update=False)

    return LiveOutput


def parent_msg_id(shell: Any) -> str:
    """The id of the request the kernel is running (what an ``Output`` captures), or ``""``."""
    for source in (shell, getattr(shell, "kernel", None)):
        get_parent = getattr(source, "get_parent", None)
        if get_parent is not None:
            try:
                parent = get_parent() or {}
            except TypeError:  # pragma: no cover - older kernels
                continue
            msg_id = parent.get("header", {}).get("msg_id")
            if msg_id:
                return msg_id
    return ""


class Router:
    """Which ``Output`` widget receives the cell's displays: a stack, the last set one captures.

    Without a kernel (``parent`` empty) displays are put into the widgets' ``outputs`` instead.
    """

    def __init__(self, parent: str) -> None:
        self.parent = parent
        self.stack: list[Any] = []

    def _top(self, output: Any) -> None:
        if self.stack and self.stack[-1] is output:
            return
        _flush()
        while output in self.stack and self.stack[-1] is not output:
            self.stack.pop().msg_id = ""
        if output not in self.stack:
            output.msg_id = self.parent
            self.stack.append(output)

    def show(self, output: Any, data: dict[str, str]) -> None:
        if not self.parent:
            output.outputs += ({"output_type": "display_data", "data": data, "metadata": {}},)
            return
        from IPython.display import publish_display_data

        self._top(output)
        publish_display_data(data)

    def clear(self, output: Any) -> None:
        if not self.parent:
            output.outputs = ()
            return
        from IPython.display import clear_output

        self._top(output)
        clear_output(wait=True)

    def release(self) -> None:
        """Stop capturing, so the cell's own display can be updated."""
        if self.stack:
            _flush()
        while self.stack:
            self.stack.pop().msg_id = ""


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - a closed or odd stream must not break the display
            pass


class Widgets:
    """Creates widgets that share one ``Layout`` and remembers them all, to close them at the end."""

    def __init__(self) -> None:
        import ipywidgets

        self.module = ipywidgets
        self.made: list[Any] = []
        self.layout = self.add(ipywidgets.Layout())

    def add(self, widget: Any) -> Any:
        self.made.append(widget)
        return widget

    def make(self, name: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("layout", self.layout)
        cls = output_class() if name == "Output" else getattr(self.module, name)
        widget = self.add(cls(*args, **kwargs))
        style = getattr(widget, "style", None)
        if style is not None:
            self.add(style)
        return widget

    def close(self) -> None:
        """Close every widget made (containers first), so no model outlives the cell."""
        for widget in reversed(self.made):
            try:
                widget.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort; the final output is already shown
                pass
        self.made.clear()


def markdown_data(block: str) -> dict[str, str]:
    return {"text/markdown": block}


def reasoning_data(block: str) -> dict[str, str]:
    return {"text/html": f"<div {_QUIET}>{escape_block(block)}</div>"}


class BlockStream:
    """A growing text in two ``Output`` widgets: finished blocks appended once, the tail redrawn."""

    def __init__(self, widgets: Widgets, router: Router, render: Callable[[str], dict[str, str]]) -> None:
        self.router = router
        self.render = render
        self.finished = widgets.make("Output")
        self.tail = widgets.make("Output")
        self.splitter = BlockSplitter()
        self.shown_tail = ""
        self.blocks = 0

    def draw(self, text: str) -> None:
        blocks, tail = self.splitter.feed(text)
        for block in blocks:
            self.router.show(self.finished, self.render(block))
        self.blocks += len(blocks)
        if tail != self.shown_tail or blocks:
            self.router.clear(self.tail)
            if tail.strip():
                self.router.show(self.tail, self.render(tail))
            self.shown_tail = tail

    @property
    def tail_bytes(self) -> int:
        return len(self.shown_tail.encode("utf-8"))


class LivePanel:
    """The widgets of one streaming answer: title, reasoning, answer blocks and a status line."""

    def __init__(self, state: StreamState, widgets: Widgets, router: Router, *, title: str | None = None,
                 layout: Any = None) -> None:
        self.state = state
        self.widgets = widgets
        self.router = router
        self.reasoning: BlockStream | None = None
        self.accordion: Any = None
        self.reasoning_box = widgets.make("VBox")
        self.answer = BlockStream(widgets, router, markdown_data)
        self.status = widgets.make("HTML", value=self._status_html())
        children = [self.reasoning_box, self.answer.finished, self.answer.tail, self.status]
        if title is not None:
            children.insert(0, widgets.make("HTML", value=title))
        self.box = widgets.make("VBox", children, **({"layout": widgets.add(layout)} if layout is not None else {}))

    def _status_html(self) -> str:
        state = self.state
        if state.final:
            error = "<br>".join(_escape(line) for line in error_lines(state))
            footer = f"<div {_QUIET}>{_escape(footer_text(state))}</div>"
            return f"<div style='color: var(--jp-error-color1, #c62828)'>{error}</div>{footer}" if error else footer
        if state.notice:
            line = state.notice
        elif not state.text_parts and not state.reasoning_parts:
            line = waiting_text(state)
        else:
            return ""
        return f"<div {_QUIET}>{_escape(line)}</div>"

    def _ensure_reasoning(self) -> BlockStream:
        if self.reasoning is None:
            self.reasoning = BlockStream(self.widgets, self.router, reasoning_data)
            inner = self.widgets.make("VBox", [self.reasoning.finished, self.reasoning.tail])
            self.accordion = self.widgets.make("Accordion", [inner], selected_index=0,
                                               titles=(str(Text("💭 Thinking…", "💭 思考中…")),))
            self.reasoning_box.children = (self.accordion,)
        return self.reasoning

    def draw(self) -> None:
        state = self.state
        if state.reasoning_parts:
            self._ensure_reasoning().draw(state.reasoning)
        if self.accordion is not None and (state.text_parts or state.final) and self.accordion.selected_index == 0:
            self.accordion.titles = (str(Text("💭 Reasoning", "💭 思考过程")),)
            self.accordion.selected_index = None  # collapsed once the answer starts
        if state.text_parts:
            self.answer.draw(state.text)
        status = self._status_html()
        if self.status.value != status:
            self.status.value = status

    @property
    def tail_bytes(self) -> int:
        return self.answer.tail_bytes + (self.reasoning.tail_bytes if self.reasoning else 0)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


class LiveView:
    """One display: a waiting line, then the live widgets, finally the plain Markdown of ``bundle``."""

    def __init__(self, state: StreamState, shell: Any = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.shell = shell
        self.clock = clock
        self.handle: Any = None
        self.widgets: Widgets | None = None
        self.router: Router | None = None
        self.panel: LivePanel | None = None
        self.redraws = 0
        self._last = float("-inf")

    def start(self) -> None:
        from IPython.display import display

        self.handle = display(bundle(self.state), raw=True, metadata=self.state.metadata(), display_id=True)

    def _build(self) -> None:
        self.widgets = Widgets()  # ipywidgets is imported here, on the first streamed cell
        self.router = Router(parent_msg_id(self.shell))
        self.panel = LivePanel(self.state, self.widgets, self.router)
        self.handle.update(self.panel.box, metadata=self.state.metadata())

    def changed(self, *, force: bool = False) -> None:
        """Redraw if 0.25 s passed (0.5 s for a long tail); ``force`` for a retry notice."""
        now = self.clock()
        if self.panel is None:
            self._build()
        elif not force and now - self._last < (LONG_TAIL_INTERVAL if self.panel.tail_bytes > LONG_TAIL_BYTES
                                               else INTERVAL):
            return
        assert self.panel is not None
        self.panel.draw()
        self.redraws += 1
        self._last = now

    def finish(self) -> None:
        """The final Markdown replaces the widgets in the same display; then the widgets are closed."""
        if self.router is not None:
            self.router.release()
        self.handle.update(bundle(self.state), raw=True, metadata=self.state.metadata())
        if self.widgets is not None:
            self.widgets.close()
