"""The teaching notebooks: each runs top to bottom offline, fails only where it says it will,
and is committed clean (no outputs, no widget state, nothing shaped like a key)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.conftest import PROVIDER_VARIABLES

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = [
    "00_by_hand.ipynb", "01_quick_start.ipynb", "02_keys.ipynb", "03_asking_well.ipynb",
    "04_reasoning.ipynb", "05_errors.ipynb", "06_side_by_side.ipynb", "07_images_json_embeddings.ipynb",
]
FAILS = "raises-exception"

#: every provider's base URL points at a closed loopback port: a cell that tried a real
#: provider would fail here instead of reaching the internet (notebooks that start their
#: own stand-in server set the variable themselves)
NOWHERE = "http://127.0.0.1:9"
KERNEL_ENV = {
    "LLM_MAGIC_DEMO_DELAY": "0",
    "LLM_MAGIC_LANGUAGE": "en",
    **{url_var: NOWHERE for _, url_var in PROVIDER_VARIABLES.values()},
}
#: shapes of real keys: OpenAI-style sk-…, Hugging Face hf_…, Anthropic-style sk-ant-…
KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{12,}|hf_[A-Za-z0-9]{12,})")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def test_every_teaching_notebook_is_there() -> None:
    assert [path.name for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_is_clean(path: Path) -> None:
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata, "widget state was saved into the notebook"
    for index, cell in enumerate(notebook.cells):
        where = f"{path.name} cell {index}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{where} has outputs"
            assert cell.execution_count is None, f"{where} has an execution count"
        assert not set(cell.metadata) - {"tags"}, f"{where} metadata: {dict(cell.metadata)}"
    text = path.read_text(encoding="utf-8")
    assert not KEY_SHAPES.search(text), f"{path.name} holds something shaped like a key"
    assert "application/vnd.jupyter.widget" not in text


#: a cell that hands a key to the process: what students would copy
SETS_A_KEY = re.compile(r"os\.environ\[[^\]]+\]\s*=(?!=)|os\.environ\.(?:update|setdefault)\(|^\s*%env\s", re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_cell_sets_an_environment_variable(path: Path) -> None:
    """Stand-ins come from llm_magic.classroom(); no cell shows the os.environ[...] = key pattern."""
    for index, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
        if cell.cell_type == "code":
            assert not SETS_A_KEY.search(cell.source), f"{path.name} cell {index}:\n{cell.source}"


def test_the_environment_check_would_catch_one() -> None:
    assert SETS_A_KEY.search('os.environ["DEEPSEEK_API_KEY"] = stand_in.key')
    assert SETS_A_KEY.search("%env DEEPSEEK_API_KEY=x")
    assert not SETS_A_KEY.search('key = os.environ["DEEPSEEK_API_KEY"]\nif os.environ["X"] == "y": pass')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_the_top_says_how_to_choose_the_language(path: Path) -> None:
    top = "\n".join(cell.source for cell in nbformat.read(str(path), as_version=4).cells[:3])
    assert '%config LLMMagics.language = "zh"' in top and "LLM_MAGIC_LANGUAGE" in top, path.name


def test_the_key_check_would_catch_a_key() -> None:
    """The regular expression above is the whole secret check: prove it bites."""
    assert KEY_SHAPES.search('os.environ["DEEPSEEK_API_KEY"] = "sk-0123456789abcdef0123"')
    assert KEY_SHAPES.search("HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUv")
    assert not KEY_SHAPES.search('export DEEPSEEK_API_KEY="sk-你的Key"  # sk-…a1b2')


def _error_outputs(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for output in cell.outputs if output.output_type == "error"]


@pytest.mark.kernel
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_offline(path: Path, tmp_path: Path) -> None:
    """Run with nbclient in a copy of the folder; only cells tagged raises-exception may fail,
    and they must fail with an LLMError's short message, not a traceback."""
    from tests.harness.kernel import execute_notebook

    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, copy)
    executed = execute_notebook(copy / path.name, env=KERNEL_ENV, timeout=60)

    import llm_magic.errors

    llm_errors = set(llm_magic.errors.__all__)
    for index, cell in enumerate(executed.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {index}:\n{cell.source}"
        errors = _error_outputs(cell)
        if FAILS not in cell.metadata.get("tags", []):
            assert not errors, where  # nbclient raises first; this guards allow_errors changes
            continue
        assert len(errors) == 1, f"{where}\nwas expected to fail but did not"
        error = errors[0]
        assert error.ename in llm_errors, f"{where}\nfailed with {error.ename}: {error.evalue}"
        lines = [_ANSI.sub("", line) for line in error.traceback]
        assert lines[0].startswith(error.ename), f"{where}\n{lines}"
        shown = "\n".join(lines)
        assert "Traceback" not in shown and 'File "' not in shown, f"{where}\n{shown}"
        assert 2 <= len(lines) <= 5, f"{where}\n{shown}"
    text = json.dumps(executed, ensure_ascii=False)
    assert not KEY_SHAPES.search(text), f"{path.name}: an output shows something shaped like a key"
