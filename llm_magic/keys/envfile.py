"""Read a key file given by name, write a key into .env safely (0600), and check it is git-ignored."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..i18n import Text
from ..secrets import Revealed, Secret

if TYPE_CHECKING:
    from ..providers import Provider

#: a .env holding keys is a few hundred bytes; anything this big is not one
MAX_ENV_BYTES = 1_000_000
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_\-.]+$")


def read_env_file(path: str | os.PathLike[str]) -> tuple[Path, dict[str, str]]:
    """The variables of a ``.env`` or ``.Renviron`` file; ConfigurationError if it cannot be one."""
    target = Path(os.path.expanduser(str(path))).absolute()

    def refuse(en: str, zh: str) -> ConfigurationError:
        return ConfigurationError(
            Text(en, zh),
            hint=Text("Give the path of a text file with lines like DEEPSEEK_API_KEY=sk-…, e.g. %llm_key --env ~/.env.",
                      "请给出一个文本文件的路径，文件中每行形如 DEEPSEEK_API_KEY=sk-…，例如 %llm_key --env ~/.env。"))

    if not target.exists():
        raise refuse(f"There is no file {target}.", f"文件 {target} 不存在。")
    if not target.is_file():
        raise refuse(f"{target} is not a file.", f"{target} 不是一个文件。")
    try:
        with target.open("rb") as handle:
            raw = handle.read(MAX_ENV_BYTES + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise refuse(f"{target} cannot be read ({reason}).", f"无法读取 {target}（{reason}）。") from None
    if len(raw) > MAX_ENV_BYTES or b"\0" in raw:
        raise refuse(f"{target} is not a .env file (it is binary or too large).",
                     f"{target} 不是 .env 文件（是二进制文件或太大）。")
    try:
        text = raw.decode("utf-8-sig")  # Notepad on Windows starts UTF-8 files with a BOM
    except UnicodeDecodeError:
        raise refuse(f"{target} is not UTF-8 text.", f"{target} 不是 UTF-8 编码的文本。") from None
    from dotenv import dotenv_values

    values = dotenv_values(stream=io.StringIO(text))
    return target.resolve(), {name: value.strip() for name, value in values.items() if value and value.strip()}


def env_target(start: Path | None = None) -> Path:
    """Where to write: the nearest existing .env (the one keys are read from), else ./.env.

    Creating ./.env when a parent folder already has one would hide that file's other keys,
    because only the nearest .env is read.
    """
    from .lookup import nearest_dotenv

    found, _ = nearest_dotenv(start)
    return found if found is not None else (start or Path.cwd()).resolve() / ".env"


def _format_line(variable: str, key: Secret) -> Revealed:
    """``NAME=key``: the one place a key becomes file text (a :class:`Revealed`, masked in any repr)."""
    if _PLAIN_VALUE.match(key.reveal()):
        return Revealed(f"{variable}={key.reveal()}\n")
    quote = "'" if "'" not in key.reveal() else '"'
    return Revealed(f"{variable}={quote}{key.reveal()}{quote}\n")


def write_key(variable: str, key: str | Secret, path: Path | None = None) -> Path:
    """Set ``variable=key`` in a .env file (replacing an earlier line), readable by the owner only.

    The file is written to a temporary file and renamed, so a crash never leaves half a
    .env; the result has mode 0600 even if the old file was world-readable.
    """
    key = Secret(key)
    path = (path or env_target()).resolve()  # a symlinked .env: write the file it points to
    lines: list[str] = []
    if path.exists():
        lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    pattern = re.compile(rf"^\s*(export\s+)?{re.escape(variable)}\s*=")
    replaced = False
    new_lines: list[str] = []
    for line in lines:
        if pattern.match(line):
            if not replaced:
                new_lines.append(_format_line(variable, key))
                replaced = True
            continue  # a second definition would win when read: drop it
        new_lines.append(line)
    if not replaced:
        if new_lines and not new_lines[-1].endswith("\n"):
            new_lines[-1] += "\n"
        new_lines.append(_format_line(variable, key))
    descriptor, temporary = tempfile.mkstemp(prefix=".env.", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.writelines(new_lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# -- git -----------------------------------------------------------------------------------------
def _git(args: list[str], folder: Path) -> subprocess.CompletedProcess[str] | None:
    if shutil.which("git") is None:
        return None
    try:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None


def git_root(folder: Path) -> Path | None:
    """The top of the git checkout holding ``folder``, or None."""
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return Path(done.stdout.strip()).resolve()
    if done is not None and done.returncode != 0 and "not a git repository" in done.stderr:
        return None
    for candidate in (folder.resolve(), *folder.resolve().parents):  # git missing: look for .git
        if (candidate / ".git").exists():
            return candidate
    return None


def is_ignored(path: Path) -> bool:
    """True if git ignores ``path`` (``git check-ignore``, or the .gitignore files if git is missing)."""
    path = path.resolve()
    done = _git(["check-ignore", "-q", "--", str(path)], path.parent)
    if done is not None and done.returncode in (0, 1):
        return done.returncode == 0
    root = git_root(path.parent) or path.parent
    ignored = False
    folders = [folder for folder in (path.parent, *path.parent.parents) if folder == root or root in folder.parents]
    for folder in reversed(folders):  # outer .gitignore first; nearer files and later lines win
        rules = folder / ".gitignore"
        if rules.is_file():
            lines = rules.read_text(encoding="utf-8", errors="replace").splitlines()
            ignored = _verdict(lines, path.relative_to(folder).as_posix(), path.name, ignored)
    return ignored


def _verdict(lines: list[str], relative: str, name: str, ignored: bool) -> bool:
    """Whether one .gitignore's lines ignore a path (``ignored``: the verdict of the files above it)."""
    for line in (line.strip() for line in lines):
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = (line[1:] if negate else line).rstrip("/")
        anchored = pattern.startswith("/") or "/" in pattern.strip("*/")
        pattern = pattern.lstrip("/").removeprefix("**/")
        if fnmatch(relative if anchored else name, pattern):
            ignored = not negate
    return ignored


