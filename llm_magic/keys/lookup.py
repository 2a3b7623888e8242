"""Find a provider's key: entered in this kernel, the environment, Colab Secrets, then the nearest .env.

Keys live only in this process's memory: ``.env`` values are read without being copied into
``os.environ``, so a child process or a printed ``os.environ`` never shows them. Nothing here
prints a key; ``KeyLookup``'s repr shows the mask.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError, MissingKeyError
from ..i18n import Text
from ..providers import Provider
from ..secrets import Secret, mask, remember
from .envfile import EnvFileWarning, EnvRead, read_env, skipped_dotenvs
from .envfile import dotenv_candidates as dotenv_candidates  # re-exported: their old home
from .envfile import nearest_dotenv as nearest_dotenv

#: ``KeyLookup.source`` for a key given in this kernel, for one from ``os.environ``, and for one
#: from Google Colab's Secrets panel; any other source is the path of the ``.env`` file it came from.
ENTERED = "entered here"
ENVIRONMENT = "environment"
COLAB = "colab secrets"

# provider name -> (key, file it was loaded from with %llm_key --env, or None when typed)
_session_keys: dict[str, tuple[Secret, Path | None]] = {}
_lock = threading.Lock()
# every value of a .env is kept as a Secret: which of them are keys is not ours to guess
_dotenv_cache: dict[Path, tuple[tuple[int, int, int], EnvRead]] = {}
_warned: set[str] = set()


@dataclass(frozen=True)
class KeyLookup:
    """Where a provider's key was found (or every place that was searched)."""

    provider: str
    value: Secret | None = field(repr=False)
    source: str | None  # ENTERED, ENVIRONMENT, or the .env path
    variable: str | None
    variables: tuple[str, ...]
    env_files: tuple[Path, ...]
    #: the nearest .env (whether or not it holds one of ``variables``)
    dotenv: Path | None = None
    #: for a key entered here: the file ``%llm_key --env`` loaded it from (None when typed)
    loaded_from: Path | None = None
    #: why the nearest .env could not be read (UTF-16 without a BOM, too large…), if it could not
    dotenv_problem: Text | None = None

    @property
    def found(self) -> bool:
        return bool(self.value)

    @property
    def masked(self) -> str:
        return mask(self.value)

    def where(self) -> Text:
        """Where the key came from, in words a student reads: "环境变量 DEEPSEEK_API_KEY", "文件 /path/.env"."""
        if self.source == ENTERED and self.loaded_from is not None:
            return Text(f"loaded in this session from the file {self.loaded_from}",
                        f"本次会话从文件 {self.loaded_from} 载入")
        if self.source == ENTERED:
            return Text("typed in this session", "本次会话中输入")
        if self.source == ENVIRONMENT:
            return Text(f"the environment variable {self.variable}", f"环境变量 {self.variable}")
        if self.source == COLAB:
            return Text(f"the Colab secret {self.variable}", f"Colab Secrets 中的 {self.variable}")
        if self.source:
            return Text(f"the file {self.source} ({self.variable})", f"文件 {self.source}（{self.variable}）")
        return Text("nowhere yet", "还没有设置")

    def came_from(self) -> Text:
        """"from the environment variable X" / "来自环境变量 X" (a space before Latin letters)."""
        where = self.where()
        if self.source == ENTERED and self.loaded_from is None:
            return where  # "typed in this session": no "from"
        return Text(f"from {where.en}", "来自" + (" " if where.zh[:1].isascii() else "") + where.zh)

    def __repr__(self) -> str:
        return (f"KeyLookup(provider={self.provider!r}, found={self.found}, source={self.source!r}, "
                f"variable={self.variable!r}, key={self.masked!r})")


def clean_key(key: str | Secret | None, provider: Provider | None = None) -> Secret:
    """Strip surrounding whitespace; refuse a key with inner whitespace, control or non-ASCII characters.

    The key is a :class:`Secret` from the first line on: no frame here holds the bare string.
    """
    key = Secret(key or "")
    problem = None
    if not key:
        problem = Text("The key is empty.", "Key 是空的。")
    elif any(ch.isspace() for ch in key.reveal()):
        problem = Text("The key contains a space or a line break.", "Key 中间有空格或换行。")
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in key.reveal()):
        problem = Text("The key contains control characters.", "Key 中含有控制字符。")
    elif not key.reveal().isascii():
        problem = Text("The key contains non-ASCII characters "
                       "(perhaps a full-width letter or a Chinese punctuation mark).",
                       "Key 中含有非 ASCII 字符（可能混入了全角字母或中文标点）。")
    if problem:
        name = provider.name if provider else "PROVIDER"
        raise ConfigurationError(
            problem,
            hint=Text(f"Copy the key again from the provider's page and set it with %llm_key {name}; it was not sent.",
                      f"请从服务商页面重新复制 Key，再用 %llm_key {name} 设置；这个 Key 没有被发送。"),
            provider=provider.name if provider else None,
        )
    return key


