"""scripts/run_notebook.py, the terminal runner behind scripts/demo.sh: every notebook runs to the end,
cells tagged raises-exception may fail, and cells are numbered as Jupyter numbers them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.test_notebooks import KERNEL_ENV, NOTEBOOKS, NOTEBOOKS_DIR, _ids

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "scripts" / "run_notebook.py"
_IN = re.compile(r"^In \[(\d+)\]: ", re.MULTILINE)
_OUT = re.compile(r"^Out\[(\d+)\]: ", re.MULTILINE)


def _run(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {**os.environ, **KERNEL_ENV, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, str(RUNNER), str(path)], env=child_env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_notebook_runs_to_the_end_in_the_terminal(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, copy)
    done = _run(copy / path.name)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    numbers = [int(n) for n in _IN.findall(done.stdout)]
    code_cells = [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code" and c.source.strip()]
    assert numbers == list(range(1, len(code_cells) + 1))
    failing = [c for c in code_cells if "raises-exception" in c.metadata.get("tags", [])]
    assert done.stdout.count("raises-exception") == len(failing)


def _notebook(tmp_path: Path, *cells: tuple[str, list[str]]) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")] + [
        nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}) for source, tags in cells])
    path = tmp_path / "check.ipynb"
    nbformat.write(notebook, str(path))
    return path


def test_numbers_follow_the_kernel_and_a_tagged_failure_goes_on(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ("1 + 1", []), ("", []), ("raise ValueError('on purpose')", ["raises-exception"]),
                     ("   \n", []), ("2 + 2", []))
    done = _run(path)
    assert done.returncode == 0, done.stderr
    assert _IN.findall(done.stdout) == ["1", "2", "3"]
    assert _OUT.findall(done.stdout) == ["1", "3"]  # Out[n] is the same n as In [n]
    assert "ValueError" in done.stdout + done.stderr and "In [2] failed, as its raises-exception tag" in done.stdout


def test_an_untagged_failure_stops_the_run(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ("1 + 1", []), ("raise ValueError('unexpected')", []), ("print('never')", []))
    done = _run(path)
    assert done.returncode == 1
    assert "Stopped: In [2] of check.ipynb failed." in done.stderr and "never" not in done.stdout


def test_the_runner_speaks_chinese_when_asked(tmp_path: Path) -> None:
    path = _notebook(tmp_path, ("raise ValueError('unexpected')", []))
    done = _run(path, LLM_MAGIC_LANGUAGE="zh")
    assert "已停止：check.ipynb 的 In [1] 出错了。" in done.stderr


def test_under_c_utf8_the_errors_notebook_speaks_both_languages(tmp_path: Path) -> None:
    """Docker, Colab and most JupyterHubs set no useful locale: a Chinese class must not get English only."""
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, copy)
    env = {k: v for k, v in os.environ.items() if k not in ("LLM_MAGIC_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    done = subprocess.run([sys.executable, str(RUNNER), str(copy / "05_errors.ipynb")], capture_output=True,
                          env={**env, **{k: v for k, v in KERNEL_ENV.items() if k != "LLM_MAGIC_LANGUAGE"},
                               "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)},
                          text=True, encoding="utf-8", timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "这是演示模式模拟的“Key 被拒绝”。" in done.stdout and "The demo acted out a rejected key." in done.stdout
    assert done.stdout.index("这是演示模式模拟的“Key 被拒绝”") < done.stdout.index("The demo acted out a rejected key")
    assert "（In [" in done.stdout and "raises-exception tag says it will" in done.stdout
