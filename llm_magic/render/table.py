"""A small table shown two ways: HTML in a notebook, aligned text in a terminal (CJK counts two columns).

``%llm_key``'s status table and the feature magics' tables (``%llm_models``, ``%llm_usage``)
are all one :class:`Table`; every cell is escaped.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from typing import Any

from ..markup import escape_text


def width(text: str) -> int:
    """Columns a terminal uses for ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


class Table:
    """A titled table with an optional note below: ``_repr_html_`` for notebooks, ``repr`` for terminals."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "", note: str = "",
                 bold_rows: Sequence[int] = (), code_columns: Sequence[int] = (), rule: bool = False,
                 css_class: str = "llm-magic-table") -> None:
        self.header, self.rows = list(header), [list(row) for row in rows]
        self.title, self.note, self.rule, self.css_class = title, note, rule, css_class
        self.bold_rows, self.code_columns = set(bold_rows), set(code_columns)

    def _cell(self, row: int, column: int, text: str) -> str:
        shown = escape_text(text)  # cells may hold what a server sent (a model name)
        if column in self.code_columns:
            shown = f"<code>{shown}</code>"
        if row in self.bold_rows:
            shown = f"<b>{shown}</b>"
        return f"<td style='text-align:left'>{shown}</td>"

    def html(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(self._cell(r, c, text) for c, text in enumerate(row)) + "</tr>"
                       for r, row in enumerate(self.rows))
        title = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        note = "<br>".join(html.escape(line) for line in self.note.splitlines())
        below = f"<p style='font-size:smaller'>{note}</p>" if note else ""
        return (f"<div class='{self.css_class}'>{title}<table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{below}</div>")

    def text(self) -> str:
        table = [self.header, *self.rows]
        widths = [max(width(row[i]) for row in table) for i in range(len(self.header))]
        lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=False)).rstrip() for row in table]
        if self.rule:
            lines.insert(1, "  ".join("-" * w for w in widths))
        if self.title:
            lines.insert(0, self.title)
        return "\n".join(lines + (["", *self.note.splitlines()] if self.note else []))

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()