def set_session_key(provider: Provider, key: str | Secret, *, loaded_from: Path | None = None) -> Secret:
    """Keep ``key`` for this kernel session only; returns the cleaned key."""
    key = clean_key(key, provider)
    remember(key)
    with _lock:
        _session_keys[provider.name] = (key, loaded_from)
    return key


def forget_session_key(provider: Provider) -> bool:
    """Drop a key entered in this session; True if there was one."""
    with _lock:
        return _session_keys.pop(provider.name, None) is not None


def clear_session_keys() -> None:
    """Drop every key entered in this session (tests, ``%unload_ext``)."""
    with _lock:
        _session_keys.clear()


def read_dotenv(path: Path) -> dict[str, Secret]:
    """Values of a ``.env`` (or ``.Renviron``) file, re-read only when the file changed.

    ``envfile.read_env`` reads it (bounded, never blocking); a file it cannot read reads as
    empty here, with a warning once (``%llm_key --env`` reports it as an error instead). The
    signature includes the inode because editors save by writing a new file and renaming it.
    """
    return _read_dotenv(path).values


def _read_dotenv(path: Path) -> EnvRead:
    try:
        stat = path.stat()
    except OSError:
        return EnvRead(path, {})
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _dotenv_cache.get(path)
    if cached and cached[0] == signature:
        return cached[1]
    found = read_env(path)
    if found.problem is not None:
        _warn(found.problem)
    _dotenv_cache[path] = (signature, found)
    return found


def _warn(problem: Text) -> None:
    """Say once per problem that a .env was skipped: the lookup goes on without it."""
    if problem.en not in _warned:
        _warned.add(problem.en)
        warnings.warn(str(problem), EnvFileWarning, stacklevel=3)


def lookup_key(provider: Provider) -> KeyLookup:
    """Where the key for ``provider`` comes from, in order: this session, environment, .env."""
    variables = provider.key_vars
    with _lock:
        entered, loaded_from = _session_keys.get(provider.name, (None, None))
    if entered:
        return KeyLookup(provider.name, entered, ENTERED, None, variables, (), loaded_from=loaded_from)
    for variable in variables:
        value = Secret(os.environ.get(variable, ""))
        if value:
            return KeyLookup(provider.name, value, ENVIRONMENT, variable, variables, ())
    secret = colab_secret(variables)
    if secret is not None:
        return KeyLookup(provider.name, secret[1], COLAB, secret[0], variables, ())
    path, searched = nearest_dotenv()
    for skipped in skipped_dotenvs(searched):
        _warn(Text(f"{skipped} is not an ordinary file (a FIFO, a device or a folder); it was skipped.",
                   f"{skipped} 不是普通文件（可能是管道、设备或文件夹），已跳过。"))
    problem = None
    if path is not None:
        found = _read_dotenv(path)
        problem = found.problem
        for variable in variables:
            if found.values.get(variable):
                return KeyLookup(provider.name, found.values[variable], str(path), variable, variables,
                                 searched, dotenv=path)
    return KeyLookup(provider.name, None, None, None, variables, searched, dotenv=path, dotenv_problem=problem)


def colab_secret(variables: tuple[str, ...]) -> tuple[str, Secret] | None:
    """``(variable, key)`` from Google Colab's Secrets panel (the 🔑 in its sidebar), in Colab only.

    A secret the notebook may not read (its "Notebook access" switch is off) is skipped, as is
    one that does not exist; nothing is copied into ``os.environ``.
    """
    userdata = _colab_userdata()
    if userdata is None:
        return None
    for variable in variables:
        try:
            value = userdata.get(variable)
        except Exception:  # SecretNotFoundError, NotebookAccessError, a timeout: this variable is not there
            continue
        if isinstance(value, str) and value.strip():
            remember(value.strip())
            return variable, Secret(value)
    return None


def _colab_userdata() -> Any:
    """``google.colab.userdata`` inside Colab, else None.

    Outside Colab the import is tried once per process: keys are looked up on every call (the
    pasted-key check), and a missing package costs a search of the whole ``sys.path`` each time.
    """
    if "google.colab" not in sys.modules and not _colab_importable():
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]  # only inside Colab
    except ImportError:
        return None
    return userdata


