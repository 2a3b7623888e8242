"""The ``%llm_key`` status table: each provider, where its key comes from, masked; HTML and text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import Text, say
from ..keys.lookup import KeyLookup, lookup_key, nearest_dotenv
from ..providers import Provider, get_provider, provider_names
from ..render.table import Table

_HEADERS = (Text("Provider", "服务商"), Text("Variables", "环境变量"), Text("Key", "Key"),
            Text("Source", "来源"))
_NO_KEY_NEEDED = Text("no key needed", "不需要 Key")
_MISSING = Text("not set", "未设置")


@dataclass(frozen=True)
class Row:
    provider: Provider
    lookup: KeyLookup | None  # None: the provider needs no key

    @property
    def status(self) -> str:
        if self.lookup is None:
            return "—"
        return f"✓ {self.lookup.masked}" if self.lookup.found else f"✗ {say(_MISSING)}"

    @property
    def source(self) -> str:
        found = self.lookup
        if found is None:
            return say(_NO_KEY_NEEDED)
        if not found.found:
            return f"%llm_key {self.provider.name}"
        return say(found.where())


def rows(names: list[str] | None = None) -> list[Row]:
    providers = [get_provider(name) for name in (names or provider_names())]
    return [Row(p, lookup_key(p) if p.needs_key else None) for p in providers]


class KeyTable:
    """Displayed by ``%llm_key``: HTML in a notebook, aligned text in a terminal. Keys only masked."""

    def __init__(self, names: list[str] | None = None, start: Path | None = None) -> None:
        self.rows = rows(names)
        self.dotenv, searched = nearest_dotenv(start)
        self.folder = searched[0].parent if searched else Path.cwd()

    def _cells(self) -> list[list[str]]:
        return [[row.provider.name, ", ".join(row.provider.key_vars) or "—", row.status, row.source]
                for row in self.rows]

    def footer(self) -> str:
        if self.dotenv is not None:
            where = Text(f".env in use: {self.dotenv}", f"使用的 .env：{self.dotenv}")
        else:
            where = Text(f"No .env file in {self.folder} or above.", f"{self.folder} 及其上层没有 .env 文件。")
        how = Text("Set a key: %llm_key PROVIDER (password box) · check it: %llm_key PROVIDER --check · "
                   "load a file: %llm_key --env PATH",
                   "设置 Key：%llm_key 服务商（密码框）· 检查：%llm_key 服务商 --check · "
                   "从文件载入：%llm_key --env 路径")
        return f"{say(where)}\n{say(how)}"

    def table(self) -> Table:
        return Table([say(h) for h in _HEADERS], self._cells(), note=self.footer(), code_columns=(1, 2), rule=True,
                     css_class="llm-key-table")

    def text(self) -> str:
        return self.table().text()

    def html(self) -> str:
        return self.table().html()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()
