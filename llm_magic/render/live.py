"""The live view: an answer streams in place in any front end, and ends as one Markdown output.

Only ordinary outputs are used: ``display_data`` with a ``display_id`` and
``update_display_data``, which every Jupyter front end renders (JupyterLab and Notebook 7
with or without the widget extension, VS Code, Colab, nbclient, papermill, Voila); no widget,
no ``clear_output``. The answer is a run of outputs (*pieces*, cut by ``render.pieces``):

* the open piece, at the end, is redrawn at most every ``INTERVAL`` seconds, and at once when
  the first text arrives;
* once the bytes spent redrawing it pass ``BUDGET`` times its size (and it is at least
  ``MIN_PIECE`` bytes), it is sealed at its last safe cut: its output gets its final text and
  the rest goes on in a new output. Each redraw therefore costs at most a few kilobytes, and
  the traffic stays linear in the answer whatever its shape (docs/frontends.md);
* the reasoning streams the same way above the answer and folds into one ``<details>`` when
  the answer starts;
* at the end every other output is emptied (an empty Markdown) and the first one updated to the
  whole answer (``document.bundle``: reasoning, body, footer): one output shows the answer, in
  the browser as in the saved or executed notebook. Sealing updates the old output before the
  new one appears, and emptying comes before the consolidation, so no text is ever shown twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..i18n import Text, say
from ..markup import escape_text
from .document import _QUIET, bundle, waiting_text
from .formats import body, escape_block, fence
from .pieces import FORCE_CHARS, Cutter
from .state import StreamState

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

#: seconds between redraws: with the time to the next token, visible updates stay ≤ 0.5 s apart
INTERVAL = 0.4
#: an open piece is redrawn while everything sent for it stays within BUDGET × its size …
BUDGET = 2.5
#: … and is never sealed below this many bytes (each output costs a message header or two)
MIN_PIECE = 1024
#: what a piece shows once the whole answer is in the first output
EMPTY = {"text/markdown": ""}

Data = dict[str, str]


def size_of(text: str) -> int:
    return len(text.encode("utf-8"))


class Output:
    """One output of the cell, by ``display_id``; counts the bytes sent to it while it is open."""

    def __init__(self, data: Data, metadata: dict[str, Any] | None = None) -> None:
        from IPython.display import display

        self.handle: Any = display(data, raw=True, metadata=metadata or {}, display_id=True)
        self.shown = data
        self.spent = sum(size_of(value) for value in data.values())

    def update(self, data: Data, metadata: dict[str, Any] | None = None) -> None:
        if data == self.shown and metadata is None:
            return
        self.handle.update(data, raw=True, metadata=metadata or {})
        self.shown = data
        self.spent += sum(size_of(value) for value in data.values())

    def allows(self, size: int) -> bool:
        """Whether redrawing ``size`` bytes keeps this output within its budget."""
        return size < MIN_PIECE or self.spent + size <= BUDGET * size


class Lane:
    """One growing text (an answer, a reasoning, one provider's column) and its open piece.

    ``render`` turns a piece of text into Markdown; the lane keeps only the open piece's text,
    reading new parts from the state's list, so each redraw costs the same however long the
    answer already is.
    """

    def __init__(self, parts: list[str], mode: str, render: Callable[[str], str]) -> None:
        self.parts = parts
        self.render = render
        self.cutter = Cutter(mode)
        self.text = ""       # the open piece's text
        self.reopen = ""     # what the open piece starts with (a fence's opening line)
        self.read = 0        # parts read so far

    def take(self) -> bool:
        """Read the parts that arrived; True if there were any."""
        if len(self.parts) == self.read:
            return False
        self.text += "".join(self.parts[self.read:])
        self.read = len(self.parts)
        self.cutter.scan(self.text)
        return True

    @property
    def started(self) -> bool:
        return bool(self.parts)

    def open_markdown(self) -> str:
        return self.render(self.reopen + self.text + self.cutter.closing()) if self.reopen or self.text else ""

    def seal(self, *, whole: bool = False) -> str | None:
        """End the open piece at its latest cut (``whole``: all of it); its Markdown, or None if it cannot end yet."""
        if whole:
            piece, self.text, self.reopen = self.reopen + self.text + self.cutter.closing(), "", ""
            return self.render(piece) if piece else None
        cut = self.cutter.latest(self.text)
        if cut is None and len(self.text) > FORCE_CHARS:
            cut = self.cutter.forced(self.text)
        if cut is None or cut.at <= 0:
            return None
        piece = self.reopen + self.text[:cut.at] + cut.close
        self.text, self.reopen = self.text[cut.at:], cut.reopen
        self.cutter.shift(cut.at)
        return self.render(piece)


def answer_renderer(fmt: str) -> tuple[str, Callable[[str], str]]:
    """(cutter mode, piece → Markdown) for an answer in format ``fmt`` while it streams.

    Every piece goes through ``markup`` (``formats.body`` sanitizes Markdown, ``escape_block``
    and ``fence`` keep the rest inert): an answer never becomes live HTML, piece by piece either."""
    if fmt == "json":
        return "code", lambda piece: fence(piece, "json")
    if fmt in ("text", "html"):  # html is judged (and sandboxed) only once complete
        return "text", lambda piece: f'<div style="white-space: pre-wrap">{escape_block(piece)}</div>'
    return "markdown", lambda piece: body(piece, "markdown", final=False)[1]


def reasoning_markdown(piece: str) -> str:
    return f"<div {_QUIET}>{escape_block(piece)}</div>"


def quiet(line: str) -> str:
    return f"<div {_QUIET}>{escape_text(line)}</div>"


THINKING = Text("💭 Thinking…", "💭 思考中…")
REASONING = Text("💭 Reasoning", "💭 思考过程")


class LiveView:
    """One answer as a run of outputs: reasoning pieces, then answer pieces; only the last is redrawn."""

    def __init__(self, state: StreamState, shell: InteractiveShell | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.clock = clock
        mode, render = answer_renderer(state.fmt)
        self.answer = Lane(state.text_parts, mode, render)
        self.reasoning = Lane(state.reasoning_parts, "text", reasoning_markdown)
        self.outputs: list[Output] = []
        self.reasoning_outputs = 0  # the first outputs that hold reasoning
        self.folded = False         # the reasoning is one <details> (the answer started)
        self.redraws = 0
        self._last = float("-inf")

    # -- the view protocol ----------------------------------------------------------------------
    def start(self) -> None:
        self.outputs.append(Output(bundle(self.state), self.state.metadata()))

    def changed(self, *, force: bool = False) -> None:
        """Redraw if ``INTERVAL`` passed, at once for the first text; ``force`` for a retry notice."""
        now = self.clock()
        if not force and self.redraws and now - self._last < INTERVAL:
            return
        self._last = now
        self.redraws += 1
        self.draw()

    def finish(self) -> None:
        """Every output but the first emptied (from the last up), then the whole answer into the first:
        in this order no text is ever on screen twice, not even between two messages."""
        first, *rest = self.outputs
        for output in reversed(rest):
            output.update(EMPTY)
        first.update(bundle(self.state), self.state.metadata())

    # -- drawing --------------------------------------------------------------------------------
    def draw(self) -> None:
        self.answer.take()
        if self.answer.started:
            if self.reasoning_outputs and not self.folded:
                self._fold_reasoning()
            self._draw(self.answer)
        elif self.reasoning.take() or self.reasoning.started:
            self.reasoning_outputs = max(1, self.reasoning_outputs)
            self._draw(self.reasoning)
        else:
            self.outputs[-1].update(markdown(self._status()))

    def _draw(self, lane: Lane) -> None:
        """Redraw the lane's open piece, or seal it and go on in a new output when it costs too much."""
        if lane is self.answer and len(self.outputs) == self.reasoning_outputs:
            self.outputs.append(Output(markdown(lane.open_markdown() + self._status())))
            return
        output, head = self.outputs[-1], self._head(lane)
        content = head + lane.open_markdown() + self._status()
        if not output.allows(size_of(content)):
            piece = lane.seal()
            if piece is not None:
                output.update(markdown(head + piece))
                self.outputs.append(Output(markdown(lane.open_markdown() + self._status())))
                if lane is self.reasoning:
                    self.reasoning_outputs += 1
                return
        output.update(markdown(content))

    def _head(self, lane: Lane) -> str:
        """The reasoning's title, on its first output."""
        return f"**{say(THINKING)}**\n\n" if lane is self.reasoning and len(self.outputs) == 1 else ""

    def _fold_reasoning(self) -> None:
        """The answer starts: the reasoning's outputs become one folded ``<details>``."""
        self.folded = True
        folded = f"<details><summary>{say(REASONING)}</summary>{reasoning_markdown(self.state.reasoning)}</details>"
        first, *rest = self.outputs[:self.reasoning_outputs]
        for output in reversed(rest):
            output.update(EMPTY)
        first.update(markdown(folded))

    def _status(self) -> str:
        state = self.state
        if state.notice:
            return quiet(state.notice)
        if not state.text_parts and not state.reasoning_parts:
            return quiet(waiting_text(state))
        return ""


def markdown(text: str) -> Data:
    return {"text/markdown": text}
