"""Key lookup (session → environment → nearest .env), masking, and the .env writer and git checks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from llm_magic.errors import ConfigurationError, MissingKeyError
from llm_magic.keys import envfile
from llm_magic.keys import git as keys_git
from llm_magic.keys import lookup as keys
from llm_magic.providers import get_provider
from llm_magic.secrets import mask, redact

DEEPSEEK = get_provider("deepseek")
BAILIAN = get_provider("bailian")
KEY = "sk-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_session_keys():
    keys.clear_session_keys()
    yield
    keys.clear_session_keys()


def test_nothing_set_raises_missing_key_naming_variables_and_folder(tmp_path):
    with pytest.raises(MissingKeyError) as caught:
        keys.require_key(BAILIAN)
    message = str(caught.value)
    assert "BAILIAN_API_KEY, DASHSCOPE_API_KEY" in message
    assert f"no .env file in {tmp_path.resolve()}" in message
    assert "%llm_key bailian" in message


def test_missing_key_names_the_env_file_that_lacks_the_variable(tmp_path):
    (tmp_path / ".env").write_text("OTHER=1\n")
    with pytest.raises(MissingKeyError) as caught:
        keys.require_key(DEEPSEEK)
    assert str(tmp_path.resolve() / ".env") in str(caught.value)
    assert "has none of them" in str(caught.value)


def test_precedence_session_then_environment_then_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-dotenv-000000\n")
    found = keys.lookup_key(DEEPSEEK)
    assert (found.value, found.source, found.variable) == ("sk-from-dotenv-000000", str(tmp_path.resolve() / ".env"),
                                                           "DEEPSEEK_API_KEY")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-environment-0")
    assert keys.lookup_key(DEEPSEEK).source == keys.ENVIRONMENT
    keys.set_session_key(DEEPSEEK, "  sk-entered-here-00000 \n")
    found = keys.lookup_key(DEEPSEEK)
    assert (found.value, found.source) == ("sk-entered-here-00000", keys.ENTERED)
    assert keys.forget_session_key(DEEPSEEK) is True
    assert keys.lookup_key(DEEPSEEK).source == keys.ENVIRONMENT


def test_dotenv_is_found_upwards_and_does_not_touch_os_environ(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DASHSCOPE_API_KEY=sk-dashscope-000000\n")
    deep = tmp_path / "course" / "week1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    found = keys.lookup_key(BAILIAN)
    assert found.variable == "DASHSCOPE_API_KEY" and found.value == "sk-dashscope-000000"
    assert "DASHSCOPE_API_KEY" not in os.environ
    assert keys.require_key(BAILIAN) == "sk-dashscope-000000"


def test_only_the_nearest_dotenv_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-outer-0000000000\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / ".env").write_text("OTHER=x\n")
    monkeypatch.chdir(inner)
    assert not keys.lookup_key(DEEPSEEK).found


def test_dotenv_is_reread_when_it_changes(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEEPSEEK_API_KEY=sk-first-000000000\n")
    assert keys.require_key(DEEPSEEK) == "sk-first-000000000"
    path.write_text("DEEPSEEK_API_KEY=sk-second-00000000\n")  # same size: only mtime/inode differ
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert keys.require_key(DEEPSEEK) == "sk-second-00000000"
    path.unlink()
    assert not keys.lookup_key(DEEPSEEK).found


def test_environment_wins_over_dotenv_without_being_overwritten(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-environment-0")
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-dotenv-000000\n")
    assert keys.require_key(DEEPSEEK) == "sk-from-environment-0"
    assert os.environ["DEEPSEEK_API_KEY"] == "sk-from-environment-0"


def test_every_key_holds_each_source_a_key_could_come_from(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-environment-0")
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-dotenv-000000\nDASHSCOPE_API_KEY=sk-bailian-dotenv-01\n")
    keys.set_session_key(BAILIAN, "sk-bailian-typed-0002")
    found = keys.every_key()
    # a key shadowed by another source is still one the kernel knows: a prompt holding it is refused
    for key in ("sk-from-environment-0", "sk-from-dotenv-000000", "sk-bailian-dotenv-01", "sk-bailian-typed-0002"):
        assert key in found, key


@pytest.mark.parametrize("bad", ["", "sk-abc def", "sk-abc\x07def", "sk-ａｂｃ123"])
def test_malformed_keys_are_refused_without_echo(bad):
    with pytest.raises(ConfigurationError) as caught:
        keys.set_session_key(DEEPSEEK, bad)
    if bad.strip():
        assert bad.strip() not in str(caught.value)


def test_mask_never_shows_more_than_four_characters():
    assert mask("sk-test-LEAKCHECK-0123456789abcdef") == "sk-…cdef"
    assert mask("hf_abcdefghijklmnop") == "hf_…mnop"
    assert mask("short") == "…"
    keys.set_session_key(DEEPSEEK, KEY)
    assert redact(f"the key {KEY} leaked") == "the key sk-…cdef leaked"
    assert KEY not in repr(keys.lookup_key(DEEPSEEK))


# -- envfile ---------------------------------------------------------------------------------------
def test_read_env_file_accepts_renviron_bom_and_export(tmp_path):
    path = tmp_path / ".Renviron"
    path.write_bytes("\ufeffexport DEEPSEEK_API_KEY=sk-a-0000000000\n# comment\nHF_TOKEN='hf_b0000000000'\n"
                     .encode("utf-8"))
    source, values = envfile.read_env_file(path)
    assert source == path.resolve()
    assert values == {"DEEPSEEK_API_KEY": "sk-a-0000000000", "HF_TOKEN": "hf_b0000000000"}


@pytest.mark.parametrize("content, words", [
    (None, "There is no file"),
    (b"\x00\x01binary\xff", "not a .env file"),
    (b"KEY=\xff\xfe\n", "not UTF-8"),
])
def test_read_env_file_refuses_missing_and_binary(tmp_path, content, words):
    path = tmp_path / "keys.env"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=words):
        envfile.read_env_file(path)


def test_read_env_file_refuses_a_folder_and_an_unreadable_file(tmp_path):
    with pytest.raises(ConfigurationError, match="not an ordinary file"):
        envfile.read_env_file(tmp_path)
    path = tmp_path / "locked.env"
    path.write_text("A=1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything
            pytest.skip("running as root")
        with pytest.raises(ConfigurationError, match="cannot be read"):
            envfile.read_env_file(path)
    finally:
        path.chmod(0o600)


def test_write_key_creates_owner_only_file_and_replaces_the_line(tmp_path):
    path = envfile.write_key("DEEPSEEK_API_KEY", KEY)
    assert path == tmp_path.resolve() / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("# mine\nOTHER=1\nexport DEEPSEEK_API_KEY=old\nDEEPSEEK_API_KEY=older")
    path.chmod(0o644)
    envfile.write_key("DEEPSEEK_API_KEY", "sk-new-000000000000")
    assert path.read_text() == "# mine\nOTHER=1\nDEEPSEEK_API_KEY=sk-new-000000000000\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.require_key(DEEPSEEK) == "sk-new-000000000000"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left behind


def test_writer_targets_the_nearest_existing_env(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("HF_TOKEN=hf_0000000000000\n")
    inner = tmp_path / "sub"
    inner.mkdir()
    monkeypatch.chdir(inner)
    result = envfile.save_provider_key(DEEPSEEK, KEY)
    assert result.path == tmp_path.resolve() / ".env" and not (inner / ".env").exists()
    assert keys.lookup_key(get_provider("huggingface")).found and keys.require_key(DEEPSEEK) == KEY


def test_save_provider_key_updates_the_variable_the_file_already_uses(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DASHSCOPE_API_KEY=sk-old-000000000000\n")
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-shadow-0000000000")
    result = envfile.save_provider_key(BAILIAN, KEY)
    assert result.variable == "DASHSCOPE_API_KEY" and result.shadowed
    assert "BAILIAN_API_KEY" not in (tmp_path / ".env").read_text()
    assert not result.exposed and not result.tracked


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


@needs_git
def test_gitignore_check_and_fix_in_a_real_checkout(tmp_path):
    _git_init(tmp_path)
    result = envfile.save_provider_key(DEEPSEEK, KEY)
    assert result.exposed and not result.tracked
    assert any("a commit would publish the key" in m.en for m in result.messages())
    rules = envfile.add_to_gitignore(result.path)
    assert rules.read_text() == ".env\n"
    assert envfile.is_ignored(result.path) and envfile.git_root(result.path.parent) is not None
    envfile.add_to_gitignore(result.path)  # idempotent
    assert rules.read_text() == ".env\n"


@needs_git
def test_tracked_env_is_reported(tmp_path):
    _git_init(tmp_path)
    (tmp_path / ".env").write_text("OTHER=1\n")
    subprocess.run(["git", "add", ".env"], cwd=tmp_path, check=True)
    result = envfile.save_provider_key(DEEPSEEK, KEY)
    assert result.tracked
    assert any("git rm --cached .env" in m.en for m in result.messages())


def test_gitignore_fallback_without_git(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.setattr(keys_git.shutil, "which", lambda name: None)
    env = tmp_path / "notebooks" / ".env"
    env.parent.mkdir()
    env.write_text("")
    assert envfile.git_root(env.parent) == tmp_path.resolve()
    assert envfile.git_root(env.parent) is not None and not envfile.is_ignored(env)
    (tmp_path / ".gitignore").write_text("*.pyc\n.env\n")
    assert envfile.is_ignored(env)
    (tmp_path / ".gitignore").write_text(".env*\n!.env\n")
    assert not envfile.is_ignored(env)
    (tmp_path / ".gitignore").write_text("/.env\n")  # anchored at the root: not notebooks/.env
    assert not envfile.is_ignored(env)
