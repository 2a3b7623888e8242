"""The house's layers hold: no import cycle and no import of a layer above one's own.

magics → engine → keys → providers → loopback → wire → shared types; ``render`` sits beside
the engine (neither imports the other); the package face (``llm_magic/__init__.py``, and ``stand_ins.py``:
``llm_magic.classroom()``) sits on top.
"""

from __future__ import annotations

from .imports import PACKAGE, cycles, graph, imports_of, modules

#: module-name prefix → (rank, layer); a module may import only its own layer or lower ranks
LAYERS: dict[str, tuple[int, str]] = {
    "llm_magic.magics": (60, "magics"),
    "llm_magic.engine": (50, "engine"),
    "llm_magic.render": (50, "render"),
    "llm_magic.keys": (40, "keys"),
    "llm_magic.providers": (30, "providers"),
    "llm_magic.loopback": (20, "loopback"),
    "llm_magic.wire": (10, "wire"),
}
SHARED = {"llm_magic.errors", "llm_magic.events", "llm_magic.answer", "llm_magic.config", "llm_magic.i18n",
          "llm_magic.secrets", "llm_magic.markup", "llm_magic._version", "llm_magic.media"}
FACE = {"llm_magic", "llm_magic._aliases", "llm_magic.stand_ins"}


def layer_of(module: str) -> tuple[int, str]:
    if module in FACE:
        return 100, "face"
    if module in SHARED:
        return 0, "shared"
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add it to tests/architecture/test_layers.py")


def test_every_module_has_a_layer():
    for module in modules():
        layer_of(module)


def test_no_import_cycle_counting_imports_inside_functions():
    assert cycles(graph()) == []


def upward_imports() -> list[str]:
    """``file:line (layer) imports module (layer)`` for each import that goes up or sideways."""
    known = modules()
    found = []
    for name, path in known.items():
        rank, layer = layer_of(name)
        for target, line in imports_of(name, path, known):
            if target not in known:
                continue
            target_rank, target_layer = layer_of(target)
            if target_rank > rank or (target_rank == rank and target_layer != layer):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({layer}) imports {target} ({target_layer})")
    return found


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports() == []


def test_the_checks_can_fail(monkeypatch):
    """A cycle and an upward import are found when there is one."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    monkeypatch.setitem(LAYERS, "llm_magic.wire", (70, "wire"))  # pretend wire sat above the magics
    assert any("(engine) imports llm_magic.wire" in line for line in upward_imports())
