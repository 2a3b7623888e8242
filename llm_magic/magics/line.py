"""Read a magic line: shell-style words through argparse, and ``%llm``'s options split from its prompt."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.utils.process import arg_split

_TOKEN = re.compile(r"""(?:"[^"]*"|'[^']*'|\S)+""")


def parse_line(parser: argparse.ArgumentParser, line: str) -> argparse.Namespace:
    """argparse over shell-style words (quotes removed, unlike ``parse_argstring``), complaints translated."""
    from .usage import translated_usage

    with translated_usage():
        try:
            words = arg_split(line, posix=True)
        except ValueError as error:  # an unclosed quote
            raise UsageError(f"{error} in: %llm {line}") from None
        return parser.parse_args(words)


def parse_magic_line(magic: Callable[..., Any], line: str, name: str) -> Any:
    """IPython's ``parse_argstring`` for the other magics, its complaints translated (``name``: ``%llm_key``)."""
    from IPython.core.magic_arguments import parse_argstring

    from .usage import translated_usage

    with translated_usage(name):
        return parse_argstring(magic, line)


def split_line(parser: argparse.ArgumentParser, line: str) -> tuple[str, str]:
    """``%llm PROVIDER [options] prompt…``: options and provider go to argparse, the rest verbatim."""
    actions = parser._option_string_actions  # argparse's own table: options and arity
    head_end, seen_provider = 0, False
    tokens = _TOKEN.finditer(line)
    for match in tokens:
        token = match.group(0)
        action, glued = _option(token, actions)
        if action is None and (seen_provider or token.startswith("-")):
            return line[:head_end], line[match.start():].strip()
        head_end, seen_provider = match.end(), seen_provider or action is None
        if action is not None and action.nargs not in (0, "?") and "=" not in token and not glued:
            value = next(tokens, None)  # the option's value
            head_end = value.end() if value else len(line)
    return line, ""


def _option(token: str, actions: dict[str, argparse.Action]) -> tuple[argparse.Action | None, bool]:
    """The option ``token`` names (or None for a word), and whether its value is glued on (``-t0.2``)."""
    if not token.startswith("-"):
        return None, False
    name = token.split("=", 1)[0]
    glued = not name.startswith("--") and len(name) > 2 and name[:2] in actions
    return actions.get(name[:2] if glued else name), glued
