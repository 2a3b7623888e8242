"""%llm_key in a real InteractiveShell: table, password box, getpass, --env, --forget, --check."""

from __future__ import annotations

import shutil
import stat
import subprocess
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

from llm_magic import i18n
from llm_magic.errors import AuthenticationError, ConfigurationError, MissingKeyError, UnknownProviderError
from llm_magic.keys import lookup as keys
from llm_magic.magics.key_widget import KeyEntry
from llm_magic.magics.keys import KeyMagics
from llm_magic.providers import get_provider

KEY = "sk-test-0123456789abcdef"


class Ran:
    def __init__(self, captured: CapturedIO, error: BaseException | None) -> None:
        self.captured, self.error = captured, error

    @property
    def text(self) -> str:
        parts = [self.captured.stdout, self.captured.stderr]
        parts += [value for output in self.captured.outputs for value in output.data.values()
                  if isinstance(value, str)]
        return "\n".join(parts)


def run(ip: InteractiveShell, cell: str, **kwargs: Any) -> Ran:
    with capture_output() as captured:
        result = ip.run_cell(cell, **kwargs)
    return Ran(captured, result.error_in_exec or result.error_before_exec)


def magics(ip: InteractiveShell) -> KeyMagics:
    return ip.magics_manager.registry["KeyMagics"]


