"""Keys from Google Colab's Secrets panel, read through a stand-in ``google.colab.userdata`` module
that behaves as Colab's does: a missing secret and one the notebook may not read both raise."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from llm_magic import keys
from llm_magic.errors import MissingKeyError
from llm_magic.providers import get_provider

DEEPSEEK = get_provider("deepseek")
BAILIAN = get_provider("bailian")


class SecretNotFoundError(Exception):
    pass


class NotebookAccessError(Exception):
    pass


@pytest.fixture
def colab(monkeypatch):
    """Secrets by name; a value of None is a secret whose "Notebook access" switch is off."""
    secrets: dict[str, str | None] = {}
    asked: list[str] = []

    def get(name: str) -> str:
        asked.append(name)
        if name not in secrets:
            raise SecretNotFoundError(f"Secret {name} does not exist.")
        value = secrets[name]
        if value is None:
            raise NotebookAccessError(f"Notebook does not have access to secret {name}")
        return value

    google = types.ModuleType("google")
    google.__path__ = []
    package = types.ModuleType("google.colab")
    package.__path__ = []
    userdata = types.ModuleType("google.colab.userdata")
    userdata.get = get
    package.userdata = userdata
    google.colab = package
    for name, module in (("google", google), ("google.colab", package), ("google.colab.userdata", userdata)):
        monkeypatch.setitem(sys.modules, name, module)
    secrets_view = types.SimpleNamespace(secrets=secrets, asked=asked)
    return secrets_view


def test_a_colab_secret_is_found_and_said_in_words(colab):
    colab.secrets["DEEPSEEK_API_KEY"] = "sk-from-colab-secrets-0001"
    found = keys.lookup_key(DEEPSEEK)
    assert (found.value, found.source, found.variable) == ("sk-from-colab-secrets-0001", keys.COLAB, "DEEPSEEK_API_KEY")
    assert found.where().zh == "Colab Secrets 中的 DEEPSEEK_API_KEY"
    assert found.came_from().zh == "来自 Colab Secrets 中的 DEEPSEEK_API_KEY"
    assert "sk-from-colab" not in repr(found)


def test_the_environment_wins_and_dotenv_comes_after(colab, monkeypatch, tmp_path: Path):
    colab.secrets["DEEPSEEK_API_KEY"] = "sk-from-colab-secrets-0001"
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-dotenv-000001\n", encoding="utf-8")
    assert keys.lookup_key(DEEPSEEK).source == keys.COLAB
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-environment-01")
    assert keys.lookup_key(DEEPSEEK).source == keys.ENVIRONMENT


def test_a_secret_without_notebook_access_is_skipped(colab, tmp_path: Path):
    colab.secrets["BAILIAN_API_KEY"] = None
    colab.secrets["DASHSCOPE_API_KEY"] = "sk-dashscope-in-colab-01"
    found = keys.lookup_key(BAILIAN)
    assert (found.variable, found.value) == ("DASHSCOPE_API_KEY", "sk-dashscope-in-colab-01")
    assert colab.asked == ["BAILIAN_API_KEY", "DASHSCOPE_API_KEY"]


def test_nothing_in_colab_says_colab_was_searched(colab):
    with pytest.raises(MissingKeyError) as caught:
        keys.require_key(DEEPSEEK)
    assert "in the environment and in Colab Secrets" in str(caught.value)
    assert "、Colab Secrets" in caught.value.texts("zh")[0]


def test_outside_colab_nothing_is_asked():
    assert "google.colab" not in sys.modules or not hasattr(sys.modules["google.colab"], "userdata")
    with pytest.raises(MissingKeyError) as caught:
        keys.require_key(DEEPSEEK)
    assert "Colab" not in str(caught.value)


def test_the_status_table_and_a_call_use_the_colab_key(colab, shell, fake_provider, monkeypatch):
    from tests.harness.shell import run, sent_prompt

    server = fake_provider("deepseek")
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    colab.secrets["DEEPSEEK_API_KEY"] = server.key
    shell.run_line_magic("config", 'LLMMagics.language = "zh"')
    table = run(shell, "%llm_key")
    assert "Colab Secrets 中的 DEEPSEEK_API_KEY" in table.stdout + "".join(o.data["text/plain"] for o in table.outputs)
    run(shell, "%%llm deepseek\n你好")
    assert sent_prompt(server) == "你好"
    assert server.requests[-1].headers["Authorization"] == f"Bearer {server.key}"
