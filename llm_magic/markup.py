"""Answer text made safe to show: its Markdown renders, its HTML never runs.

An answer is untrusted input (prompt injection, a hostile relay, a model quoting a web page),
and a live notebook output is trusted by JupyterLab: ``<img onerror>`` in it would run, and a
script in the page can reach the kernel and its keys. Everything an answer (or a server's error
text, or a model name) puts on screen goes through this module first.

The output is safe *by construction*, not by agreeing with the front end's Markdown parser
(``marked`` in JupyterLab, ``markdown-it`` elsewhere) on every corner case:

* fenced code is re-emitted with a fence we choose, longer than any backtick run inside it and
  kept at the opening fence's indentation only when every line of the block keeps it (else at
  column 0): however a renderer reads the indentation, the content stays code;
* inline code becomes ``<code>`` with every ASCII punctuation character written as a character
  reference, so no renderer can pair its backticks differently;
* everywhere else ``<`` becomes ``&lt;`` (raw HTML shows as text), ``&`` stays only for a few
  named references, a link or reference definition whose destination is not ``http``,
  ``https`` or ``mailto`` loses its link syntax, an image becomes a plain link (an image loads
  by itself, and its URL can carry what the model read away), and MathJax's ``\\href``,
  ``\\style`` and friends are defused; inside ``$…$`` maths ``<`` is written ``\\lt``.

It lives in the shared layer because two layers need it: ``Answer._repr_markdown_`` (shared)
and everything in ``render/``. The API: :func:`sanitize_markdown` for Markdown,
:func:`escape_text` for plain text shown inside Markdown or HTML, :func:`sandboxed_html` for
``-f html``.
"""

from __future__ import annotations

import html
import re
import string

__all__ = ["ALLOWED_SCHEMES", "escape_text", "sandboxed_html", "sanitize_markdown"]

#: the only link destinations an answer may produce
ALLOWED_SCHEMES = ("http://", "https://", "mailto:")

_PUNCT = frozenset(string.punctuation)
# what plain text must not say in markup: tags, entities, Markdown's links, images, code and
# escapes, maths delimiters (emphasis or a heading would only look odd, so they stay)
_INERT = {"<": "&lt;", ">": "&gt;", "&": "&amp;",
          **{c: f"&#{ord(c)};" for c in "\\`[]$!"}}
_OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LANGUAGE = re.compile(r"[\w+#.-]*")
# MathJax commands that make links, styles or load code; typeset from the page's text, so they
# are defused in every text we show (a zero-width space after the backslash)
_MATHJAX = re.compile(r"\\(?=(?:href|url|class|cssId|style|data|require|html[A-Za-z]*)(?![A-Za-z]))")
_NAMED_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|nbsp);")
_MATH_OPEN = ("$$", "\\\\[", "\\\\(", "$")
#: the characters that can start something in prose; everything between them is copied as it is
_SPECIAL = re.compile(r"[\\`$<&\]!]")
_MATH_CLOSE = {"$$": "$$", "\\\\[": "\\\\]", "\\\\(": "\\\\)", "$": "$"}


def defuse_mathjax(text: str) -> str:
    """``\\href`` and friends no longer name a MathJax command (and look the same)."""
    return _MATHJAX.sub("\\\\\u200b", text)


