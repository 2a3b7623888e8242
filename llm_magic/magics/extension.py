"""Register and unregister the magics: what ``%load_ext`` / ``%unload_ext llm_magic`` do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.magic import MagicsManager


def _magic_classes() -> list[type]:
    from .features import FeatureMagics
    from .keys import KeyMagics
    from .llm import LLMMagics

    return [LLMMagics, KeyMagics, FeatureMagics]


def load(ipython: InteractiveShell) -> None:
    for cls in _magic_classes():
        ipython.register_magics(cls)  # type: ignore[no-untyped-call]  # IPython assigns it in __init__, untyped
    from .llm import LLMMagics
    from .llm_help import rebuild_help

    rebuild_help(LLMMagics.llm)


def unload(ipython: InteractiveShell) -> None:
    """Remove our magics, their instances and pooled connections; IPython has no public call for this.

    ``Magics`` instances register themselves in ``ipython.configurables`` (for ``%config``);
    leaving them there would keep an unloaded class configurable and alive.
    """
    manager: MagicsManager = ipython.magics_manager  # type: ignore[assignment]  # a trait that allows None; set in __init__
    classes = _magic_classes()
    for cls in classes:
        for kind, names in getattr(cls, "magics", {}).items():
            for name in names:
                manager.magics.get(kind, {}).pop(name, None)
        manager.registry.pop(cls.__name__, None)
    configurables = getattr(ipython, "configurables", None)
    if configurables is not None:
        configurables[:] = [c for c in configurables if not isinstance(c, tuple(classes))]
    from ..wire import transport

    transport.close_sessions()
