"""``%llm_history``, ``%llm_reset``, ``%llm_models``, ``%llm_usage`` and ``%llm_embed``: thin magics over the
feature modules.

Each magic displays one object with both an HTML and a text form, so a notebook shows a table
and a terminal shows plain text. The feature modules are imported when a magic runs, so
``%load_ext`` stays nearly free.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display

from ..config import settings
from ..i18n import Text
from ..markup import escape_text
from ..render.table import Table
from .line import parse_line, parse_magic_line, split_line

if TYPE_CHECKING:
    from IPython.lib.pretty import RepresentationPrinter

    from ..engine.catalog import ModelInfo
    from ..engine.usage import UsageRow
    from ..providers import Provider

_UNKNOWN = Text("unknown", "未知")


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
                         f"{escape_text(message['content'])}</span></p>")
        return "<div class='llm-magic-history'>" + "".join(parts) + "</div>"

    def __repr__(self) -> str:
        from . import conversation

        return conversation.show(self.name)

    def _repr_pretty_(self, printer: RepresentationPrinter, cycle: bool) -> None:
        printer.text(repr(self))


def _money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return str(_UNKNOWN)
    return f"{amount:.4f} {currency}" if currency else f"{amount:.4f}"


def usage_table() -> Table:
    """The session's calls, tokens and estimated cost per provider and model."""
    from ..engine import usage

    rows = usage.ledger.summary()
    header = [str(t) for t in (Text("provider", "服务商"), Text("model", "模型"), Text("calls", "调用次数"),
                               Text("tokens in", "输入 token"), Text("tokens out", "输出 token"),
                               Text("estimated cost", "估算费用"))]
    body = [_usage_row(row) for row in rows]
    if rows:
        body.append(_total_row(rows))
    return Table(header, body, title=str(Text("LLM usage in this session", "本次会话的用量")),
                 note=str(_usage_note(rows)), bold_rows=[len(body) - 1] if rows else [])


def _usage_row(row: UsageRow) -> list[str]:
    calls = f"{row.calls}" + (f" ({row.calls_without_usage} ?)" if row.calls_without_usage else "")
    calls += f" ({row.calls_estimated} ≈)" if row.calls_estimated else ""
    return [row.provider, row.model, calls, f"{row.prompt_tokens:,}", f"{row.completion_tokens:,}",
            _money(row.cost, row.currency)]


def _total_row(rows: list[UsageRow]) -> list[str]:
    """Totals; costs add up per currency, and an unknown price keeps the total partly unknown."""
    totals: dict[str | None, float] = {}
    for row in rows:
        if row.cost is not None:
            totals[row.currency] = totals.get(row.currency, 0.0) + row.cost
    if len(totals) > 1:
        totals.pop(None, 0.0)  # free calls add nothing to a total in a currency
    cost = " + ".join(_money(v, k) for k, v in totals.items())
    if any(row.cost is None for row in rows):
        cost = f"{cost} + {_UNKNOWN}" if cost else str(_UNKNOWN)
    return [str(Text("total", "合计")), "", str(sum(r.calls for r in rows)),
            f"{sum(r.prompt_tokens for r in rows):,}", f"{sum(r.completion_tokens for r in rows):,}", cost]


def _usage_note(rows: list[UsageRow]) -> Text:
    from ..engine import usage

    if not rows:
        return Text("No calls yet in this session.", "本次会话还没有调用。")
    note = Text("Costs are estimates from llm_magic.prices (per million tokens); "
                "'unknown' means no price is set there.",
                "费用按 llm_magic.prices 中的单价（每百万 token）估算；“未知”表示那里没有填写价格。")
    if any(r.calls_estimated for r in rows):
        note = note + Text("'≈': calls that ended early (cut or stopped with ■); their tokens are estimated.",
                           "“≈”：提前结束（被中断或用 ■ 停止）的调用，其 token 数为估算。")
    if any(r.calls_without_usage for r in rows):
        note = note + Text("'?': calls whose reply reported no token usage.",
                           "“?”：服务商没有返回 token 用量的调用次数。")
    limit = settings.max_tokens_per_session
    if limit is not None:
        note = note + Text(f"Session limit: {usage.ledger.total_tokens:,} of {limit:,} tokens used.",
                           f"会话上限：已用 {usage.ledger.total_tokens:,} / {limit:,} 个 token。")
    return note


def models_table(provider: str, refresh: bool = False) -> Table:
    """The provider's models: the default one marked, and those the provider retires with their dates."""
    from ..engine import catalog
    from ..engine.target import provider_of

    adapter = provider_of(provider)
    infos = catalog.model_infos(adapter, refresh=refresh)
    ids = [info.id for info in infos]
    default = adapter.default_model()
    rows = [[info.id, _model_status(adapter, info, default)] for info in infos]
    note = Text(f"Choose one with %%llm {adapter.name} -m MODEL.", f"用 %%llm {adapter.name} -m 模型名 选择。")
    if any("⚠" in row[1] for row in rows):
        note = note + Text("⚠: the provider shuts this model down on the date shown; choose the one after →.",
                           "⚠：服务商将在所示日期停用该模型；请改用 → 后面的模型。")
    if default and default not in ids:
        note = Text(f"The default model {default!r} is not in this list: choose another with -m, "
                    f"or set another default with %config LLMMagics.models = {{{adapter.name!r}: 'MODEL'}}.",
                    f"默认模型 {default!r} 不在列表中：请用 -m 选择其他模型，或用 %config LLMMagics.models = "
                    f"{{{adapter.name!r}: '模型名'}} 设置新的默认模型。") + note
    title = Text(f"{adapter.display_name}: {len(ids)} models", f"{adapter.display_name}：{len(ids)} 个模型")
    return Table([str(Text("model", "模型")), ""], rows, title=str(title), note=str(note),
                 bold_rows=[i for i, row in enumerate(rows) if row[0] == default])


