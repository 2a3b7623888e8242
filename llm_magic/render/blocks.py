"""Split streamed Markdown into finished blocks and an active tail, only at boundaries that are certain.

``split(text) -> (blocks, tail)`` with ``"".join(blocks) + tail == text``. A block ends after a
run of blank lines outside fenced code, ``$$``/``\\[`` math and HTML blocks, and only once the
start of the next line shows it does not continue the block: a list goes on while the next
line is indented or another item, an indented code block while the next line is indented.
Every later piece of text leaves earlier blocks unchanged, so a live view draws each one once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
#: what an unfinished line may still grow into a list item from
_MAYBE_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)]?)$")
_HTML_OPEN = re.compile(r"[ \t]*<(details|div|table|pre|section|blockquote|figure|ul|ol|dl|script|style)\b",
                        re.IGNORECASE)


def _blank(line: str) -> bool:
    return not line.strip(" \t\r")  # U+3000 and other Unicode spaces make a line non-blank, as in CommonMark


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def _html_depth(tag: str, line: str) -> int:
    """How many ``<tag>`` the line opens, less those it closes."""
    return (len(re.findall(rf"<{tag}\b", line, re.IGNORECASE))
            - len(re.findall(rf"</{tag}\s*>", line, re.IGNORECASE)))


@dataclass
class _Block:
    """What the lines of the current block opened and have not closed yet."""

    fence: str = ""          # the opening fence (```` ``` ```` or ``~~~``) while inside one
    math: str = ""           # "$$" or "\\[" while inside display math
    html: str = ""           # the tag of an open HTML block
    html_depth: int = 0
    has_list: bool = False
    last_indented: bool = False
    has_content: bool = False

    @property
    def open(self) -> bool:
        return bool(self.fence or self.math or self.html)

    def add(self, line: str) -> None:
        """Take one line of the block (blank lines included)."""
        self.has_content = self.has_content or not _blank(line)
        if self.fence:
            self._inside_fence(line)
        elif self.math:
            self._inside_math(line)
        elif self.html:
            self.html_depth += _html_depth(self.html, line)
            if self.html_depth <= 0:
                self.html = ""
        else:
            self._outside(line)

    def _inside_fence(self, line: str) -> None:
        stripped = line.strip(" \t\r")
        if stripped.startswith(self.fence) and not stripped.strip(self.fence[0]):
            self.fence = ""

    def _inside_math(self, line: str) -> None:
        if (self.math == "$$" and line.count("$$") % 2) or (self.math == "\\[" and "\\]" in line):
            self.math = ""

    def _outside(self, line: str) -> None:
        """A line outside fences, math and HTML: it may open one of them, a list or indented code."""
        fence = _FENCE.match(line)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            self.fence = fence.group(1)
            return
        if line.count("$$") % 2:
            self.math = "$$"
        elif line.lstrip(" \t").startswith("\\[") and "\\]" not in line:
            self.math = "\\["
        tag = _HTML_OPEN.match(line)
        if tag and _html_depth(tag.group(1).lower(), line) > 0:
            self.html, self.html_depth = tag.group(1).lower(), _html_depth(tag.group(1).lower(), line)
        if _LIST_ITEM.match(line):
            self.has_list = True
        if not _blank(line):
            self.last_indented = _indent(line) >= 4

    def continued_by(self, line: str, complete: bool) -> bool | None:
        """Whether ``line``, the first after a blank run, belongs to this block; None: cannot tell yet."""
        if self.has_list:
            if line[:1] in (" ", "\t") or _LIST_ITEM.match(line):
                return True
            return None if not complete and _MAYBE_ITEM.match(line) else False
        if self.last_indented:
            return _indent(line) >= 4
        return False


def split(text: str) -> tuple[list[str], str]:
    """(finished blocks, active tail) of ``text``; ``"".join(blocks) + tail == text``."""
    blocks: list[str] = []
    block, start, pos = _Block(), 0, 0
    after_blank = False
    while pos < len(text):
        newline = text.find("\n", pos)
        complete = newline != -1
        end = newline + 1 if complete else len(text)
        line = text[pos:end].rstrip("\n")
        if not complete and (not after_blank or _blank(line)):
            break  # an unfinished line decides nothing, unless it is the first after a blank run
        if _blank(line) and not block.open:
            after_blank = after_blank or block.has_content
        elif after_blank:
            verdict = block.continued_by(line, complete)
            if verdict is None:
                break
            if not verdict:
                blocks.append(text[start:pos])
                block, start = _Block(), pos
            after_blank = False
        block.add(line)
        pos = end
    return blocks, text[start:]


class BlockSplitter:
    """Incremental :func:`split`: only the unfinished tail is scanned again on each call."""

    def __init__(self) -> None:
        self.done = 0  # length of the text already handed out as finished blocks

    def feed(self, text: str) -> tuple[list[str], str]:
        """The blocks finished since the last call, and the current tail."""
        blocks, tail = split(text[self.done:])
        self.done += sum(len(block) for block in blocks)
        return blocks, tail
