"""Every %%llm option is documented in both READMEs, which must stay in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_magic.magics.llm import LLMMagics

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = sorted({action.option_strings[-1] for action in LLMMagics.llm.parser._actions if action.option_strings})


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_every_option_is_in_the_readme(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    missing = [option for option in OPTIONS if f"`{option}" not in text]
    assert not missing, f"{readme} does not document {missing}"
