"""A short warning above the answer (a long prompt, a conversation near its limit), in both forms."""

from __future__ import annotations

from ..i18n import Text
from ..markup import escape_text


def show_warning(text: Text | None) -> None:
    """Display ``⚠ text`` (escaped); nothing when ``text`` is None."""
    if not text:
        return
    from IPython.display import display

    display({"text/plain": f"⚠ {text}",
             "text/markdown": f"<div style=\"font-size: 90%\">⚠️ {escape_text(str(text))}</div>"}, raw=True)
