"""The .env and .gitignore helpers: never through a symbolic link, never blocked by a FIFO or a
device, never more than 1 MiB read, and a UTF-16 file (Windows Notepad) read or named as the
problem, not reported as "has none of them"."""

from __future__ import annotations

import codecs
import os
import subprocess
import threading
import warnings
from pathlib import Path

import pytest

import llm_magic
from llm_magic import errors
from llm_magic.keys import envfile
from llm_magic.keys import lookup as keys

KEY = "sk-test-ENVFILE-abcdef0123456789"


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A folder inside another, as the working directory, with no key in the environment."""
    for variable in llm_magic.get_provider("deepseek").key_vars:
        monkeypatch.delenv(variable, raising=False)
    folder = tmp_path / "course" / "week1"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    return folder


def finishes(function, *args):
    """Run ``function`` in a thread: whatever it returned or raised, and whether it finished at all."""
    outcome: dict[str, object] = {}

    def target():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(10)  # a bound, not a timing claim: blocking would be forever
    return not thread.is_alive(), outcome


def test_writing_a_key_through_a_symlinked_env_is_refused(here, tmp_path):
    elsewhere = tmp_path / "shared.env"
    elsewhere.write_text("OTHER=1\n")
    (here / ".env").symlink_to(elsewhere)
    with pytest.raises(errors.ConfigurationError, match="symbolic link"):
        envfile.save_provider_key(llm_magic.get_provider("deepseek"), KEY)
    assert elsewhere.read_text() == "OTHER=1\n" and (here / ".env").is_symlink()


def test_a_symlinked_gitignore_is_refused_not_claimed(here, tmp_path):
    subprocess.run(["git", "init", "-q", str(here)], check=True)
    real = tmp_path / "rules.txt"
    real.write_text("*.log\n")
    (here / ".gitignore").symlink_to(real)
    (here / ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")
    with pytest.raises(errors.ConfigurationError, match="symbolic link") as caught:
        envfile.add_to_gitignore(here / ".env")
    assert "符号链接" in caught.value.texts("zh")[0] and real.read_text() == "*.log\n"


def test_success_is_not_claimed_when_git_still_does_not_ignore_the_file(here):
    subprocess.run(["git", "init", "-q", str(here)], check=True)
    (here / ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")
    subprocess.run(["git", "-C", str(here), "add", ".env"], check=True)  # committed by mistake: rules no longer apply
    with pytest.raises(errors.ConfigurationError, match="still does not ignore"):
        envfile.add_to_gitignore(here / ".env")
    assert ".env" in (here / ".gitignore").read_text()  # the line is written; the claim is not made


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_strange_env_nearby_is_skipped_with_a_warning_and_never_blocks(here, kind):
    (here.parent / ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")  # the one above still counts
    strange = here / ".env"
    if kind == "fifo":
        os.mkfifo(strange)
    elif kind == "device":
        strange.symlink_to("/dev/zero")  # reading would never end
    else:
        with strange.open("wb") as handle:
            handle.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of nothing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done, outcome = finishes(keys.lookup_key, llm_magic.get_provider("deepseek"))
    assert done, "the lookup blocked"
    found = outcome["value"]
    if kind == "huge":  # a regular file, the nearest one: skipped, so no key, and the reason is named
        assert not found.found and "1 MiB" in keys.searched_text(found).en
    else:
        assert found.found and found.value == KEY and found.dotenv == here.parent / ".env"
    assert any(issubclass(w.category, envfile.EnvFileWarning) and str(strange) in str(w.message) for w in caught)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_loading_or_writing_a_strange_env_is_refused_without_blocking(here, kind):
    strange = here / ".env"
    if kind == "fifo":
        os.mkfifo(strange)
    else:
        strange.symlink_to("/dev/zero")
    for action, args in ((envfile.read_env_file, (strange,)), (envfile.write_key, ("DEEPSEEK_API_KEY", KEY, strange))):
        done, outcome = finishes(action, *args)
        assert done, f"{action.__name__} blocked"
        assert isinstance(outcome.get("error"), errors.ConfigurationError), outcome


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_utf16_env_from_notepad_is_read(here, bom):
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    (here / ".env").write_bytes(bom + f"DEEPSEEK_API_KEY={KEY}\r\n".encode(encoding))
    found = keys.lookup_key(llm_magic.get_provider("deepseek"))
    assert found.value == KEY
    assert envfile.read_env_file(here / ".env")[1]["DEEPSEEK_API_KEY"] == KEY


def test_a_utf16_env_without_bom_is_named_as_the_problem(here):
    (here / ".env").write_bytes(f"DEEPSEEK_API_KEY={KEY}\n".encode("utf-16-le"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", envfile.EnvFileWarning)
        with pytest.raises(errors.MissingKeyError) as caught:
            llm_magic.ask("deepseek", "hi")
    message = str(caught.value)
    assert "UTF-16" in message and "has none of them" not in message
    assert "UTF-16" in caught.value.texts("zh")[0]


def test_lookup_reads_through_envfile():
    assert keys.read_env is envfile.read_env and keys.nearest_dotenv is envfile.nearest_dotenv
    assert Path(envfile.__file__).name == "envfile.py"
