"""Find live markup in display data: what a front end would run, load or follow from an answer.

Two independent checks, so a pass does not rest on one Markdown parser agreeing with another:

* :func:`foreign_tags` reads the source itself: every tag in it must be one that llm_magic
  writes (``<code>``, ``<b>``, ``<div style>``…, an ``<iframe sandbox="">``), with no ``on…``
  attribute, whatever a renderer makes of the text around it;
* :func:`live_in_html` renders Markdown with mistune (raw HTML allowed, as in JupyterLab) and
  lists every script, frame, event handler, image or link that is not http/https/mailto.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

#: the tags llm_magic itself writes around an answer
OUR_TAGS = {"code", "b", "i", "br", "div", "span", "details", "summary", "iframe", "p", "table", "thead",
            "tbody", "tr", "th", "td"}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?")
_HANDLER = re.compile(r"(?:^|[\s\"'/])on[a-z]+\s*=", re.IGNORECASE)
_FENCED = re.compile(r"^( *)(`{3,})[\w+#.-]*\n(?:.*?\n)??\1\2$", re.MULTILINE | re.DOTALL)
_SAFE_LINK = ("http://", "https://", "mailto:")


def foreign_tags(source: str) -> list[str]:
    """Tags in ``source`` that llm_magic does not write, and any tag of ours with a handler.

    The inside of a fenced code block is code, not tags: fences as llm_magic writes them (the
    closing fence repeats the opening one exactly) are left out before looking.
    """
    found = []
    for match in _TAG.finditer(_FENCED.sub("", source)):
        name, attributes = match.group(2).lower(), match.group(3)
        handler = _HANDLER.search(re.sub(r"\"[^\"]*\"|'[^']*'", "", attributes))
        open_frame = name == "iframe" and not match.group(1) and 'sandbox=""' not in attributes
        if name not in OUR_TAGS or handler or open_frame:
            found.append(match.group(0)[:80])
    return found


class _Live(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "object", "embed", "img", "svg", "math", "form", "input", "link", "meta", "style",
                   "base", "audio", "video", "source"}:
            self.found.append(f"<{tag}>")
        if tag == "iframe" and values.get("sandbox") != "":
            self.found.append("<iframe> without sandbox")
        for name, value in attrs:
            cleaned = "".join(c for c in (value or "") if ord(c) > 32).lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            elif ((name in {"href", "xlink:href", "action", "formaction"} and not cleaned.startswith(_SAFE_LINK))
                  or name in {"src", "background", "poster", "data"}):
                self.found.append(f"{tag} {name}={value!r}")
            elif name == "style" and "url(" in cleaned:
                self.found.append(f"{tag} style with url()")


def render_markdown(source: str) -> str:
    """Markdown → HTML as a permissive front end does it (raw HTML passed through, GFM tables)."""
    import mistune

    markdown: Any = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "math"])
    return str(markdown(source))


def live_in_html(markup: str, *, markdown: bool) -> list[str]:
    """Active elements and attributes once ``markup`` is rendered (as Markdown if ``markdown``)."""
    parser = _Live()
    parser.feed(render_markdown(markup) if markdown else markup)
    parser.close()
    return parser.found


def live_in_bundle(data: dict[str, Any]) -> list[str]:
    """Both checks over one display's data (``text/markdown`` and ``text/html``)."""
    problems = []
    for mimetype in ("text/markdown", "text/html"):
        if isinstance(data.get(mimetype), str):
            source = data[mimetype]
            problems += [f"{mimetype}: tag {tag}" for tag in foreign_tags(source)]
            problems += [f"{mimetype}: {live}" for live in live_in_html(source, markdown=mimetype == "text/markdown")]
            if re.search(r"<[A-Za-z][^>]*(?:href|src)\s*=\s*[\"']?\s*javascript:", source, re.IGNORECASE):
                problems.append(f"{mimetype}: javascript: URL")
    return problems
