"""What the user can turn on is documented, and the documentation is true: ``http.client``'s
debuglevel prints the Authorization header, a ``--debug`` kernel logs what the password box
sends (ipywidgets has no secret form of a widget value), and the READMEs say so in both languages."""

from __future__ import annotations

import http.client
import re
from pathlib import Path

import pytest

import llm_magic

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-SWITCH-0f1e2d3c4b5a6978"


def _section(path: Path, title: str) -> str:
    text = path.read_text(encoding="utf-8")
    return re.search(rf"^## {title}\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL).group(1)


def test_http_client_debuglevel_really_prints_the_key(fake_provider, monkeypatch, capfd):
    fake_provider("deepseek", key=KEY)
    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
    llm_magic.ask("deepseek", "hi")
    printed = capfd.readouterr().out
    assert f"Authorization: Bearer {KEY}" in printed  # what the README warns about


@pytest.mark.parametrize("readme, title, words", [
    ("README.md", "Security", ["debuglevel", "Authorization: Bearer", "--debug", "password box", "--getpass",
                               "--allow-secrets", "%xmode Verbose", "sandboxed", "HTTP_PROXY", "symbolic link"]),
    ("README.zh-CN.md", "安全", ["debuglevel", "Authorization: Bearer", "--debug", "密码框", "--getpass",
                                "--allow-secrets", "%xmode Verbose", "沙盒", "HTTP_PROXY", "符号链接"]),
])
def test_the_security_sections_list_the_guarantees_and_the_switches(readme, title, words):
    section = _section(ROOT / readme, title)
    missing = [word for word in words if word not in section]
    assert not missing, missing


def test_the_password_box_sends_its_value_once_not_per_keystroke(shell):  # shell: forgets the key after
    pytest.importorskip("ipywidgets")
    from llm_magic.magics.key_widget import KeyEntry

    entry = KeyEntry(llm_magic.get_provider("deepseek"))
    assert entry.password.continuous_update is False  # one message on Enter: a --debug log holds one, not 40
    entry.password.value = KEY  # what the front end's one message does
    assert entry.password.value == "" and entry.saved
