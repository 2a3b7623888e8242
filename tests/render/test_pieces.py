"""Where a growing answer may be cut: every piece renders on its own, and together they are the text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from llm_magic.render.pieces import FORCE_CHARS, Cutter


def cut_all(text: str, step: int = 5, every: int = 30, mode: str = "markdown") -> list[tuple[str, str, str]]:
    """Feed ``text`` ``step`` characters at a time, cutting whenever a cut exists and the open
    text is longer than ``every``; returns (reopen, text, close) per piece."""
    cutter, buffer, reopen, pieces = Cutter(mode), "", "", []
    for start in range(0, len(text), step):
        buffer += text[start:start + step]
        cutter.scan(buffer)
        if len(buffer) > every:
            cut = cutter.latest(buffer) or (cutter.forced(buffer) if len(buffer) > FORCE_CHARS else None)
            if cut is not None:
                pieces.append((reopen, buffer[:cut.at], cut.close))
                buffer, reopen = buffer[cut.at:], cut.reopen
                cutter.shift(cut.at)
    pieces.append((reopen, buffer, cutter.closing()))
    return pieces


def rendered(pieces: list[tuple[str, str, str]]) -> list[str]:
    return [reopen + body + close for reopen, body, close in pieces]


BLOCKS = st.sampled_from([
    "# Heading\n", "Plain words and more words.\n", "A line with `code. span` and $x. y$ in it.\n",
    "- item one\n- item two\n  continued\n", "1. first\n2. second\n", "> quoted line\n> more\n",
    "```python\nx = 1\n\ny = 2\n```\n", "~~~\ncode ~~~ inside\n~~~\n", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n",
    "$$\na = b\n\nc\n$$\n", "    indented code\n    more\n", "See [a link. here](https://x.org/a. b) ok.\n",
    "机器学习让计算机从数据中学习。它很有用！\n", "\n", "\n\n",
])


@given(st.lists(BLOCKS, max_size=12), st.integers(1, 13), st.integers(0, 60))
@settings(max_examples=150, deadline=None)
def test_pieces_are_the_text_and_each_is_whole(blocks, step, every):
    text = "".join(blocks)
    pieces = cut_all(text, step, every)
    assert "".join(body for _, body, _ in pieces) == text
    for piece in rendered(pieces):
        fences = [line for line in piece.splitlines() if re.match(r" {0,3}(```|~~~)", line)]
        assert len(fences) % 2 == 0, piece  # no piece leaves a code block open
        assert piece.count("$$") % 2 == 0, piece


PROSE = st.sampled_from([
    "Plain words and more words. ", "A line with `code. span` and $x. y$ in it. ",
    "See [a link. here](https://x.org/a. b) ok. ",
    "Two ``ticks ` ` inside. `` done. ", "An escaped \\$ dollar. ", "\n", "\n\n", "- item with `a. b` code\n",
])


@given(st.lists(PROSE, max_size=30), st.integers(1, 13))
@settings(max_examples=150, deadline=None)
def test_no_cut_inside_an_inline_span(blocks, step):
    text = "".join(blocks)
    for _, body, _ in cut_all(text, step, every=0)[:-1]:
        assert body.count("`") % 2 == 0 and body.replace("\\$", "").count("$") % 2 == 0, body
        assert body.count("[") == body.count("]") and body.count("](") == body.count(") "), body


def test_a_long_code_block_is_cut_at_lines_and_each_piece_is_a_code_block():
    code = "```python\n" + "".join(f"x{i} = {i}\n" for i in range(200)) + "```\n"
    pieces = rendered(cut_all(code, step=7, every=100))
    assert len(pieces) > 10
    assert all(piece.startswith("```python\n") for piece in pieces[:-1])
    assert all(piece.endswith("```\n") for piece in pieces)
    assert not any(piece == "```python\n```\n" for piece in pieces)  # no empty block


def test_table_pieces_repeat_the_header():
    table = "| a | b |\n|---|---|\n" + "".join(f"| {i} | {i * i} |\n" for i in range(40))
    pieces = rendered(cut_all(table, step=3, every=60))
    assert len(pieces) > 3
    assert all(piece.startswith("| a | b |\n|---|---|\n| ") for piece in pieces)


def test_a_long_paragraph_is_cut_after_sentences():
    sentence = "The model streams tokens into the cell. "
    pieces = cut_all(sentence * 100, step=4, every=300)
    assert len(pieces) > 5
    assert all(body.endswith(". ") for _, body, _ in pieces[:-1])


def test_chinese_sentences_are_cut_after_full_stops():
    pieces = cut_all("机器学习让计算机从数据中学习规律，并做出预测。" * 40, step=3, every=250)
    assert len(pieces) > 3 and all(body.endswith("。") for _, body, _ in pieces[:-1])


def test_no_cut_in_prose_before_a_line_that_may_underline_a_heading():
    for underline in ("===\n", "---\n"):
        pieces = cut_all("Title line\n" + underline + "after\n", step=1, every=0)
        assert all(not body.startswith(underline) for _, body, _ in pieces)
    pieces = cut_all("Intro line\n- item\n- item\n", step=1, every=0)
    assert any(body.startswith("- item") for _, body, _ in pieces)  # a list item may start a piece


def test_indented_lines_never_start_a_piece_in_a_list():
    text = "- item\n\n    paragraph of the item\n    more\n\nafter\n"
    for _, body, _ in cut_all(text, step=2, every=0):
        assert not body.startswith(" "), body


def test_one_enormous_line_is_forced_into_pieces():
    line = "x" * (FORCE_CHARS * 4)
    pieces = cut_all("```json\n" + line + "\n```\n", step=100, every=100)
    assert len(pieces) >= 3 and all(piece.startswith("```json\n") for piece in rendered(pieces)[:-1])
    assert "".join(body for _, body, _ in pieces) == "```json\n" + line + "\n```\n"


def test_code_and_text_modes_cut_at_every_line():
    for mode in ("code", "text"):
        pieces = cut_all("".join(f"line {i}\n" for i in range(50)), step=3, every=20, mode=mode)
        assert len(pieces) > 5 and all(body.endswith("\n") for _, body, _ in pieces[:-1])