# -- the table ---------------------------------------------------------------------------------------
def test_table_shows_sources_masked_html_and_text(shell, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefghijklmnop9876")
    (tmp_path / ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")
    keys.set_session_key(get_provider("bailian"), "sk-entered-000000001111")
    ran = run(shell, "%llm_key")
    assert ran.error is None
    html = ran.captured.outputs[0].data["text/html"]
    text = ran.captured.outputs[0].data["text/plain"]
    for shown in (html, text):
        assert "sk-…cdef" in shown and "hf_…9876" in shown and "sk-…1111" in shown
        assert str(tmp_path.resolve() / ".env") in shown
        assert "the environment variable HF_TOKEN" in shown and "typed in this session" in shown
        assert "no key needed" in shown  # ollama, demo
        assert KEY not in shown and KEY[:8] + "0" not in shown
    assert "<table" in html and "<table" not in text


def test_table_in_chinese(shell):
    i18n.set_language("zh")
    text = run(shell, "%llm_key").captured.outputs[0].data["text/plain"]
    assert "服务商" in text and "不需要 Key" in text and "未设置" in text


def test_help_lists_the_options():
    doc = KeyMagics.llm_key.__doc__
    for option in ("--check", "--forget", "--env", "--save-env", "--gitignore", "--getpass"):
        assert option in doc


# -- entering a key ----------------------------------------------------------------------------------
def test_password_box_stores_the_key_and_empties_the_box_at_once(shell):
    run(shell, "%config KeyMagics.entry = 'widget'")
    ran = run(shell, "%llm_key deepseek")
    assert ran.error is None
    entry = magics(shell).last_entry
    assert isinstance(entry, KeyEntry)
    bundle = ran.captured.outputs[-1].data
    assert "application/vnd.jupyter.widget-view+json" in bundle and "--getpass" in bundle["text/plain"]
    assert entry.save_button.description == "保存 Key / Save key"
    seen = []
    entry.password.observe(lambda change: seen.append(change["new"]), names="value")
    entry.password.value = KEY  # what Enter (or leaving the box) sends from the browser
    assert entry.password.value == ""
    assert seen[0] == ""  # the box was emptied before any other observer ran
    assert keys.lookup_key(get_provider("deepseek")).value == KEY
    assert "sk-…cdef" in entry.status.value and KEY not in entry.status.value
    entry.save_button.click()  # the click that follows the blur: nothing more to do
    assert "Saved for this kernel session" in entry.status.value


def test_button_click_submits_a_value_typed_before_it(shell):
    entry = KeyEntry(get_provider("deepseek"))
    entry.password.unobserve_all("value")  # as if the value arrived without a change event
    entry.password.value = KEY
    entry.save_button.click()
    assert entry.password.value == "" and keys.lookup_key(get_provider("deepseek")).value == KEY
    empty = KeyEntry(get_provider("bailian"))
    empty.save_button.click()
    assert "Paste the key" in empty.status.value


def test_password_box_reports_a_malformed_key_without_echo(shell):
    entry = KeyEntry(get_provider("deepseek"))
    entry.password.value = "sk-has space-1234567890"
    assert entry.password.value == ""
    assert "space" in entry.status.value and "1234567890" not in entry.status.value
    assert not keys.lookup_key(get_provider("deepseek")).found


def test_password_box_warns_about_a_foreign_key(shell):
    entry = KeyEntry(get_provider("deepseek"))
    entry.password.value = "hf_abcdefghijklmnop1234"
    assert "Hugging Face" in entry.status.value


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_password_box_writes_env_0600_and_offers_gitignore(shell, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    entry = KeyEntry(get_provider("deepseek"))
    entry.password.value = KEY
    assert not (tmp_path / ".env").exists()
    entry.write_env.value = True  # ticked after saving: writes the session key now
    env = tmp_path / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text() == f"DEEPSEEK_API_KEY={KEY}\n"
    assert "not in .gitignore" in entry.status.value and KEY not in entry.status.value
    assert entry.gitignore_button.layout.display is None  # shown
    entry.gitignore_button.click()
    assert (tmp_path / ".gitignore").read_text() == ".env\n"
    assert entry.gitignore_button.layout.display == "none"
    assert "added .env to" in entry.status.value and "sk-…cdef" in entry.status.value


def test_password_box_with_save_env_ticked_beforehand(shell, tmp_path):
    entry = KeyEntry(get_provider("huggingface"), write_env=True)
    entry.password.value = "hf_abcdefghijklmnop1234"
    assert (tmp_path / ".env").read_text() == "HF_API_KEY=hf_abcdefghijklmnop1234\n"
    assert "Written to" in entry.status.value


def test_getpass_fallback_in_a_terminal(shell, tmp_path, monkeypatch):
    import getpass

    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or f"  {KEY}  ")
    ran = run(shell, "%llm_key deepseek --save-env")  # no kernel: auto mode asks with getpass
    assert ran.error is None, ran.text
    assert "DeepSeek key (input hidden)" in prompts[0]
    assert "sk-…cdef" in ran.text and KEY not in ran.text
    assert keys.lookup_key(get_provider("deepseek")).value == KEY
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


@needs_git
def test_getpass_with_gitignore_flag(shell, tmp_path, monkeypatch):
    import getpass

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": KEY)
    ran = run(shell, "%llm_key deepseek --getpass --save-env")
    assert "%llm_key --gitignore" in ran.text
    ran = run(shell, "%llm_key --gitignore")
    assert "Added .env" in ran.text and (tmp_path / ".gitignore").read_text() == ".env\n"
    assert "already ignores" in run(shell, "%llm_key --gitignore").text


def test_getpass_unavailable_front_end(shell, monkeypatch):
    import getpass

    def refuse(prompt=""):
        raise RuntimeError("stdin not implemented")

    monkeypatch.setattr(getpass, "getpass", refuse)
    ran = run(shell, "%llm_key deepseek --getpass")
    assert isinstance(ran.error, ConfigurationError) and ".env" in str(ran.error)


class _Kernel:
    """What ``%llm_key`` reads of ipykernel: whether this execute request allows stdin."""

    def __init__(self, allow_stdin: bool) -> None:
        self._allow_stdin = allow_stdin


def test_in_a_kernel_the_default_is_the_hidden_prompt_not_the_box(shell, monkeypatch):
    import getpass

    prompts = []
    monkeypatch.setattr(shell, "kernel", _Kernel(allow_stdin=True), raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or KEY)
    ran = run(shell, "%llm_key deepseek")
    assert ran.error is None, ran.text
    assert prompts == ["DeepSeek key (input hidden): "]
    assert magics(shell).last_entry is None  # no widget, so nothing for widget state to save
    assert not any("application/vnd.jupyter.widget-view+json" in o.data for o in ran.captured.outputs)
    assert "✓ DeepSeek: key saved for this kernel session (sk-…cdef)." in ran.text and KEY not in ran.text
    assert keys.lookup_key(get_provider("deepseek")).value == KEY


def test_without_stdin_nothing_is_asked_and_the_message_names_the_ways(shell, monkeypatch):
    import getpass

    monkeypatch.setattr(shell, "kernel", _Kernel(allow_stdin=False), raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": pytest.fail("asked where nobody can type"))
    for line in ("%llm_key deepseek", "%llm_key deepseek --getpass"):
        ran = run(shell, line)
        assert ran.error is None, ran.text  # a message: an executed lesson notebook goes on
        assert "This front end cannot ask for a key" in ran.text and "nbconvert" in ran.text
        assert "DEEPSEEK_API_KEY=… in a .env file" in ran.text and "%llm_key --env" in ran.text
        assert "Colab" in ran.text
    assert magics(shell).last_entry is None
    i18n.set_language("zh")
    said = run(shell, "%llm_key deepseek").text
    assert said.startswith("这个前端无法让你输入 Key") and "Secrets（🔑）" in said
    assert isinstance(run(shell, "%%llm deepseek\nhi").error, MissingKeyError)  # the call stops, not the entry


def test_enter_on_an_empty_prompt_saves_nothing_and_is_no_error(shell, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "  ")
    ran = run(shell, "%llm_key deepseek")
    assert ran.error is None and "Nothing was typed; no key was saved" in ran.text
    assert not keys.lookup_key(get_provider("deepseek")).found


def test_without_stdin_a_key_already_there_is_named_masked(shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", _Kernel(allow_stdin=False), raising=False)
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    ran = run(shell, "%llm_key deepseek")
    assert ran.error is None, ran.text
    assert "the DeepSeek key in use is sk-…cdef, from the environment variable DEEPSEEK_API_KEY" in ran.text
    assert KEY not in ran.text


def test_the_box_only_when_asked_for_by_name(shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", _Kernel(allow_stdin=False), raising=False)
    run(shell, "%config KeyMagics.entry = 'widget'")
    ran = run(shell, "%llm_key deepseek")
    assert ran.error is None and isinstance(magics(shell).last_entry, KeyEntry)
    assert "while the kernel is busy" in magics(shell).last_entry.title.value  # it says what it risks


def test_provider_without_key(shell):
    ran = run(shell, "%llm_key ollama")
    assert ran.error is None and "needs no key" in ran.text


# -- keys typed on the line ---------------------------------------------------------------------------
@pytest.mark.parametrize("line", [
    f"%llm_key deepseek {KEY}",
    f"%llm_key {KEY}",
    f"%llm_key deepseek --check {KEY}",
    f"%llm_key DEEPSEEK_API_KEY={KEY}",
    "%llm_key huggingface hf_abcdefghijklmnop1234",
    "%llm_key bailian 0123456789abcdefABCDEF9876",
])
def test_key_on_the_magic_line_is_refused_and_scrubbed(shell, line):
    secret = line.split()[-1].split("=")[-1]
    ran = run(shell, line, store_history=True)
    assert isinstance(ran.error, ConfigurationError)
    assert "must not be typed on the magic line" in ran.text
    assert secret not in ran.text and secret not in str(ran.error)
    assert secret[:8] not in ran.text.replace("sk-test-…", "")
    assert not keys.lookup_key(get_provider("deepseek")).found
    history = shell.history_manager
    assert all(secret not in entry for entry in history.input_hist_raw + history.input_hist_parsed)
    inputs = [v for k, v in shell.user_ns.items() if k.startswith("_i") and isinstance(v, str)]
    assert inputs and all(secret not in value for value in inputs)
    history.writeout_cache()
    rows = list(history.db.execute("SELECT source, source_raw FROM history"))
    assert rows and all(secret not in column for row in rows for column in row)


def test_not_a_key_is_a_usage_problem(shell):
    ran = run(shell, "%llm_key deepseek check")
    assert isinstance(ran.error, ConfigurationError) and "one provider name" in str(ran.error)
    ran = run(shell, "%llm_key deepsek")
    assert isinstance(ran.error, UnknownProviderError) and "'deepseek'" in str(ran.error)


# -- --env, --forget ---------------------------------------------------------------------------------
def test_env_option_loads_keys_for_the_providers_in_the_file(shell, tmp_path):
    path = tmp_path / "home" / ".Renviron"
    path.parent.mkdir()
    path.write_text(f"DEEPSEEK_API_KEY={KEY}\nHF_TOKEN=hf_abcdefghijklmnop1234\nBAILIAN_API_KEY=bad key\nR_LIBS=x\n")
    ran = run(shell, f"%llm_key --env {path}")
    assert ran.error is None, ran.text
    assert "✓ deepseek: sk-…cdef (DEEPSEEK_API_KEY)" in ran.text
    assert "✓ huggingface: hf_…1234 (HF_TOKEN)" in ran.text
    assert "✗ bailian (BAILIAN_API_KEY)" in ran.text and "bad key" not in ran.text
    assert KEY not in ran.text
    found = keys.lookup_key(get_provider("deepseek"))
    assert found.source == keys.ENTERED and found.loaded_from == path.resolve()
    assert f"loaded in this session from the file {path.resolve()}" in run(shell, "%llm_key").text


def test_env_option_for_one_provider(shell, tmp_path):
    (tmp_path / "k.env").write_text(f"DEEPSEEK_API_KEY={KEY}\nHF_TOKEN=hf_abcdefghijklmnop1234\n")
    run(shell, "%llm_key huggingface --env k.env")
    assert keys.lookup_key(get_provider("huggingface")).found
    assert not keys.lookup_key(get_provider("deepseek")).found


@pytest.mark.parametrize("content, words", [
    (None, "There is no file"), (b"\x7fELF\x00\x00", "binary"), (b"R_LIBS=~/R\n", "holds no usable key"),
])
def test_env_option_errors_are_short_messages(shell, tmp_path, content, words):
    if content is not None:
        (tmp_path / "k.env").write_bytes(content)
    ran = run(shell, "%llm_key --env k.env")
    assert isinstance(ran.error, ConfigurationError) and words in ran.text
    assert "Traceback" not in ran.text


def test_forget(shell, monkeypatch):
    keys.set_session_key(get_provider("deepseek"), KEY)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-environment-4321")
    ran = run(shell, "%llm_key deepseek --forget")
    assert "Forgot the DeepSeek key" in ran.text and "sk-…4321" in ran.text
    assert keys.lookup_key(get_provider("deepseek")).source == keys.ENVIRONMENT
    assert "No DeepSeek key was entered" in run(shell, "%llm_key deepseek --forget").text


# -- --check against the loopback server -----------------------------------------------------------------
def test_check_ok_reports_model_count_and_time(shell, fake_provider):
    server = fake_provider("deepseek")
    ran = run(shell, "%llm_key deepseek --check")
    assert ran.error is None, ran.text
    assert f"{len(server.flavour.models)} models" in ran.text and " ms round trip" in ran.text
    assert server.requests[-1].path.endswith("/models")
    assert server.key not in ran.text


def test_check_wrong_key_401(shell, fake_provider, monkeypatch):
    server = fake_provider("deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-wrong-0000000000000000")
    ran = run(shell, "%llm_key deepseek --check")
    assert isinstance(ran.error, AuthenticationError) and ran.error.status == 401
    assert "HTTP 401" in ran.text and "Traceback" not in ran.text
    assert "sk-wrong-0000000000000000" not in ran.text
    assert len(server.requests) == 1


def test_check_bailian_401_mentions_regions(shell, fake_provider, monkeypatch):
    server = fake_provider("bailian")
    monkeypatch.setenv("BAILIAN_API_KEY", "sk-wrongregion00000000000000")
    ran = run(shell, "%llm_key bailian --check")
    assert isinstance(ran.error, AuthenticationError)
    assert "region" in ran.text and "bailian_region" in ran.text
    assert server.base_url in ran.text  # which host was asked


@pytest.mark.parametrize("provider, key, owner", [
    ("deepseek", "hf_abcdefghijklmnop1234", "Hugging Face"),
    ("huggingface", "sk-abcdefghijklmnop1234", "DeepSeek / Bailian"),
])
def test_check_foreign_key_is_refused_before_any_request(shell, fake_provider, monkeypatch, provider, key, owner):
    server = fake_provider(provider)
    keys.set_session_key(get_provider(provider), key)
    ran = run(shell, f"%llm_key {provider} --check")
    assert isinstance(ran.error, ConfigurationError)
    assert owner in ran.text and "not sent" in ran.text
    assert server.requests == []
    assert key not in ran.text


def test_check_without_key(shell):
    ran = run(shell, "%llm_key deepseek --check")
    assert isinstance(ran.error, MissingKeyError) and "%llm_key deepseek" in ran.text


def test_check_without_provider_is_a_usage_error(shell):
    ran = run(shell, "%llm_key --check")
    assert isinstance(ran.error, ConfigurationError) and "Name the provider" in ran.text
