"""Show a block of our own text (a request as code, a raw reply) above or below an answer.

The text may quote what a server sent, so it is never HTML: a Markdown fence longer than any
run of backticks inside it, and plain text for terminals and saved notebooks.
"""

from __future__ import annotations

import html

from .formats import fence


def code_bundle(text: str, language: str = "", title: str = "") -> dict[str, str]:
    """The display data: an escaped title line and a fenced block (Markdown), the same as text."""
    heading = f"<div style=\"font-size: 90%\">{html.escape(title)}</div>\n\n" if title else ""
    return {"text/markdown": heading + fence(text, language),
            "text/plain": f"{title}\n{text}" if title else text}


def show_code(text: str, language: str = "", title: str = "") -> None:
    """Display ``text`` as a code block, with ``title`` above it."""
    from IPython.display import display

    display(code_bundle(text, language, title), raw=True)
