"""Turn answer text into the body of its display: Markdown, code, JSON, plain text or HTML.

Each function returns ``(mimetype, body)``; the document module adds reasoning and footer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ..i18n import Text
from ..markup import escape_text, sandboxed_html, sanitize_markdown

_FENCED = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<code>.*?)(?:^(?P=fence)[ \t]*$|\Z)",
                     re.DOTALL | re.MULTILINE)


def fence(code: str, language: str = "") -> str:
    """A fenced block that survives backticks inside ``code``: the fence is longer than any run."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


def extract_code(text: str) -> tuple[str, str]:
    """(code, language): the fenced blocks of an answer joined, or the whole answer if none."""
    blocks = list(_FENCED.finditer(text))
    if not blocks:
        return text.strip("\n"), "python"
    language = next((b.group("lang") for b in blocks if b.group("lang")), "")
    return "\n\n".join(b.group("code").rstrip("\n") for b in blocks), language


def pretty_json(text: str) -> tuple[str | None, str | None]:
    """(pretty text, None) for valid JSON (fences allowed around it), else (None, the parser's complaint)."""
    candidate = text.strip()
    blocks = list(_FENCED.finditer(candidate))
    if blocks:
        candidate = blocks[0].group("code").strip()
    try:
        value = json.loads(candidate)
    except ValueError as error:
        return None, str(error)
    return json.dumps(value, indent=2, ensure_ascii=False), None


#: the font a code block's wrapper gives it: nbconvert's HTML sets ``pre`` in an output to inherit its
#: parent's font (the prose font), so a fenced block needs a parent in the code font to stay monospace
CODE_FONT = "font-family:var(--jp-code-font-family,monospace)"
CODE_OPEN, CODE_CLOSE = [f'<div style="{CODE_FONT}">', ""], ["", "</div>"]
_OUR_FENCE = re.compile(r"`{3,}")


def monospace_code(markdown: str) -> str:
    """Each top-level fenced block of sanitized Markdown (``markup`` emits them at column 0 with a
    fence longer than any backtick run inside) inside a ``<div>`` in the code font, blank lines
    around so the block stays Markdown. Front ends that already style ``pre`` look the same."""
    lines = markdown.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opener = _OUR_FENCE.match(line)
        end = next((k for k in range(index + 1, len(lines)) if lines[k] == opener.group(0)), None) if opener else None
        if opener is None or end is None:
            out.append(line)
            index += 1
            continue
        out += [*CODE_OPEN, *lines[index:end + 1], *CODE_CLOSE]
        index = end + 1
    return "\n".join(out)


def escape_block(text: str) -> str:
    """Plain text as HTML that keeps line breaks and survives inside Markdown (no blank lines)."""
    return escape_text(text)


def _html(text: str, final: bool) -> tuple[str, str]:
    """The answer's HTML runs in a sandboxed frame: no script, no form, nothing loaded from outside."""
    if not text:
        return "text/html", ""
    note = Text("HTML of the answer, shown in a sandbox: scripts, forms and remote content are off.",
                "回答中的 HTML 显示在沙盒里：脚本、表单和远程内容都不会运行。")
    caption = f'<div style="font-size: 85%; opacity: 0.65">{escape_text(str(note))}</div>'
    return "text/html", sandboxed_html(text) + caption


def _text(text: str, final: bool) -> tuple[str, str]:
    return "text/html", f'<div style="white-space: pre-wrap">{escape_block(text)}</div>' if text else ""


def _code(text: str, final: bool) -> tuple[str, str]:
    code, language = extract_code(text)
    if not code:
        return "text/markdown", ""
    safe = sanitize_markdown(fence(code, language))
    return "text/markdown", monospace_code(safe) if final else safe


def _json(text: str, final: bool) -> tuple[str, str]:
    """JSON is only judged once the answer is complete."""
    if not final:
        return "text/markdown", fence(text, "json") if text else ""
    pretty, problem = pretty_json(text)
    if pretty is not None:
        return "text/markdown", monospace_code(fence(pretty, "json"))
    note = Text("⚠ The answer is not valid JSON ({problem}); shown as received.",
                "⚠ 回答不是有效的 JSON（{problem}），按原样显示。").format(problem=problem)
    return "text/markdown", f"{fence(text, 'text')}\n\n<i>{escape_text(str(note))}</i>"


def _markdown(text: str, final: bool) -> tuple[str, str]:
    """Live pieces are redrawn often and emptied at the end: only the final output gets the code font."""
    safe = sanitize_markdown(text)
    return "text/markdown", monospace_code(safe) if final else safe


#: format name → how the answer so far becomes ``(mimetype, body)``; the first is the default
FORMATS: dict[str, Callable[[str, bool], tuple[str, str]]] = {
    "markdown": _markdown, "text": _text, "code": _code, "json": _json, "html": _html,
}
#: the names, for the magics' option and setting
FORMAT_NAMES = tuple(FORMATS)


def body(text: str, fmt: str, *, final: bool) -> tuple[str, str]:
    """``(mimetype, body)`` for the answer so far in format ``fmt``."""
    return FORMATS[fmt](text, final)
