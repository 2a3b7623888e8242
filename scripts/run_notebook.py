"""Run a notebook's code cells in a real IPython shell in this terminal, without Jupyter.

Output is printed as the code produces it, so a streamed %%llm answer appears token by
token. Markdown headings are shown as section titles. Cells are numbered as Jupyter numbers
them (``In [n]`` is the kernel's execution count; empty cells are skipped, as JupyterLab does).
A cell tagged ``raises-exception`` may fail and the run goes on, as "Run All" does; any other
failing cell stops the run with a non-zero exit.
Usage: python3 scripts/run_notebook.py NOTEBOOK.ipynb
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _title(markdown: str) -> str | None:
    """The cell's first heading; a cell of prose has no title (printing it would clutter)."""
    for line in markdown.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


def _show_input(number: int, code: str) -> None:
    prompt = f"In [{number}]: "
    continuation = " " * (len(prompt) - 5) + "...: "
    lines = code.rstrip().splitlines() or [""]
    print(prompt + lines[0])
    for line in lines[1:]:
        print(continuation + line)
    sys.stdout.flush()


def _print_markdown_as_text(shell: Any) -> None:
    """A terminal shows only text/plain: print Markdown's source, not its object repr."""
    from IPython.display import Markdown

    plain = shell.display_formatter.formatters["text/plain"]
    plain.for_type(Markdown, lambda markdown, printer, cycle: printer.text(markdown.data))


def _expected_to_fail(cell: dict[str, Any]) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def _run_code(shell: Any, cell: dict[str, Any], name: str) -> bool:
    """Run one code cell; False when it failed without being tagged to."""
    number = shell.execution_count  # what Jupyter shows as In [n]: the kernel's own count
    _show_input(number, _source(cell))
    result = shell.run_cell(_source(cell), store_history=True)
    print(flush=True)
    if result.success:
        return True
    from llm_magic.i18n import Text, say

    if _expected_to_fail(cell):
        print(say(Text(f"(In [{number}] failed, as its raises-exception tag says it will; going on.)",
                       f"（In [{number}] 按 raises-exception 标签的预期出错了；继续运行。）")) + "\n", flush=True)
        return True
    print(say(Text(f"Stopped: In [{number}] of {name} failed.", f"已停止：{name} 的 In [{number}] 出错了。")),
          file=sys.stderr)
    return False


def run(path: Path) -> int:
    """Run every code cell of `path` in one InteractiveShell; return a process exit code."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    # Like Jupyter, run the notebook from its own folder, so relative paths and .env work.
    os.chdir(path.parent)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="Linux" if sys.stdout.isatty() else "NoColor")
    _print_markdown_as_text(shell)
    for cell in cells:
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            title = _title(source)
            if title:
                print(f"\n=== {title} ===\n", flush=True)
        elif cell.get("cell_type") == "code" and source.strip() and not _run_code(shell, cell, path.name):
            return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = Path(argv[0]).resolve()
    if not path.is_file():
        print(f"No notebook at {argv[0]}: check the path"
              + (" (the quick-start notebook has not been written yet)"
                 if path.name == "01_quick_start.ipynb" else "") + ".", file=sys.stderr)
        return 2
    return run(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