def _model_status(adapter: Provider, info: ModelInfo, default: str) -> str:
    """``★ default``, and ``⚠ deprecated, shuts down 2026-12-11 → gpt-6.1-terra`` (the list's date first)."""
    marks = [f"★ {Text('default', '默认')}"] if info.id == default else []
    declared = adapter.retirement_of(info.id)
    day = info.shutdown or (declared.shutdown if declared else None)
    if day or info.deprecated:
        shown = Text(f"⚠ deprecated, shuts down {day}", f"⚠ 已弃用，{day} 停用") if day else Text(
            "⚠ deprecated", "⚠ 已弃用")
        instead = f" → {declared.replacement}" if declared and declared.replacement else ""
        marks.append(f"{shown}{instead}")
    return " · ".join(marks)


@magics_class
class FeatureMagics(Magics):
    """Conversations, model lists and usage."""

    @magic_arguments()
    @argument("name", nargs="?", help="conversation name (default: every conversation)")
    @line_magic
    def llm_history(self, line: str = "") -> None:
        """Show a conversation's history (what the next --chat call will send)."""
        from . import conversation

        args = parse_magic_line(self.llm_history, line, "%llm_history")
        names = [args.name] if args.name else conversation.names()
        if not names:
            print(Text("No conversations yet: use %%llm PROVIDER --chat.", "还没有对话：请使用 %%llm 服务商 --chat。"))
        for name in names:
            display(_Transcript(name))

    @magic_arguments()
    @argument("name", nargs="?", help="conversation name (default: every conversation)")
    @line_magic
    def llm_reset(self, line: str = "") -> None:
        """Forget a conversation (or all of them): the next --chat call starts afresh."""
        from . import conversation

        args = parse_magic_line(self.llm_reset, line, "%llm_reset")
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
    def llm_models(self, line: str = "") -> None:
        """List the provider's models (GET /models), marking the default model."""
        args = parse_magic_line(self.llm_models, line, "%llm_models")
        display(models_table(args.provider, refresh=args.refresh))

    @magic_arguments()
    @argument("--reset", action="store_true", help="start counting again from zero")
    @line_magic
    def llm_usage(self, line: str = "") -> None:
        """Calls, tokens in and out, and estimated cost per provider and model in this session."""
        from ..engine import usage

        args = parse_magic_line(self.llm_usage, line, "%llm_usage")
        display(usage_table())
        if args.reset:
            usage.ledger.reset()

    @no_var_expand
    @magic_arguments()
    @argument("provider", nargs="?", default="demo", help="PROVIDER or PROVIDER:MODEL (default: demo)")
    @argument("-m", "--model", help="embeddings model (default: the provider's, e.g. text-embedding-v4)")
    @argument("-o", "--out", metavar="NAME", help="also store the vectors (a list of lists) in the variable NAME")
    @line_cell_magic
    def llm_embed(self, line: str, cell: str | None = None) -> None:
        """Embed each line of the cell; show dimensions, first values and the cosine similarities.

        The vectors are kept in ``_llm_vectors`` (and in ``-o NAME``). Example / 示例::

            %%llm_embed demo
            我喜欢猫
            我很喜欢猫
            今天股市下跌了
        """
        if cell is None:
            line, cell = split_line(self.llm_embed.parser, line)
        args = parse_line(self.llm_embed.parser, line)
        texts = [text.strip() for text in cell.splitlines() if text.strip()]
        if not texts:
            raise UsageError(str(Text("Write one text per line in the cell (or after the provider).",
                                      "请在单元格里每行写一条文本（或写在服务商名之后）。")))
        if args.out is not None and not args.out.isidentifier():
            raise UsageError(f"-o needs a variable name, not {args.out!r}")
        vectors = _embed_and_show(args.provider, args.model, texts)
        self.shell.user_ns["_llm_vectors"] = vectors  # type: ignore[union-attr]  # set once registered
        if args.out:
            self.shell.user_ns[args.out] = vectors  # type: ignore[union-attr]


def _embed_and_show(spec: str, model: str | None, texts: list[str]) -> list[list[float]]:
    """Ask for the vectors (engine.embeddings, loaded now), then show them and their similarities."""
    from ..engine.embeddings import embed, embedding_model, similarities
    from ..engine.target import split_spec
    from ..providers import get_provider
    from ..render.embeddings import similarity_table, vectors_table

    name, in_spec = split_spec(spec)
    adapter = get_provider(name)
    chosen = embedding_model(adapter, model or in_spec)
    vectors = embed(adapter, texts, model=chosen)
    display(vectors_table(texts, vectors, adapter.display_name, chosen))
    if len(vectors) > 1:
        display(similarity_table(similarities(vectors)))
    return vectors
