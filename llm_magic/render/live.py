"""A live view built from widgets: finished Markdown blocks are sent once, only the short tail is redrawn.

Redrawing one output re-sends the whole answer each time, so a long answer costs O(n²) bytes
or slows its refreshes down. Here the cell's one display first shows a ``VBox``: a reasoning
accordion, an ``Output`` of finished blocks (each block displayed once, appended) and an
``Output`` holding only the unfinished tail, and a status line for waiting and retry notices.

Every iopub message carries a header of about 440 bytes, so the view sends as few as it can:

* the tail is redrawn at most every 0.4 s, and only when it changed, by assigning the tail
  ``Output``'s synced ``outputs`` trait: one ``comm_msg``, no ``clear_output``, no capture
  (front ends re-render an ``Output`` whose ``outputs`` change, as ``append_display_data``
  relies on);
* the blocks finished since the last redraw are one ``display_data`` (one block, unless the
  answer streams fast), captured by the finished-blocks ``Output``.

In a kernel, an ``Output`` widget captures the cell's messages while its ``msg_id`` is set; only
one captures at a time (:class:`Router`). The first finished block sets it, and it changes only
when blocks go to another ``Output``: once when the reasoning ends and the answer starts (and,
with several providers in columns, when another column finishes a block). When the answer
ends, capture is released, the display is updated to the ordinary final Markdown
(``document.bundle``) and every widget is closed, so a saved notebook renders without widget
state.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..i18n import Text, say
from ..markup import escape_text, sanitize_markdown
from .blocks import BlockSplitter
from .document import _QUIET, bundle, error_lines, footer_text, waiting_text
from .state import StreamState

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

#: seconds between redraws of the tail; a long tail (a big table or code block) waits a little
#: longer. Redraws follow stream events, so the screen's longest gap is the interval plus the
#: time to the next event: both stay under half a second.
INTERVAL, LONG_TAIL_INTERVAL, LONG_TAIL_BYTES = 0.4, 0.45, 2000


@lru_cache(maxsize=1)
def output_class() -> type:
    """``ipywidgets.Output`` whose outputs, synced back by the front end, are not echoed on iopub."""
    import ipywidgets
    from ipywidgets.widgets.trait_types import TypedTuple
    from traitlets import Dict

    class LiveOutput(ipywidgets.Output):  # type: ignore[misc]  # ipywidgets has no types: Output is Any
        outputs = TypedTuple(trait=Dict(), help="The output messages synced from the frontend.").tag(
            sync=True, echo_update=False)

    return LiveOutput


def parent_msg_id(shell: InteractiveShell | None) -> str:
    """The id of the request the kernel is running (what an ``Output`` captures), or ``""``."""
    for source in (shell, getattr(shell, "kernel", None)):
        get_parent = getattr(source, "get_parent", None)
        if get_parent is not None:
            try:
                parent = get_parent() or {}
            except TypeError:  # pragma: no cover - older kernels
                continue
            msg_id: str | None = parent.get("header", {}).get("msg_id")
            if msg_id:
                return msg_id
    return ""


class Router:
    """Where the cell's displays go: the one ``Output`` capturing them, switched only when needed.

    Finished blocks are displayed into the capturing ``Output`` (its ``msg_id`` set to the
    cell's request); a tail is put straight into an ``Output``'s ``outputs``. Without a kernel
    (``parent`` empty) displays are appended to the widgets' ``outputs`` instead.
    """

    def __init__(self, parent: str) -> None:
        self.parent = parent
        self.capturing: Any = None
        self.switches = 0  # times the capturing Output changed (the first capture included)

    def _capture(self, output: Any) -> None:
        if self.capturing is output:
            return
        _flush()  # what was printed so far goes where it was headed
        if self.capturing is not None:
            self.capturing.msg_id = ""
        output.msg_id = self.parent
        self.capturing = output
        self.switches += 1

    def show(self, output: Any, data: dict[str, str]) -> None:
        """Append ``data`` to ``output``: one ``display_data`` (after a capture switch if needed)."""
        if not self.parent:
            output.outputs += (_display_item(data),)
            return
        from IPython.display import publish_display_data

        self._capture(output)
        publish_display_data(data)

    def replace(self, output: Any, data: dict[str, str] | None) -> None:
        """Make ``data`` (or nothing) the whole content of ``output``: one ``comm_msg`` if it changed."""
        output.outputs = (_display_item(data),) if data is not None else ()

    def release(self) -> None:
        """Stop capturing, so the cell's own display can be updated."""
        if self.capturing is not None:
            _flush()
            self.capturing.msg_id = ""
            self.capturing = None


def _display_item(data: dict[str, str]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or odd stream must not break the display
            stream.flush()


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
            with contextlib.suppress(Exception):  # closing is best effort; the final output is already shown
                widget.close()
        self.made.clear()


def markdown_data(block: str) -> dict[str, str]:
    return {"text/markdown": sanitize_markdown(block)}


def reasoning_data(block: str) -> dict[str, str]:
    return {"text/html": f"<div {_QUIET}>{escape_text(block)}</div>"}


class BlockStream:
    """A growing text in two ``Output`` widgets: finished blocks appended once, the tail replaced."""

    def __init__(self, widgets: Widgets, router: Router, render: Callable[[str], dict[str, str]]) -> None:
        self.router = router
        self.render = render
        self.finished = widgets.make("Output")
        self.tail = widgets.make("Output")
        self.splitter = BlockSplitter()
        self.shown_tail = ""
        self.blocks = 0  # finished blocks shown
        self.displays = 0  # displays they took: the blocks finished by one redraw go together

    def draw(self, text: str) -> None:
        blocks, tail = self.splitter.feed(text)
        if blocks:  # split at certain block boundaries: together they render as they would apart
            self.router.show(self.finished, self.render("".join(blocks)))
            self.blocks += len(blocks)
            self.displays += 1
        if tail != self.shown_tail:
            self.router.replace(self.tail, self.render(tail) if tail.strip() else None)
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
                                               titles=(say(Text("💭 Thinking…", "💭 思考中…")),))
            self.reasoning_box.children = (self.accordion,)
        return self.reasoning

    def draw(self) -> None:
        state = self.state
        if state.reasoning_parts:
            self._ensure_reasoning().draw(state.reasoning)
        if self.accordion is not None and (state.text_parts or state.final) and self.accordion.selected_index == 0:
            self.accordion.titles = (say(Text("💭 Reasoning", "💭 思考过程")),)
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
    return escape_text(text)


class LiveView:
    """One display: a waiting line, then the live widgets, finally the plain Markdown of ``bundle``."""

    def __init__(self, state: StreamState, shell: InteractiveShell | None = None, *,
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
        """Redraw if ``INTERVAL`` passed (``LONG_TAIL_INTERVAL`` for a long tail); ``force`` for a retry notice."""
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
