"""The package face: the public names, and the import paths notebooks wrote before the layered layout."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import llm_magic
from llm_magic._aliases import OLD_PATHS


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_import_path_is_the_moved_module_itself(old):
    assert importlib.import_module(old) is importlib.import_module(OLD_PATHS[old])
    leaf = old.rpartition(".")[2]
    assert getattr(llm_magic, leaf) is importlib.import_module(OLD_PATHS[old])


def test_state_set_through_an_old_path_is_what_the_engine_reads():
    import llm_magic.prices as prices
    import llm_magic.usage as usage
    from llm_magic.engine import prices as engine_prices

    usage.limits.max_tokens_per_session = 123
    assert llm_magic.settings.max_tokens_per_session == 123
    prices.set_price("deepseek", "*", input=1.0, output=2.0, currency="CNY")
    try:
        assert engine_prices.price_for("deepseek", "deepseek-flash").output == 2.0
    finally:
        engine_prices.PRICES.pop("deepseek", None)


def test_old_paths_work_in_a_fresh_interpreter():
    code = ("from llm_magic import prices, usage; import llm_magic.client, llm_magic.request;"
            "from llm_magic.errors import LLMError, SessionBudgetError;"
            "print(llm_magic.client.ask is llm_magic.ask, issubclass(SessionBudgetError, LLMError))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_every_public_name_resolves():
    for name in llm_magic.__all__:
        assert getattr(llm_magic, name) is not None, name
