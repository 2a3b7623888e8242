"""``%llm_history``, ``%llm_reset``, ``%llm_models`` and ``%llm_usage``: thin magics over the feature modules.

Each magic displays one object with both an HTML and a text form, so a notebook shows a table
and a terminal shows plain text. The feature modules are imported when a magic runs, so
``%load_ext`` stays nearly free.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..i18n import Text

_UNKNOWN = Text("unknown", "未知")


def _width(text: str) -> int:
    """Columns a terminal uses: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class _Table:
    """A titled table with an optional note: ``_repr_html_`` for notebooks, ``repr`` for terminals."""

    def __init__(self, title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = "",
                 bold_rows: Sequence[int] = ()) -> None:
        self.title, self.header, self.rows, self.note = title, list(header), [list(r) for r in rows], note
        self.bold_rows = set(bold_rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join((f"<td><b>{html.escape(c)}</b></td>" if i in self.bold_rows else f"<td>{html.escape(c)}</td>")
                             for c in row) + "</tr>" for i, row in enumerate(self.rows))
        note = f"<p><small>{html.escape(self.note)}</small></p>" if self.note else ""
        return f"<div class='llm-magic-table'><b>{html.escape(self.title)}</b><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>"

    def __repr__(self) -> str:
        widths = [max(_width(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = [self.title] + ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip()
                                for row in [self.header, *self.rows]]
        return "\n".join(lines + ([self.note] if self.note else []))

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


class _Transcript:
    """A conversation: HTML with roles in bold, text as a plain transcript."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _repr_html_(self) -> str:
        from . import conversation

        found = conversation.store.get(self.name)
        if not found or not found.messages:
            return f"<p>{html.escape(conversation.show(self.name))}</p>"
        title = Text(f"Conversation {self.name!r} (turns: {found.turns})", f"对话 {self.name!r}（{found.turns} 轮）")
        parts = [f"<b>{html.escape(str(title))}</b>"]
        for message in found.messages:
            who = str(Text("You", "你")) if message["role"] == "user" else (found.model or self.name)
            parts.append(f"<p><b>{html.escape(who)}:</b><br><span style='white-space:pre-wrap'>"
                         f"{html.escape(message['content'])}</span></p>")
        return "<div class='llm-magic-history'>" + "".join(parts) + "</div>"

    def __repr__(self) -> str:
        from . import conversation

        return conversation.show(self.name)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


def _money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return str(_UNKNOWN)
    return f"{amount:.4f} {currency}" if currency else f"{amount:.4f}"


def usage_table() -> _Table:
    """The session's calls, tokens and estimated cost per provider and model."""
    from ..engine import usage

    rows = usage.ledger.summary()
    header = [str(t) for t in (Text("provider", "服务商"), Text("model", "模型"), Text("calls", "调用次数"),
                               Text("tokens in", "输入 token"), Text("tokens out", "输出 token"),
                               Text("estimated cost", "估算费用"))]
    body = []
    for row in rows:
        calls = f"{row.calls}" + (f" ({row.calls_without_usage} ?)" if row.calls_without_usage else "")
        body.append([row.provider, row.model, calls, f"{row.prompt_tokens:,}", f"{row.completion_tokens:,}",
                     _money(row.cost, row.currency)])
    totals: dict[str | None, float] = {}
    unknown = any(row.cost is None for row in rows)
    for row in rows:
        if row.cost is not None:
            totals[row.currency] = totals.get(row.currency, 0.0) + row.cost
    if rows:
        if len(totals) > 1:
            totals.pop(None, 0.0)  # free calls add nothing to a total in a currency
        cost = " + ".join(_money(v, k) for k, v in totals.items())
        if unknown:
            cost = f"{cost} + {_UNKNOWN}" if cost else str(_UNKNOWN)
        body.append([str(Text("total", "合计")), "", str(sum(r.calls for r in rows)),
                     f"{sum(r.prompt_tokens for r in rows):,}", f"{sum(r.completion_tokens for r in rows):,}", cost])
    note = Text("Costs are estimates from llm_magic.prices (per million tokens); 'unknown' means no price is set there.",
                "费用按 llm_magic.prices 中的单价（每百万 token）估算；“未知”表示那里没有填写价格。")
    if any(r.calls_without_usage for r in rows):
        note = note + Text("'?': calls whose reply reported no token usage.", "“?”：服务商没有返回 token 用量的调用次数。")
    limit = usage.limits.max_tokens_per_session
    if limit is not None:
        note = note + Text(f"Session limit: {usage.ledger.total_tokens:,} of {limit:,} tokens used.",
                           f"会话上限：已用 {usage.ledger.total_tokens:,} / {limit:,} 个 token。")
    if not rows:
        note = Text("No calls yet in this session.", "本次会话还没有调用。")
    return _Table(str(Text("LLM usage in this session", "本次会话的用量")), header, body, str(note),
                  bold_rows=[len(body) - 1] if rows else [])


def models_table(provider: str, refresh: bool = False) -> _Table:
    """The provider's models, the default one marked."""
    from ..engine import catalog
    from ..providers import get_provider
    from ..engine.request import split_provider

    adapter = get_provider(split_provider(provider)[0])
    ids = catalog.models_for(adapter.name, refresh=refresh)
    default = adapter.default_model()
    mark = str(Text("default", "默认"))
    rows = [[model, f"★ {mark}" if model == default else ""] for model in ids]
    note = Text(f"Choose one with %%llm {adapter.name} -m MODEL.", f"用 %%llm {adapter.name} -m 模型名 选择。")
    if default and default not in ids:
        note = Text(f"The default model {default!r} is not in this list: choose another with -m, "
                    f"or set llm_magic.settings.models[{adapter.name!r}].",
                    f"默认模型 {default!r} 不在列表中：请用 -m 选择其他模型，或设置 llm_magic.settings.models[{adapter.name!r}]。") + note
    title = Text(f"{adapter.display_name}: {len(ids)} models", f"{adapter.display_name}：{len(ids)} 个模型")
    return _Table(str(title), [str(Text("model", "模型")), ""], rows, str(note),
                  bold_rows=[i for i, row in enumerate(rows) if row[1]])


@magics_class
class FeatureMagics(Magics):
    """Conversations, model lists and usage."""

    @magic_arguments()
    @argument("name", nargs="?", help="conversation name (default: every conversation)")
    @line_magic
    def llm_history(self, line: str = ""):
        """Show a conversation's history (what the next --chat call will send)."""
        from . import conversation

        args = parse_argstring(self.llm_history, line)
        names = [args.name] if args.name else conversation.names()
        if not names:
            print(Text("No conversations yet: use %%llm PROVIDER --chat.", "还没有对话：请使用 %%llm 服务商 --chat。"))
        for name in names:
            display(_Transcript(name))

    @magic_arguments()
    @argument("name", nargs="?", help="conversation name (default: every conversation)")
    @line_magic
    def llm_reset(self, line: str = ""):
        """Forget a conversation (or all of them): the next --chat call starts afresh."""
        from . import conversation

        args = parse_argstring(self.llm_reset, line)
        gone = conversation.reset(args.name)
        if args.name and not gone:
            print(Text(f"There was no conversation called {args.name!r}.", f"没有名为 {args.name!r} 的对话。"))
        elif gone:
            listed = ", ".join(gone)
            print(Text(f"Forgot: {listed}.", f"已清除：{listed}。"))
        else:
            print(Text("There were no conversations.", "当前没有对话。"))

    @magic_arguments()
    @argument("provider", help="provider name, e.g. deepseek, bailian, chatanywhere, huggingface")
    @argument("--refresh", action="store_true", help="fetch the list again instead of using this session's copy")
    @line_magic
    def llm_models(self, line: str = ""):
        """List the provider's models (GET /models), marking the default model."""
        args = parse_argstring(self.llm_models, line)
        display(models_table(args.provider, refresh=args.refresh))

    @magic_arguments()
    @argument("--reset", action="store_true", help="start counting again from zero")
    @line_magic
    def llm_usage(self, line: str = ""):
        """Calls, tokens in and out, and estimated cost per provider and model in this session."""
        from ..engine import usage

        args = parse_argstring(self.llm_usage, line)
        display(usage_table())
        if args.reset:
            usage.ledger.reset()
