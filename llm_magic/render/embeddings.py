"""How ``%llm_embed`` shows vectors: one row per text (dimensions, first values), then the cosine
similarity of every pair, so "similar sentences are close" can be read off the table."""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import Text
from .table import Table

FIRST_VALUES = 4


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first(vector: Sequence[float]) -> str:
    shown = ", ".join(f"{value:.4f}" for value in vector[:FIRST_VALUES])
    return shown + (", …" if len(vector) > FIRST_VALUES else "")


def vectors_table(texts: Sequence[str], vectors: Sequence[Sequence[float]], provider: str, model: str) -> Table:
    header = ["#", str(Text("text", "文本")), str(Text("dimensions", "维度")), str(Text("first values", "前几个值"))]
    rows = [[str(index), _short(text), str(len(vector)), _first(vector)]
            for index, (text, vector) in enumerate(zip(texts, vectors, strict=True), 1)]
    title = Text(f"Embeddings from {provider} ({model})", f"{provider} 的向量（{model}）")
    return Table(header, rows, title=str(title), code_columns=(3,), rule=True)


def similarity_table(table: Sequence[Sequence[float]]) -> Table:
    """The cosine similarities; each row's closest other text is in bold."""
    size = len(table)
    header = [""] + [str(index) for index in range(1, size + 1)]
    rows = [[str(row + 1)] + [f"{value:.2f}" for value in table[row]] for row in range(size)]
    note = Text("Cosine similarity: 1.00 means the same direction, near 0 unrelated. "
                "Texts that mean similar things score higher.",
                "余弦相似度：1.00 表示方向相同，接近 0 表示无关。意思相近的文本得分更高。")
    title = Text("Cosine similarity between the texts", "文本之间的余弦相似度")
    return Table(header, rows, title=str(title), note=str(note), rule=True)
