"""Put the values of notebook variables into a prompt, leaving every other brace alone.

``{name}`` and ``{name.attr}`` become ``str(value)`` when ``name`` is defined; anything else
(JSON, set literals, f-strings, ``{0}``, ``{name!r}``, ``{undefined}``) is sent as written.
``str.format`` is not used on purpose: it raises on the first ``{'a': 1}`` a student pastes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(
    r"(?P<latex>\\[A-Za-z]+(?:\s*\{[^{}]*\})*|[\^_]\{[^{}]*\})"  # \frac{a}{b}, x^{n}: LaTeX, literal
    r"|\{\{(?P<escaped>[^{}]*)\}\}"  # {{text}} → {text}
    rf"|\{{(?P<path>{_NAME}(?:\.{_NAME})*)\}}"  # {name} or {name.attr}
)
_MISSING = object()


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


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """``text`` with ``{name}`` / ``{name.attr}`` replaced from ``namespace``; never raises."""

    def replace(match: re.Match[str]) -> str:
        if match.group("latex") is not None:
            return match.group(0)
        if match.group("escaped") is not None:
            return "{" + match.group("escaped") + "}"
        value = _lookup(match.group("path"), namespace)
        shown = None if value is _MISSING else _as_text(value)
        return match.group(0) if shown is None else shown

    return _TOKEN.sub(replace, text)