@functools.cache
def _colab_importable() -> bool:
    try:
        import google.colab  # type: ignore[import-not-found]  # noqa: F401  # only inside Colab
    except ImportError:
        return False
    return True


def _in_colab() -> bool:
    return _colab_userdata() is not None


def searched_text(found: KeyLookup) -> Text:
    """Where a key was looked for, in words: the variables, Colab Secrets, and the .env file or the folders searched."""
    en_vars, zh_vars = ", ".join(found.variables) or "—", "、".join(found.variables) or "—"
    colab = Text(" and in Colab Secrets", "、Colab Secrets") if _in_colab() else Text("", "")
    if found.dotenv_problem is not None:
        return Text(f"looked at {en_vars} in the environment{colab.en}; {found.dotenv_problem.en}",
                    f"已查找环境变量 {zh_vars}{colab.zh}；{found.dotenv_problem.zh}")
    if found.dotenv is not None:
        return Text(f"looked at {en_vars} in the environment{colab.en} and in {found.dotenv} (which has none of them)",
                    f"已查找环境变量 {zh_vars}{colab.zh}，以及 {found.dotenv}（其中没有这些变量）")
    folder = found.env_files[0].parent if found.env_files else Path.cwd()
    return Text(f"looked at {en_vars} in the environment{colab.en}; there is no .env file in {folder} "
                "or any folder above it",
                f"已查找环境变量 {zh_vars}{colab.zh}；{folder} 及其上层文件夹中都没有 .env 文件")


def require_key(provider: Provider) -> Secret:
    """The key for ``provider``, cleaned; MissingKeyError says everywhere that was searched."""
    found = lookup_key(provider)
    if found.value:
        key = clean_key(found.value, provider)
        remember(key)
        return key
    where = searched_text(found)
    raise MissingKeyError(
        Text(f"No key for {provider.display_name}: {where.en}.",
             f"没有找到 {provider.display_name} 的 Key：{where.zh}。"),
        hint=provider.key_hint(),
        provider=provider.name,
    )


def key_source(provider: Provider, key: Secret | None) -> Text | None:
    """Where ``key`` (the one a call sent) came from, in words that tell a student which one to fix."""
    if not key:
        return None
    found = lookup_key(provider)
    if not found.value or found.value != key:
        return Text("This key was given to the call directly (key=…).", "这个 Key 是调用时直接传入的（key=…）。")
    if found.source == ENTERED:
        if found.loaded_from is not None:
            return Text(f"This key was loaded with %llm_key --env from {found.loaded_from}.",
                        f"这个 Key 是用 %llm_key --env 从 {found.loaded_from} 载入的。")
        return Text(f"This key was entered in this session with %llm_key {provider.name}.",
                    f"这个 Key 是本次会话中用 %llm_key {provider.name} 输入的。")
    if found.source == ENVIRONMENT:
        return Text(f"This key comes from the environment variable {found.variable}.",
                    f"这个 Key 来自环境变量 {found.variable}。")
    return Text(f"This key comes from {found.variable} in the .env file {found.source}.",
                f"这个 Key 来自 .env 文件 {found.source} 中的 {found.variable}。")


def every_key() -> list[Secret]:
    """Every key this kernel could use, for any registered provider: to recognise one pasted into a prompt.

    One pass over the sources, not a lookup per provider, since every call is checked: the keys
    entered in this session, each provider's variables in the environment and in Colab Secrets,
    and in the nearest ``.env`` (a key shadowed by another source still counts).
    """
    from ..providers import get_provider, provider_names

    groups = [get_provider(name).key_vars for name in provider_names()]
    variables = [variable for group in groups for variable in group]
    with _lock:
        found = [key for key, _ in _session_keys.values()]
    found += [Secret(os.environ.get(variable, "")) for variable in variables]
    found += _colab_keys(groups) + _dotenv_keys(variables)
    return [key for key in found if key]


def _colab_keys(groups: list[tuple[str, ...]]) -> list[Secret]:
    if _colab_userdata() is None:
        return []
    return [secret[1] for secret in map(colab_secret, groups) if secret is not None]


def _dotenv_keys(variables: list[str]) -> list[Secret]:
    path, _ = nearest_dotenv()
    if path is None:
        return []
    values = _read_dotenv(path).values
    return [values[variable] for variable in variables if values.get(variable)]
