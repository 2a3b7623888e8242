"""No god functions: each function fits on a screen and has few paths, unless a reason is written next to it.

A function may pass ~40 lines (docstring not counted) or a cyclomatic complexity of 12 only
with a comment ``# long: why`` or ``# complex: why`` on its ``def`` line or just above it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .imports import PACKAGE

MAX_LINES = 40
MAX_COMPLEXITY = 12
#: what ruff's C901 counts as a decision point
_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.IfExp, ast.comprehension,
             ast.match_case)


def complexity(function: ast.AST) -> int:
    """McCabe's count: one, plus one per branch, loop, handler and boolean operand (nested functions apart)."""
    count = 1
    for node in _walk_own(function):
        if isinstance(node, _BRANCHES):
            count += 1 + (len(node.ifs) if isinstance(node, ast.comprehension) else 0)
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
    return count


def _walk_own(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``function`` without those of functions defined inside it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def length(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end, the docstring left out."""
    lines = (function.end_lineno or function.lineno) - function.lineno + 1
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= (first.end_lineno or first.lineno) - first.lineno + 1
    return lines


def reason(source: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef, kind: str) -> bool:
    start = min([function.lineno] + [d.lineno for d in function.decorator_list])
    nearby = source[max(0, start - 2): function.lineno]
    return any(f"# {kind}:" in line for line in nearby)


def oversized(path: Path) -> Iterator[str]:
    source = path.read_text(encoding="utf-8").splitlines()
    for node in ast.walk(ast.parse("\n".join(source))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
        if length(node) > MAX_LINES and not reason(source, node, "long"):
            yield f"{where}: {length(node)} lines"
        if complexity(node) > MAX_COMPLEXITY and not reason(source, node, "complex"):
            yield f"{where}: complexity {complexity(node)}"


def test_no_function_is_too_long_or_too_complex_without_a_reason():
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in oversized(path)]
    assert found == []


def test_the_measures_count_what_they_should():
    tree = ast.parse("def f(a, b):\n    '''doc'''\n    if a and b:\n        return [x for x in a if x]\n"
                     "    for c in b:\n        pass\n")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert complexity(function) == 1 + 1 + 1 + 2 + 1  # if, and, comprehension with one if, for
    assert length(function) == 5
