"""Git's view of a .env: is this folder a checkout, does git ignore the file, is it committed.

``add_to_gitignore`` refuses a ``.gitignore`` that is a symbolic link (git does not read one, so
writing through it would claim a protection that does not exist) and checks with git afterwards
that the file really is ignored.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from fnmatch import fnmatch
from pathlib import Path

from ..errors import ConfigurationError
from ..i18n import Text


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
        if _regular(rules):  # git reads neither a symlinked .gitignore nor a FIFO (reading it would block)
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


def _regular(path: Path) -> bool:
    """A plain file, not a symbolic link (checked without opening: a FIFO would block)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _refuse_gitignore(rules: Path, en: str, zh: str) -> ConfigurationError:
    return ConfigurationError(
        Text(f"{rules} {en}", f"{rules} {zh}"),
        hint=Text(f"Replace it with an ordinary file, or add the line by hand and check it with "
                  f"git check-ignore -v {rules.parent / '.env'}.",
                  f"请把它换成普通文件，或手动加上这一行，再用 git check-ignore -v {rules.parent / '.env'} 检查。"))


def add_to_gitignore(path: Path) -> Path:
    """Add the .env's name to the .gitignore next to it; returns that .gitignore.

    Refused for a .gitignore that is a symbolic link or not a plain file; when git is there, it
    is asked afterwards, so success is never claimed for a file git still does not ignore.
    """
    path = path.absolute()
    rules = path.parent / ".gitignore"
    if os.path.islink(rules):
        raise _refuse_gitignore(rules, "is a symbolic link: git does not read it, so nothing would be ignored; "
                                       "it was not changed.",
                                "是一个符号链接：git 不会读取它，写进去也不会忽略任何文件；它没有被修改。")
    if os.path.lexists(rules) and not _regular(rules):
        raise _refuse_gitignore(rules, "is not an ordinary file; it was not changed.", "不是普通文件；它没有被修改。")
    existing = rules.read_text(encoding="utf-8", errors="replace") if rules.exists() else ""
    if path.name not in {line.strip().lstrip("/") for line in existing.splitlines()}:
        separator = "" if not existing or existing.endswith("\n") else "\n"
        with rules.open("a", encoding="utf-8") as handle:
            handle.write(f"{separator}{path.name}\n")
    done = _git(["check-ignore", "-q", "--", str(path)], path.parent)
    if done is not None and done.returncode == 1:  # git answered, and the file is still not ignored
        raise _refuse_gitignore(rules, f"now lists {path.name}, but git still does not ignore it "
                                       "(a later rule such as !.env may bring it back).",
                                f"已经写入 {path.name}，但 git 仍然没有忽略它"
                                "（后面的规则，例如 !.env，可能又把它包含了回来）。")
    return rules
