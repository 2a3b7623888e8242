"""Import paths from before the layered layout, kept for notebooks that use them.

``import llm_magic.prices`` (or ``usage``, ``client``, ``request``, …) gives the very module
that now lives in its layer, not a copy: state set through the old name (``usage.limits``,
``prices.set_price``) is the state the engine reads.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

#: old dotted name → where the module lives now
OLD_PATHS = {
    "llm_magic.prices": "llm_magic.engine.prices",
    "llm_magic.usage": "llm_magic.engine.usage",
    "llm_magic.client": "llm_magic.engine.client",
    "llm_magic.request": "llm_magic.engine.request",
    "llm_magic.cache": "llm_magic.engine.cache",
    "llm_magic.compare": "llm_magic.engine.compare",
    "llm_magic.catalog": "llm_magic.engine.catalog",
    "llm_magic.conversation": "llm_magic.magics.conversation",
    "llm_magic.transport": "llm_magic.wire.transport",
    "llm_magic.sse": "llm_magic.wire.sse",
}


class _OldPathLoader(importlib.abc.Loader):
    """Hands out the module at its new path; executing it again would split its state in two."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Already executed under its new name."""


class _OldPathFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = OLD_PATHS.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _OldPathLoader(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once per process."""
    if not any(isinstance(finder, _OldPathFinder) for finder in sys.meta_path):
        sys.meta_path.append(_OldPathFinder())
