"""The one reader and writer of .env files: read without blocking, write safely (0600), never through a link.

Reading is bounded (1 MiB), never blocks on a FIFO or a device, and understands UTF-8 with or
without a BOM and UTF-16 with a BOM (Windows Notepad). Writing refuses a .env that is a
symbolic link (the key would land wherever it points) or not an ordinary file.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..i18n import Text
from ..secrets import Revealed, Secret
from .git import add_to_gitignore as add_to_gitignore  # re-exported: callers import them from here
from .git import git_root as git_root
from .git import is_ignored as is_ignored
from .git import is_tracked as is_tracked

if TYPE_CHECKING:
    from ..providers import Provider

#: a .env holding keys is a few hundred bytes; nothing larger is read
MAX_ENV_BYTES = 1 << 20
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_\-.]+$")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class EnvFileWarning(UserWarning):
    """A file named .env was skipped: not a plain file, too large, or not text."""


@dataclass(frozen=True)
class EnvRead:
    """What reading one .env gave: its values (every one a Secret), or why it could not be read."""

    path: Path
    values: dict[str, Secret]
    problem: Text | None = None


def _skip(path: Path, en: str, zh: str) -> EnvRead:
    return EnvRead(path, {}, Text(f"{path} {en}", f"{path} {zh}"))


def _decode(raw: bytes) -> tuple[str | None, tuple[str, str] | None]:
    """The text of a .env: UTF-8 (with or without a BOM) or UTF-16 with a BOM (Windows Notepad)."""
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), "utf-8")
    if encoding == "utf-8" and len(raw) >= 8 and raw[1::2].count(0) > len(raw) // 4:  # ASCII as UTF-16-LE
        return None, ("looks like UTF-16 text without a byte-order mark; save it again as UTF-8.",
                      "看起来是没有 BOM 的 UTF-16 文本；请重新保存为 UTF-8 编码。")
    if encoding == "utf-8" and b"\0" in raw:
        return None, ("is not a .env file (it is binary).", "不是 .env 文件（是二进制文件）。")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None, ("is not UTF-8 text; save it again as UTF-8.", "不是 UTF-8 编码的文本；请重新保存为 UTF-8。")
    if "\0" in text:
        return None, ("is not a .env file (it is binary).", "不是 .env 文件（是二进制文件）。")
    return text, None


def _read_text(path: Path) -> tuple[str | None, tuple[str, str] | None]:
    """A .env's text, without ever blocking or reading more than ``MAX_ENV_BYTES``; or why not.

    The type is checked before opening (a FIFO would block ``open``, a device would never end)
    and again on the open descriptor (opened with ``O_NONBLOCK``), in case the file was swapped.
    """
    not_plain = ("is not an ordinary file (a FIFO, a device or a folder); it was skipped.",
                 "不是普通文件（可能是管道、设备或文件夹），已跳过。")
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None, not_plain
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return None, (f"cannot be read ({reason}).", f"无法读取（{reason}）。")
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None, not_plain
        raw = handle.read(MAX_ENV_BYTES + 1)
    if len(raw) > MAX_ENV_BYTES:
        return None, ("is larger than 1 MiB, too large for a .env; it was skipped.",
                      "超过 1 MiB，不可能是 .env 文件，已跳过。")
    return _decode(raw)


def read_env(path: Path) -> EnvRead:
    """The values of one .env (a symbolic link is followed for reading); never raises, never blocks."""
    text, problem = _read_text(path)
    if text is None:
        return _skip(path, *(problem or ("cannot be read.", "无法读取。")))
    from dotenv import dotenv_values  # imported on first use: keeps %load_ext fast

    values = dotenv_values(stream=io.StringIO(text))
    return EnvRead(path, {name: Secret(value) for name, value in values.items() if value and value.strip()})


def read_env_file(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Secret]]:
    """The variables of a ``.env`` or ``.Renviron`` file given by name; ConfigurationError if it cannot be one."""
    target = Path(os.path.expanduser(str(path))).absolute()
    if not os.path.lexists(target):
        problem: Text | None = Text(f"There is no file {target}.", f"文件 {target} 不存在。")
    else:
        found = read_env(target)
        problem = found.problem
    if problem is not None:
        raise ConfigurationError(
            problem,
            hint=Text("Give the path of a text file with lines like DEEPSEEK_API_KEY=sk-…, e.g. %llm_key --env ~/.env.",
                      "请给出一个文本文件的路径，文件中每行形如 DEEPSEEK_API_KEY=sk-…，例如 %llm_key --env ~/.env。"))
    return target.resolve(), found.values


def dotenv_candidates(start: Path | None = None) -> tuple[Path, ...]:
    """``.env`` paths from the working directory upwards, nearest first."""
    here = (start or Path.cwd()).resolve()
    return tuple(folder / ".env" for folder in (here, *here.parents))


def nearest_dotenv(start: Path | None = None) -> tuple[Path | None, tuple[Path, ...]]:
    """The nearest ``.env`` that is an ordinary file (or None) and every path looked at to find it.

    A FIFO, a device or a folder named .env is passed over (``skipped_dotenvs`` names them).
    """
    searched = []
    for path in dotenv_candidates(start):
        searched.append(path)
        if path.is_file():  # stat only: a FIFO is not opened here
            return path, tuple(searched)
    return None, tuple(searched)


def skipped_dotenvs(searched: tuple[Path, ...]) -> list[Path]:
    """The paths in ``searched`` that exist but are not ordinary files."""
    return [path for path in searched if os.path.lexists(path) and not path.is_file()]


def env_target(start: Path | None = None) -> Path:
    """Where to write: the nearest existing .env (the one keys are read from), else ./.env.

    Creating ./.env when a parent folder already has one would hide that file's other keys,
    because only the nearest .env is read.
    """
    found, _ = nearest_dotenv(start)
    return found if found is not None else (start or Path.cwd()).resolve() / ".env"


def _format_line(variable: str, key: Secret) -> Revealed:
    """``NAME=key``: the one place a key becomes file text (a :class:`Revealed`, masked in any repr)."""
    if _PLAIN_VALUE.match(key.reveal()):
        return Revealed(f"{variable}={key.reveal()}\n")
    quote = "'" if "'" not in key.reveal() else '"'
    return Revealed(f"{variable}={quote}{key.reveal()}{quote}\n")


def _existing_lines(path: Path) -> list[str]:
    """The lines of the .env about to be rewritten; refused for a link, a FIFO, a device or unreadable text."""
    if not os.path.lexists(path):
        return []
    problem: tuple[str, str] | None = None
    if os.path.islink(path):
        problem = (f"is a symbolic link (to {os.path.realpath(path)}): llm_magic does not write a key through "
                   "a link, where it would land in another file; nothing was written.",
                   f"是一个符号链接（指向 {os.path.realpath(path)}）：llm_magic 不会通过链接写入 Key，"
                   "否则 Key 会落到另一个文件里；没有写入任何内容。")
        text = None
    else:
        text, problem = _read_text(path)
    if text is None:
        en, zh = problem or ("cannot be read.", "无法读取。")
        raise ConfigurationError(
            Text(f"{path} {en}", f"{path} {zh}"),
            hint=Text("Write the key into an ordinary .env file, or keep it for this session only with %llm_key.",
                      "请把 Key 写进普通的 .env 文件，或用 %llm_key 只在本会话中使用。"))
    return text.splitlines(keepends=True)


def write_key(variable: str, key: str | Secret, path: Path | None = None) -> Path:
    """Set ``variable=key`` in a .env file (replacing an earlier line), readable by the owner only.

    The file is written to a temporary file and renamed, so a crash never leaves half a
    .env; the result has mode 0600 even if the old file was world-readable.
    """
    key = Secret(key)
    path = (path or env_target()).absolute()
    lines = _existing_lines(path)
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
        if os.name == "nt":  # Windows ignores Unix file modes: only the folder's place protects it
            said = [Text(f"Written to {self.path} as {self.variable}. Keep it in your own user folder: on Windows "
                         "anyone who can open that folder can read it.",
                         f"已写入 {self.path}，变量名 {self.variable}。请把它放在自己的用户文件夹里："
                         "在 Windows 上，能打开这个文件夹的人都能读到它。")]
        else:
            said = [Text(f"Written to {self.path} as {self.variable} (readable by you only, mode 600).",
                         f"已写入 {self.path}，变量名 {self.variable}（只有你自己能读，权限 600）。")]
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
    path = (path or env_target()).absolute()
    variable = provider.key_vars[0]
    if path.is_file() and not path.is_symlink():
        present = read_env(path).values
        variable = next((name for name in provider.key_vars if name in present), variable)
    write_key(variable, key, path)
    in_git = git_root(path.parent) is not None
    return EnvWrite(path=path, variable=variable, shadowed=bool(os.environ.get(variable, "").strip()),
                    exposed=in_git and not is_ignored(path), tracked=in_git and is_tracked(path))
