"""The ``%llm_key`` status table: each provider, where its key comes from, masked; HTML and text."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ..i18n import Text, get_language
from ..keys.lookup import ENTERED, ENVIRONMENT, KeyLookup, lookup_key, nearest_dotenv
from ..providers import Provider, get_provider, provider_names

_HEADERS = (Text("Provider", "服务商"), Text("Variables", "环境变量"), Text("Key", "Key"),
            Text("Source", "来源"))
_NO_KEY_NEEDED = Text("no key needed", "不需要 Key")
_MISSING = Text("not set", "未设置")


def say(text: Text) -> str:
    """A Text on one line: with language "both" the two versions are joined by " / "."""
    if get_language() == "both" and text.en != text.zh:
        return f"{text.zh} / {text.en}"
    return str(text)


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
        if found.source == ENTERED:
            if found.loaded_from is not None:
                return say(Text(f"entered here, from {found.loaded_from}", f"本会话载入，来自 {found.loaded_from}"))
            return say(Text("entered here", "本会话输入"))
        if found.source == ENVIRONMENT:
            return say(Text(f"environment ({found.variable})", f"环境变量（{found.variable}）"))
        return f"{found.source} ({found.variable})"


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
                   "设置 Key：%llm_key 服务商（密码框）· 检查：%llm_key 服务商 --check · 从文件载入：%llm_key --env 路径")
        return f"{say(where)}\n{say(how)}"

    def text(self) -> str:
        table = [[say(h) for h in _HEADERS], *self._cells()]
        widths = [max(_width(line[i]) for line in table) for i in range(len(_HEADERS))]
        lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(line, widths)).rstrip()
                 for line in table]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(lines) + "\n\n" + self.footer()

    def html(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(say(h))}</th>" for h in _HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(cell)}</code></td>" if i in (1, 2)
                             else f"<td style='text-align:left'>{html.escape(cell)}</td>"
                             for i, cell in enumerate(cells)) + "</tr>"
            for cells in self._cells())
        footer = "<br>".join(html.escape(line) for line in self.footer().splitlines())
        return (f"<table class='llm-key-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p style='font-size:smaller'>{footer}</p>")

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