def escape_text(text: str) -> str:
    """Plain text as inert markup, the same inside Markdown and inside HTML: nothing in it is
    parsed (no tag, no entity of its own, no Markdown syntax, no line break that ends a block)."""
    text = defuse_mathjax(str(text).replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for char in text:
        if char == "\n":
            out.append("<br>")
        elif char in _INERT:
            out.append(_INERT[char])
        elif ord(char) < 32 and char != "\t":
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


def sandboxed_html(text: str) -> str:
    """The answer's HTML in a frame that runs no script, submits no form and loads nothing remote."""
    policy = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'; img-src data:\">")
    # one line, no "$" (JupyterLab takes maths out of Markdown before parsing it), no backslash
    source = "".join(f"&#{ord(c)};" if c in "\n\r\t$\\`" else c for c in html.escape(policy + str(text), quote=True))
    lines = max(4, min(30, str(text).count("\n") + 2))
    return (f'<iframe sandbox="" srcdoc="{source}" title="answer (sandboxed)" '
            f'style="width: 100%; height: {lines * 1.6:.1f}em; border: 1px solid #8884; resize: vertical">'
            "</iframe>")


def _indent_width(indent: str) -> int:
    """Columns of leading whitespace, counting a tab as one: a lower bound, as safety needs."""
    return len(indent)


def _closes(line: str, fence: str, indent: int) -> bool:
    stripped = line.lstrip(" \t")
    if len(line) - len(stripped) > indent + 3:
        return False
    run = len(stripped) - len(stripped.lstrip(fence[0]))
    return run >= len(fence) and not stripped[run:].strip(" \t")


def _code_block(opener: re.Match[str], content: list[str]) -> list[str]:
    """A fenced block as we emit it: our fence, the content unchanged, never a way out."""
    indent = opener.group("indent")
    width = _indent_width(indent)
    keep = "\t" not in indent and all(
        not line.strip() or _indent_width(line[:len(line) - len(line.lstrip(" \t"))]) >= width
        for line in content)
    language = _LANGUAGE.match(opener.group("info").strip())
    info = language.group(0) if language else ""
    longest = max((len(run) for line in content for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    if keep:
        prefix = " " * width
        return [prefix + fence + info, *content, prefix + fence]
    body = [line[min(width, len(line) - len(line.lstrip(" "))):] for line in content]
    return [fence + info, *body, fence]


def sanitize_markdown(text: str) -> str:
    """Markdown that renders as the model meant, with no raw HTML, script or unsafe link left."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd").split("\n")
    out: list[str] = []
    prose: list[str] = []
    index = 0
    while index < len(lines):
        opener = _OPEN_FENCE.match(lines[index])
        if opener is None or (opener.group("fence")[0] == "`" and "`" in opener.group("info")):
            prose.append(lines[index])
            index += 1
            continue
        fence, width = opener.group("fence"), _indent_width(opener.group("indent"))
        end = next((k for k in range(index + 1, len(lines)) if _closes(lines[k], fence, width)), len(lines))
        if prose:
            out.append(_sanitize_prose("\n".join(prose)))
            prose = []
        if width >= 4 and out and out[-1].strip():
            out.append("")  # an indented fence must not continue a paragraph as text
        out.extend(_code_block(opener, lines[index + 1:end]))
        index = end + 1
    if prose:
        out.append(_sanitize_prose("\n".join(prose)))
    return "\n".join(out)


def _code_span(content: str) -> str:
    content = content.replace("\n", " ")
    if len(content) > 2 and content[0] == content[-1] == " " and content.strip(" "):
        content = content[1:-1]
    return "<code>" + escape_text(content) + "</code>"


def _span_end(text: str, start: int, ticks: int) -> int:
    """Where the closing run of exactly ``ticks`` backticks starts, within the paragraph; -1 if none."""
    limit = text.find("\n\n", start)
    limit = len(text) if limit < 0 else limit
    for match in re.finditer(r"`+", text[start:limit]):
        if len(match.group(0)) == ticks:
            return start + match.start()
    return -1


def _math_end(text: str, start: int, opener: str) -> int:
    """Where maths opened by ``opener`` (ending at ``start``) closes, within the paragraph; -1 if not."""
    closer = _MATH_CLOSE[opener]
    limit = text.find("\n\n", start)
    limit = len(text) if limit < 0 else limit
    found = text.find(closer, start, limit)
    if found < 0:
        return -1
    if opener == "$" and (found == start or text[start] in " \t\n" or text[found - 1] in " \t\n"
                          or text[found + 1:found + 2].isdigit()):
        return -1  # "$5 and $10" is money, not maths (pandoc's rule)
    return found


def _allowed_destination(rest: str) -> bool:
    """Whether a link destination (the text after ``](`` or ``]:``) starts with an allowed scheme."""
    target = rest.lstrip(" \t\n")
    target = re.split(r"[ \t\n]", target, maxsplit=1)[0]
    target = "".join(c for c in target if c != "\\" and ord(c) > 32).lower()
    return target.startswith(ALLOWED_SCHEMES)


def _link_end(text: str, index: int) -> str:
    """``]``, or ``] `` when it would end a link or definition to a place we do not allow."""
    following = text[index + 1:index + 2]
    if following in ("(", ":") and not _allowed_destination(text[index + 2:index + 2050]):
        return "] "  # no Markdown reads "[a] (x)" or "[a] :" as a link; LaTeX ignores the space
    return "]"


def _math(text: str) -> str:
    """Maths keeps its text for MathJax; ``<`` becomes ``\\lt``, links and images are broken up."""
    out = []
    for index, char in enumerate(text):
        if char == "<":
            out.append("\\lt " if text[index + 1:index + 2].isalnum() else "\\lt")
        elif char == "]":
            out.append(_link_end(text, index))
        elif char == "!" and text[index + 1:index + 2] == "[":
            out.append("! ")
        else:
            out.append(char)
    return "".join(out)


def _sanitize_prose(text: str) -> str:  # complex: one scanner over the inline syntax that matters
    """Markdown outside fenced code: see the module docstring. Plain runs are copied whole; the
    scanner stops only at the characters that can start something (a regex finds the next one)."""
    text = defuse_mathjax(text)
    out: list[str] = []
    index, size = 0, len(text)
    while index < size:
        found = _SPECIAL.search(text, index)
        if found is None:
            out.append(text[index:])
            break
        out.append(text[index:found.start()])
        index = found.start()
        char = text[index]
        opener = next((m for m in _MATH_OPEN if text.startswith(m, index)), None) if char in "$\\" else None
        if opener is not None:
            end = _math_end(text, index + len(opener), opener)
            if end >= 0:
                closer = _MATH_CLOSE[opener]
                out.append(opener + _math(text[index + len(opener):end]) + closer)
                index = end + len(closer)
                continue
        if char == "\\" and index + 1 < size and text[index + 1] in _PUNCT:
            escaped = text[index + 1]
            out.append("&lt;" if escaped == "<" else "\\" + escaped)
            index += 2
            continue
        if char == "`":
            ticks = _run_length(text, index)
            end = _span_end(text, index + ticks, ticks)
            if end >= 0:
                out.append(_code_span(text[index + ticks:end]))
                index = end + ticks
            else:
                out.append("\\`" * ticks)
                index += ticks
            continue
        out.append(_prose_char(text, index))
        index += 1
    return "".join(out)


def _run_length(text: str, index: int) -> int:
    """How many backticks in a row start at ``index``."""
    end = index
    while end < len(text) and text[end] == "`":
        end += 1
    return end - index


def _prose_char(text: str, index: int) -> str:
    char = text[index]
    if char == "<":
        return "&lt;"
    if char == "&":
        return "&" if _NAMED_ENTITY.match(text, index) else "&amp;"
    if char == "]":
        return _link_end(text, index)
    if char == "!" and text[index + 1:index + 2] == "[":
        return "\\!"  # an image becomes a link: nothing loads by itself
    return char
