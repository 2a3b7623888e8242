"""Put the values of notebook variables into a prompt, leaving every other brace alone.

``{name}`` and ``{name.attr}`` become ``str(value)`` when ``name`` is defined; anything else
(JSON, set literals, ``{0}``, ``{name!r}``, ``{undefined}``) is sent as written, and so is
everything inside Markdown code: a student's ``print(f'{t}: {name}')`` in backticks or a fenced
block reaches the model unchanged even when ``t`` and ``name`` exist. The names that were
replaced are returned, so the footer can say so: a prompt is never changed silently.
``str.format`` is not used on purpose: it raises on the first ``{'a': 1}`` a student pastes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(
    r"(?P<latex>\\[A-Za-z]+(?:\s*\{[^{}]*\})*|[\^_]\{[^{}]*\})"  # \frac{a}{b}, x^{n}: LaTeX, literal
    r"|\{\{(?P<escaped>[^{}]*)\}\}"  # {{text}} → {text}
    rf"|\{{(?P<path>{_NAME}(?:\.{_NAME})*)\}}"  # {name} or {name.attr}
)
_MISSING = object()
#: Markdown code, left as written: a fenced block (``` or ~~~, to its closing fence or the end)
#: or a code span (a run of backticks to the next run of the same length)
_CODE = re.compile(
    r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*(?:\n.*?(?:\n[ ]{0,3}(?P=fence)[`~]*[ \t]*(?=\n|\Z))|.*\Z)"
    r"|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Substituted:
    """A prompt with notebook variables filled in, and the ``{names}`` that were replaced (in order)."""

    text: str
    names: tuple[str, ...] = ()


def _lookup(path: str, namespace: Mapping[str, Any]) -> Any:
    """The value at ``name.attr.attr`` or ``_MISSING``; a failing property counts as missing."""
    name, *attributes = path.split(".")
    try:
        value = namespace.get(name, _MISSING)
        for attribute in attributes:
            if value is _MISSING:
                break
            value = getattr(value, attribute, _MISSING)
    except Exception:  # user objects may raise anything from a property or __getattr__
        return _MISSING
    return value


def _as_text(value: Any) -> str | None:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not fail the cell
        return None


def substitute(text: str, namespace: Mapping[str, Any]) -> Substituted:
    """``text`` with ``{name}`` / ``{name.attr}`` replaced from ``namespace`` outside Markdown code; never raises."""
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group("latex") is not None:
            return match.group(0)
        if match.group("escaped") is not None:
            return "{" + match.group("escaped") + "}"
        value = _lookup(match.group("path"), namespace)
        shown = None if value is _MISSING else _as_text(value)
        if shown is None:
            return match.group(0)
        if match.group("path") not in names:
            names.append(match.group("path"))
        return shown

    pieces, end = [], 0
    for code in _CODE.finditer(text):
        pieces += [_TOKEN.sub(replace, text[end:code.start()]), code.group(0)]
        end = code.end()
    pieces.append(_TOKEN.sub(replace, text[end:]))
    return Substituted("".join(pieces), tuple(names))


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """``text`` with notebook variables filled in (see :func:`substitute`)."""
    return substitute(text, namespace).text


def fill_cell(prompt: str, system: str | None,
              namespace: Mapping[str, Any]) -> tuple[str, str | None, tuple[str, ...]]:
    """The prompt and system prompt filled in, and every name replaced in either (once, in order)."""
    filled = substitute(prompt, namespace)
    if not system:
        return filled.text, system, filled.names
    filled_system = substitute(system, namespace)
    names = filled.names + tuple(name for name in filled_system.names if name not in filled.names)
    return filled.text, filled_system.text, names
