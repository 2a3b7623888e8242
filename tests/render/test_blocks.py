"""The block splitter of the live view: finished blocks end only where a boundary is certain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_magic.render.blocks import BlockSplitter, split


def blocks_of(text: str) -> list[str]:
    blocks, tail = split(text)
    assert "".join(blocks) + tail == text
    return blocks


@pytest.mark.parametrize("text, blocks, tail", [
    ("# Title\n\nPara one.\n\nPara two", ["# Title\n\n", "Para one.\n\n"], "Para two"),
    ("Para one.\n\n", [], "Para one.\n\n"),  # the next line is unknown yet
    ("Para\n\n\n\nNext", ["Para\n\n\n\n"], "Next"),
    ("\n\nLeading blank lines\n\nx", ["\n\nLeading blank lines\n\n"], "x"),
    ("a\r\n\r\nb", ["a\r\n\r\n"], "b"),
])
def test_paragraphs_end_at_a_blank_line_once_the_next_starts(text, blocks, tail):
    assert split(text) == (blocks, tail)


def test_never_inside_a_fence():
    text = "```python\nx = 1\n\n\ny = 2\n```\n\nafter\n\nz"
    assert blocks_of(text) == ["```python\nx = 1\n\n\ny = 2\n```\n\n", "after\n\n"]
    assert blocks_of("```python\nx = 1\n\ny = 2\n") == []  # still open
    assert blocks_of("~~~\na\n\n```\nb\n\n~~~\n\nc") == ["~~~\na\n\n```\nb\n\n~~~\n\n"]  # ``` does not close ~~~
    assert blocks_of("````md\n```\n\n```\n````\n\nx") == ["````md\n```\n\n```\n````\n\n"]


def test_inline_code_at_line_start_is_not_a_fence():
    assert blocks_of("```x``` is code\n\nnext\n\nz") == ["```x``` is code\n\n", "next\n\n"]


def test_fence_inside_a_list_item():
    text = "1. step\n\n   ```bash\n   ls\n\n   pwd\n   ```\n\n2. next\n\nDone.\n\nz"
    assert blocks_of(text) == ["1. step\n\n   ```bash\n   ls\n\n   pwd\n   ```\n\n2. next\n\n", "Done.\n\n"]


def test_never_inside_display_math():
    assert blocks_of("$$\na = b\n\nc = d\n$$\n\nok\n\nz") == ["$$\na = b\n\nc = d\n$$\n\n", "ok\n\n"]
    assert blocks_of("$$x$$ inline both ends\n\nnext\n\nz") == ["$$x$$ inline both ends\n\n", "next\n\n"]
    assert blocks_of("\\[\nx\n\ny\n\\]\n\nok\n\nz") == ["\\[\nx\n\ny\n\\]\n\n", "ok\n\n"]


def test_never_inside_an_html_block():
    text = "<details>\n<summary>s</summary>\n\n<div>\n\ninner\n\n</div>\n\n</details>\n\nafter\n\nz"
    assert blocks_of(text) == [text[:text.index("after")], "after\n\n"]


def test_a_list_goes_on_across_blank_lines():
    text = "- a\n- b\n\n- c\n\n  more of c\n\nAfter the list\n\nz"
    assert blocks_of(text) == ["- a\n- b\n\n- c\n\n  more of c\n\n", "After the list\n\n"]
    assert blocks_of("Steps:\n1. one\n\n2) two\n\n10. ten\n\nEnd\n\nz")[0] == "Steps:\n1. one\n\n2) two\n\n10. ten\n\n"


@pytest.mark.parametrize("tail", ["1", "12", "3.", "-", "*", "+"])
def test_an_unfinished_line_that_may_become_an_item_decides_nothing(tail):
    assert split("- a\n\n" + tail) == ([], "- a\n\n" + tail)


@pytest.mark.parametrize("tail", ["1.5 is a number", "-x", "**bold**", "---"])
def test_a_line_that_cannot_be_an_item_ends_the_list(tail):
    assert split("- a\n\n" + tail) == (["- a\n\n"], tail)


def test_tables_end_at_a_blank_line():
    text = "| 名称 | 值 |\n|---|---|\n| 甲 | 1 |\n\n后面的段落。\n\n更多"
    assert blocks_of(text) == ["| 名称 | 值 |\n|---|---|\n| 甲 | 1 |\n\n", "后面的段落。\n\n"]


def test_indented_code_goes_on_while_indented():
    assert blocks_of("    a\n\n    b\n\nText\n\nz") == ["    a\n\n    b\n\n", "Text\n\n"]
    assert blocks_of("Para\n\n    code\n\nz") == ["Para\n\n", "    code\n\n"]


def test_cjk_text_and_ideographic_space():
    text = "机器学习是人工智能的一个分支。\n\n它让计算机从数据中学习。\n\n"
    assert split(text) == (["机器学习是人工智能的一个分支。\n\n"], "它让计算机从数据中学习。\n\n")
    # a line of U+3000 is not blank in CommonMark: no boundary there
    assert split("第一段\n\u3000\n第二段") == ([], "第一段\n\u3000\n第二段")


def test_incremental_splitter_hands_each_block_out_once():
    text = "# 标题\n\n第一段。\n\n- 甲\n- 乙\n\n```python\nprint(1)\n\nprint(2)\n```\n\n结尾"
    splitter, seen = BlockSplitter(), []
    for end in range(len(text) + 1):
        blocks, tail = splitter.feed(text[:end])
        seen += blocks
        assert "".join(seen) + tail == text[:end]
    assert seen == ["# 标题\n\n", "第一段。\n\n", "- 甲\n- 乙\n\n", "```python\nprint(1)\n\nprint(2)\n```\n\n"]


FRAGMENTS = st.sampled_from([
    "\n", "\n\n", "\r\n", " ", "  ", "    ", "\t", "word", "词语", "-", "- ", "* ", "+ ", "1. ", "2)", "10.",
    "```", "```python", "~~~", "````", "$$", "\\[", "\\]", "|", "| a | b |", "|---|", "#", "## ", ">", "<div>",
    "</div>", "<details>", "</details>", "`", "**", "\u3000", "x",
])
TEXTS = st.lists(FRAGMENTS, max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_blocks_and_tail_always_make_the_text(text):
    blocks, tail = split(text)
    assert "".join(blocks) + tail == text
    assert all(block.strip(" \t\r\n") for block in blocks)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.data())
def test_more_text_never_changes_a_finished_block(text, data):
    """A block shown once must stay right: the blocks of a prefix are a prefix of the blocks of the whole."""
    cut = data.draw(st.integers(0, len(text)))
    early, _ = split(text[:cut])
    late, _ = split(text)
    assert late[:len(early)] == early
