"""``%llm_embed PROVIDER``: one text per line in, vectors and a similarity table out.

The engine's ``embed`` is imported when the magic runs, so ``%load_ext`` stays free.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments

from ..i18n import Text
from .line import parse_line, split_line


@magics_class
class EmbedMagics(Magics):
    """Embeddings from a cell: ``%%llm_embed bailian`` with one text per line."""

    @no_var_expand
    @magic_arguments()
    @argument("provider", nargs="?", default="demo", help="PROVIDER or PROVIDER:MODEL (default: demo).")
    @argument("-m", "--model", help="Embeddings model (default: the provider's, e.g. text-embedding-v4).")
    @argument("-o", "--out", metavar="NAME", help="Also store the vectors (a list of lists) in the variable NAME.")
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
        self._show(args.provider, args.model, texts, args.out)

    def _show(self, spec: str, model: str | None, texts: list[str], out: str | None) -> None:
        from IPython.display import display

        from ..engine.embeddings import embed, embedding_model, similarities
        from ..engine.target import split_spec
        from ..providers import get_provider
        from ..render.embeddings import similarity_table, vectors_table

        name, in_spec = split_spec(spec)
        adapter = get_provider(name)
        chosen = embedding_model(adapter, model or in_spec)
        vectors: list[list[float]] = embed(adapter, texts, model=chosen)
        self._store(vectors, out)
        display(vectors_table(texts, vectors, adapter.display_name, chosen))
        if len(vectors) > 1:
            display(similarity_table(similarities(vectors)))

    def _store(self, vectors: Any, out: str | None) -> None:
        self.shell.user_ns["_llm_vectors"] = vectors  # type: ignore[union-attr]  # set by IPython on registration
        if out:
            self.shell.user_ns[out] = vectors  # type: ignore[union-attr]