def is_tracked(path: Path) -> bool:
    """True if ``path`` is already committed or staged: ignoring it then no longer helps."""
    path = path.resolve()
    done = _git(["ls-files", "--error-unmatch", "--", str(path)], path.parent)
    return done is not None and done.returncode == 0


def add_to_gitignore(path: Path) -> Path:
    """Add the .env's name to the .gitignore next to it; returns that .gitignore."""
    path = path.resolve()
    rules = path.parent / ".gitignore"
    existing = rules.read_text(encoding="utf-8", errors="replace") if rules.exists() else ""
    if path.name not in {line.strip().lstrip("/") for line in existing.splitlines()}:
        separator = "" if not existing or existing.endswith("\n") else "\n"
        with rules.open("a", encoding="utf-8") as handle:
            handle.write(f"{separator}{path.name}\n")
    return rules


# -- saving a provider's key ---------------------------------------------------------------------
@dataclass(frozen=True)
class EnvWrite:
    """What writing a key into .env did, and what the user should know about it."""

    path: Path
    variable: str
    #: the same variable is set in the environment, which wins over .env after a restart
    shadowed: bool
    #: the .env is in a git checkout and not ignored
    exposed: bool
    #: the .env is already committed or staged
    tracked: bool

    def messages(self) -> list[Text]:
        said = [Text(f"Written to {self.path} as {self.variable} (readable by you only, mode 600).",
                     f"已写入 {self.path}，变量名 {self.variable}（仅本人可读，权限 600）。")]
        if self.shadowed:
            said.append(Text(f"{self.variable} is also set in the environment, which takes precedence over .env.",
                             f"环境变量中也设置了 {self.variable}，它的优先级高于 .env。"))
        if self.tracked:
            said.append(Text(f"{self.path.name} is already committed to git: remove it with "
                             f"`git rm --cached {self.path.name}`, and create a new key if the commit was pushed.",
                             f"{self.path.name} 已经提交到 git：请用 `git rm --cached {self.path.name}` 移除它；"
                             "如果已经推送，请重新创建一个 Key。"))
        elif self.exposed:
            said.append(Text(f"This folder is a git checkout and {self.path.name} is not in .gitignore: "
                             "a commit would publish the key.",
                             f"这个文件夹是 git 仓库，而 {self.path.name} 不在 .gitignore 中：提交后 Key 会被公开。"))
        return said


def save_provider_key(provider: Provider, key: str | Secret, path: Path | None = None) -> EnvWrite:
    """Write ``key`` into .env under the provider's variable: the one the file already uses, else the first."""
    path = (path or env_target()).resolve()
    variable = provider.key_vars[0]
    if path.is_file():
        from .lookup import read_dotenv

        present = read_dotenv(path)
        variable = next((name for name in provider.key_vars if name in present), variable)
    write_key(variable, key, path)
    in_git = git_root(path.parent) is not None
    return EnvWrite(path=path, variable=variable, shadowed=bool(os.environ.get(variable, "").strip()),
                    exposed=in_git and not is_ignored(path), tracked=in_git and is_tracked(path))
