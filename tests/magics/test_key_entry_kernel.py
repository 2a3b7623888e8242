"""``%llm_key PROVIDER`` in a real kernel: by default it asks over the stdin channel (an
``input_request`` with ``password: true``, answered here as a front end would), opens no widget,
and no message the kernel sends holds the key; where stdin is not allowed (nbclient, as under
nbconvert and papermill) nothing is asked and the run stops with a message naming .env."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from queue import Empty

import pytest

pytest.importorskip("ipykernel")

from tests.harness.kernel import evaluate, execute, execute_notebook, running_kernel, write_notebook

pytestmark = pytest.mark.kernel

LOOKUP = "__import__('llm_magic.keys.lookup').keys.lookup.lookup_key(__import__('llm_magic').get_provider('deepseek'))"


@pytest.fixture
def typed_key() -> str:
    return "sk-" + secrets.token_hex(16)


def _answer_the_prompt(kernel, code: str, answer: str) -> tuple[dict, list[dict]]:
    """Run ``code`` allowing stdin; answer its one input_request with ``answer``; return the request
    and the cell's iopub messages up to idle."""
    msg_id = kernel.execute(code, allow_stdin=True)
    request = kernel.get_stdin_msg(timeout=30)
    assert request["msg_type"] == "input_request" and request["parent_header"]["msg_id"] == msg_id
    kernel.input(answer)
    messages = []
    while True:
        try:
            message = kernel.get_iopub_msg(timeout=30)
        except Empty:
            raise TimeoutError(f"no idle status after answering {code!r}") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return request, messages


def test_the_default_asks_over_stdin_and_the_key_goes_nowhere_else(tmp_path: Path, typed_key: str) -> None:
    with running_kernel(env={"LLM_MAGIC_LANGUAGE": "en"}, cwd=tmp_path, timeout=60) as kernel:
        assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
        request, messages = _answer_the_prompt(kernel, "%llm_key deepseek", typed_key)
        digest = evaluate(kernel, f"__import__('hashlib').sha256({LOOKUP}.value.reveal().encode()).hexdigest()")
        source = evaluate(kernel, f"{LOOKUP}.source")
        last_entry = evaluate(kernel, "get_ipython().magics_manager.registry['KeyMagics'].last_entry")
    assert request["content"] == {"prompt": "DeepSeek key (input hidden): ", "password": True}
    assert digest.strip("'") == hashlib.sha256(typed_key.encode()).hexdigest() and source == "'entered here'"
    assert last_entry == "None"
    assert not [m for m in messages if m["msg_type"].startswith("comm_")]  # no widget model at all
    printed = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    assert f"✓ DeepSeek: key saved for this kernel session (sk-…{typed_key[-4:]})." in printed
    everything = json.dumps([m["content"] for m in messages], ensure_ascii=False)
    assert typed_key not in everything and typed_key[3:15] not in everything


def test_enter_on_an_empty_prompt_saves_nothing(tmp_path: Path) -> None:
    with running_kernel(env={"LLM_MAGIC_LANGUAGE": "zh"}, cwd=tmp_path, timeout=60) as kernel:
        assert execute(kernel, "%load_ext llm_magic", timeout=60).ok
        request, messages = _answer_the_prompt(kernel, "%llm_key deepseek", "")
        found = evaluate(kernel, f"{LOOKUP}.found")
    assert request["content"]["prompt"] == "DeepSeek 的 Key（输入不显示）："
    assert found == "False"
    printed = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    assert "没有输入内容，没有保存 Key。" in printed
    assert not [m for m in messages if m["msg_type"] == "error"]  # "Run All" goes on


def test_without_stdin_nbclient_is_told_where_keys_go(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "run.ipynb", ["%load_ext llm_magic", "%llm_key deepseek", "print('went on')"])
    executed = execute_notebook(path, env={"LLM_MAGIC_LANGUAGE": "en"})  # a message, not an error: it goes on
    said = "".join(output.get("text", "") for output in executed.cells[1].outputs)
    assert "This front end cannot ask for a key" in said and "DEEPSEEK_API_KEY=… in a .env file" in said
    assert "%llm_key --env PATH" in said and "Colab" in said
    assert executed.cells[2].outputs[0]["text"] == "went on\n"
    assert "widgets" not in executed.metadata


def test_without_stdin_a_key_from_dotenv_is_named_and_the_file_holds_no_widget(tmp_path: Path, typed_key: str) -> None:
    (tmp_path / ".env").write_text(f"DEEPSEEK_API_KEY={typed_key}\n")
    path = write_notebook(tmp_path / "run.ipynb", ["%load_ext llm_magic", "%llm_key deepseek"])
    executed = execute_notebook(path, env={"LLM_MAGIC_LANGUAGE": "en"})
    text = json.dumps(executed, ensure_ascii=False)
    assert f"the DeepSeek key in use is sk-…{typed_key[-4:]}, from the file" in text
    assert typed_key not in text and "widget" not in text
