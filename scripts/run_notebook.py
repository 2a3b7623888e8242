"""Run a notebook's code cells in a real IPython shell in this terminal, without Jupyter.

Output is printed as the code produces it, so a streamed %%llm answer appears token by
token. Markdown headings are shown as section titles. Stops at the first
failing cell, as "Run All" does, and exits non-zero.
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


def run(path: Path) -> int:
    """Run every code cell of `path` in one InteractiveShell; return a process exit code."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    # Like Jupyter, run the notebook from its own folder, so relative paths and .env work.
    os.chdir(path.parent)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="Linux" if sys.stdout.isatty() else "NoColor")
    _print_markdown_as_text(shell)
    number = 0
    for cell in cells:
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            title = _title(source)
            if title:
                print(f"\n=== {title} ===\n", flush=True)
        elif cell.get("cell_type") == "code" and source.strip():
            number += 1
            _show_input(number, source)
            result = shell.run_cell(source, store_history=True)
            print(flush=True)
            if not result.success:
                print(f"Stopped: cell {number} of {path.name} failed.", file=sys.stderr)
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
