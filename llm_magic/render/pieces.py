"""Where a growing answer may be cut into pieces that each render on their own.

The live view (``render.live``) shows an answer as a run of outputs: pieces that are finished
are sent once, and only the open one at the end is redrawn. To keep every redraw short, whatever
the shape of the answer, a piece may end

* at any line inside a fenced code block (the piece gets a closing fence, the next one the
  opening line again), or inside an indented code block;
* before a new block: after a blank line, before a heading, a list item, a quote line;
* between the rows of a table (the next piece repeats the header and its delimiter row);
* between two lines of a paragraph, or after a sentence inside a long line (``. `` ``。``…),
  but never inside an inline code span, ``$`` maths or a link;
* when nothing else comes for ``FORCE_CHARS`` characters (one enormous line), anywhere.

Every cut leaves both pieces valid Markdown. While the answer streams, a paragraph cut in two
shows as two paragraphs; the final output is drawn from the whole text, uncut.

:class:`Cutter` reads each line once (``scan``), so the cost per token stays flat as the answer
grows; offsets are relative to the open piece's text and move with :meth:`Cutter.shift`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: a line longer than this without any other cut is cut where it is (a 50k-token JSON line)
FORCE_CHARS = 3000
#: a partial line is searched for sentence ends only once it is this long
SENTENCE_CHARS = 200

_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_TABLE_DELIMITER = re.compile(r" {0,3}\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_SENTENCE_END = re.compile(r"(?:[.!?;:](?=[ \t]+\S)|[。！？；])[ \t]*")
#: a piece must not start with what would make it another kind of block
_BLOCK_START = frozenset("#>|=-*+`~0123456789 \t")
_MODES = ("markdown", "code", "text")


@dataclass(frozen=True)
class Cut:
    """A place ``at`` (an offset) where a piece may end: ``close`` ends it, ``reopen`` starts the next."""

    at: int
    close: str = ""
    reopen: str = ""


class _Inline:
    """Open inline spans of a paragraph: a code span (its backtick run), ``$`` maths, a link."""

    def __init__(self) -> None:
        self.ticks = 0
        self.math = False
        self.brackets = 0
        self.destination = False

    def copy(self) -> _Inline:
        other = _Inline()
        other.ticks, other.math, other.brackets, other.destination = (
            self.ticks, self.math, self.brackets, self.destination)
        return other

    @property
    def balanced(self) -> bool:
        return not (self.ticks or self.math or self.brackets or self.destination)

    def read(self, text: str) -> None:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "`":
                run = len(text) - i - len(text[i:].lstrip("`"))
                self.ticks = run if not self.ticks else 0 if self.ticks == run else self.ticks
                i += run
                continue
            if not self.ticks:
                i += self._outside_code(text, i)
            i += 1

    def _outside_code(self, text: str, i: int) -> int:
        """Read ``text[i]`` outside a code span; returns how many more characters it took."""
        char = text[i]
        if char == "\\":
            return 1
        if char == "$":
            self.math = not self.math
        elif self.math:
            return 0
        elif char == "[":
            self.brackets += 1
        elif char == "]" and self.brackets:
            self.brackets -= 1
            self.destination = text[i + 1:i + 2] == "("
            return 1 if self.destination else 0
        elif char == ")" and self.destination:
            self.destination = False
        return 0


class Cutter:
    """Finds the latest safe cut in a growing text; ``mode`` is "markdown", "code" (all one code block)
    or "text" (plain lines)."""

    def __init__(self, mode: str = "markdown") -> None:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, not {mode!r}")
        self.mode = mode
        self.pos = 0              # offset after the last complete line read
        self.last: Cut | None = None      # the latest cut that is certain
        self.pending: Cut | None = None   # a cut after the last line, if the next line allows it
        self.pending_needs: str = ""      # "", "text" (no indent), "row" (a table row)
        self.fence = ""           # the fence of an open fenced block and its opening line
        self.opener = ""
        self.lines_inside = 0     # lines read inside the open fence or table (none: no cut yet)
        self.math = False         # inside $$ … $$
        self.table = ""           # a table's header and delimiter rows while inside it
        self.maybe_header = ""    # the last line, if the next one makes it a table header
        self.indented = False     # inside an indented code block
        self.in_list = False
        self.blank = True         # the last line was blank (or there was none)
        self.inline = _Inline()
        self._partial_from = 0    # where the partial line's sentence search goes on from
        self._partial = _Inline()
        self._sentence: Cut | None = None

    # -- reading ---------------------------------------------------------------------------
    def scan(self, text: str) -> None:
        """Read the complete lines of ``text`` not read yet (``text`` only grows between calls)."""
        while True:
            end = text.find("\n", self.pos)
            if end == -1:
                break
            self._resolve(text, self.pos)
            self._line(text[self.pos:end])
            self.pos = end + 1
            self.pending = self._after_line()
        self._resolve(text, self.pos)

    def _resolve(self, text: str, start: int) -> None:
        """Decide the pending cut once the start of the line after it shows whether it may be cut."""
        if self.pending is None or start >= len(text):
            return
        verdict = _allows(self.pending_needs, text[start:start + 2])
        if verdict is None:
            return  # "-" alone: a list item or a heading's underline, the next character says
        if verdict:
            self.last = self.pending
        self.pending = None

    def _line(self, line: str) -> None:
        if self.mode != "markdown":
            return
        if self.fence:
            stripped = line.strip()
            if stripped.startswith(self.fence) and not stripped.strip(self.fence[0]):
                self.fence = self.opener = ""
            self.lines_inside += 1
            return
        if self.math:
            self.math = line.count("$$") % 2 == 0
            return
        self._outside(line)

    def _outside(self, line: str) -> None:
        blank = not line.strip()
        self._opens(line, blank)
        self.indented = not blank and line[:4].expandtabs(4).startswith("    ") and (self.blank or self.indented)
        if _LIST_ITEM.match(line):
            self.in_list = True
        elif not blank and line[:1] not in (" ", "\t"):
            self.in_list = False
        self.maybe_header = line + "\n" if "|" in line and not self.table else ""
        if not blank and not self.fence:
            self.inline.read(line)
        self.blank = blank

    def _opens(self, line: str, blank: bool) -> None:
        """A fence, display maths or a table that the line opens, a blank line that ends them."""
        fence = _FENCE.match(line)
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
            self.fence, self.opener = fence.group(2), line + "\n"
            self.table, self.lines_inside = "", 0
        elif line.count("$$") % 2:
            self.math = True
        elif self.maybe_header and _TABLE_DELIMITER.match(line):
            self.table, self.lines_inside = self.maybe_header + line + "\n", 0
        elif blank:
            self.table = ""
            self.inline = _Inline()
        elif self.table:
            self.lines_inside += 1

    def _after_line(self) -> Cut | None:
        """The cut after the line just read, if any (its condition in ``pending_needs``)."""
        self.pending_needs = ""
        if self.mode != "markdown":
            return Cut(self.pos)
        if self.fence:
            if self.lines_inside == 0:
                return None  # right after the opening line: the piece would end with an empty block
            return Cut(self.pos, close=_closing(self.opener, self.fence), reopen=self.opener)
        if self.math or self.maybe_header or (self.table and self.lines_inside < 1):
            return None
        if self.table:
            self.pending_needs = "row"
            return Cut(self.pos, reopen=self.table)
        return self._after_prose()

    def _after_prose(self) -> Cut | None:
        if self.indented and not self.in_list:
            return Cut(self.pos)
        if not self.blank and not self.inline.balanced:
            return None
        self.pending_needs = "text"
        return Cut(self.pos)

    # -- choosing ----------------------------------------------------------------------------
    def latest(self, text: str) -> Cut | None:
        """The latest certain cut in ``text`` (a sentence end in a long partial line counts)."""
        sentence = self._sentence_cut(text)
        if sentence is not None:
            return sentence
        return self.last if self.last is not None and self.last.at > 0 else None

    def _sentence_cut(self, text: str) -> Cut | None:
        """After the last sentence of the partial line, when it is long and in prose."""
        if len(text) - self.pos < SENTENCE_CHARS or not self._in_prose(text):
            return None
        start = max(self.pos, self._partial_from)
        if start == self.pos:
            self._partial = self.inline.copy()
        for match in _SENTENCE_END.finditer(text, start, len(text) - 1):
            self._partial.read(text[start:match.end()])
            start = match.end()
            if self._partial.balanced and text[start] not in _BLOCK_START:
                self._sentence = Cut(start)
        self._partial.read(text[start:len(text) - 1])
        self._partial_from = len(text) - 1
        found = self._sentence
        return found if found is not None and found.at > self.pos else None

    def _in_prose(self, text: str) -> bool:
        """Whether the partial line is prose: not code, maths or a table row."""
        return not (self.mode == "code" or self.fence or self.math or self.table or text[self.pos] == "|")

    def forced(self, text: str) -> Cut:
        """A cut at the end of ``text`` (at its last space if one is near), whatever it is inside."""
        at = len(text)
        space = text.rfind(" ", max(self.pos, at - 80))
        if space > self.pos:
            at = space + 1
        if self.fence:
            return Cut(at, close="\n" + _closing(self.opener, self.fence), reopen=self.opener)
        if self.mode == "code":
            return Cut(at, close="\n")
        if self.math:
            return Cut(at, close="\n$$\n", reopen="$$\n")
        return Cut(at, reopen=self.table)

    def closing(self) -> str:
        """What the text so far needs at its end to render as a finished piece (an open fence's close)."""
        if self.fence:
            return "\n" + _closing(self.opener, self.fence)
        return "\n$$\n" if self.math else ""

    def shift(self, offset: int) -> None:
        """The text now starts ``offset`` characters later (the piece before was sealed)."""
        self.pos = max(0, self.pos - offset)
        self._partial_from = max(0, self._partial_from - offset)
        self.last = _moved(self.last, offset)
        self.pending = _moved(self.pending, offset)
        self._sentence = _moved(self._sentence, offset)


def _allows(needs: str, start: str) -> bool | None:
    """Whether a line starting with ``start`` may begin a piece after a cut that ``needs`` it."""
    if needs == "row":
        return start[:1] == "|"
    if needs == "text":
        if start[:1] in (" ", "\t"):
            return False
        if start[:1] == "=":
            return False
        if start[:1] == "-":
            return None if len(start) < 2 else start[1] in " \t"
    return True


def _moved(cut: Cut | None, offset: int) -> Cut | None:
    if cut is None or cut.at <= offset:
        return None
    return Cut(cut.at - offset, cut.close, cut.reopen)


def _closing(opener: str, fence: str) -> str:
    """The line that closes a fence opened by ``opener``, at its indentation."""
    indent = len(opener) - len(opener.lstrip(" "))
    return " " * indent + fence + "\n"
