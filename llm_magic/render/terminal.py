"""Show a streaming answer in terminal IPython: print each piece once, as it arrives."""

from __future__ import annotations

import sys

from ..i18n import Text, say
from .document import footer_text
from .formats import pretty_json
from .state import StreamState

DIM, RESET = "\x1b[2m", "\x1b[0m"


class TerminalView:
    """Writes deltas to ``sys.stdout`` (looked up per write, so capture works); never redraws."""

    def __init__(self, state: StreamState) -> None:
        self.state = state
        self._text_written = 0       # parts written, of the answer and of the reasoning
        self._reasoning_written = 0
        self._at_line_start = True

    def _write(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._at_line_start = text.endswith("\n")

    def _newline(self) -> None:
        if not self._at_line_start:
            self._write("\n")

    def start(self) -> None:
        """Nothing to show yet: a terminal user sees the prompt waiting."""

    def changed(self, *, force: bool = False) -> None:
        state = self.state
        reasoning = state.reasoning_parts
        if len(reasoning) > self._reasoning_written and not state.text_parts:
            if self._reasoning_written == 0:
                self._write(f"{DIM}{say(Text('💭 Thinking:', '💭 思考过程：'))}\n")
            self._write("".join(reasoning[self._reasoning_written:]))  # still dim: one escape for the block
            self._reasoning_written = len(reasoning)
        text = state.text_parts
        if len(text) > self._text_written:
            if self._text_written == 0 and self._reasoning_written:
                self._newline()
                self._write(f"{RESET}\n")
            self._write("".join(text[self._text_written:]))
            self._text_written = len(text)
        if force and state.notice:
            self._newline()
            self._write(f"{DIM}{state.notice}{RESET}\n")

    def finish(self) -> None:
        self.changed()
        if self._reasoning_written and not self._text_written:
            self._write(RESET)  # the answer never started: end the dim block
        self._newline()
        if self.state.fmt == "json" and self.state.outcome == "done":
            _, problem = pretty_json(self.state.text)
            if problem:
                self._write(f"{say(Text('⚠ Not valid JSON:', '⚠ 不是有效的 JSON：'))} {problem}\n")
        self._write(f"{DIM}— {footer_text(self.state)}{RESET}\n")
