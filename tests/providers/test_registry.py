"""A provider is one module plus one registration: its facts live on the adapter, and the engine reads them there."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

import llm_magic
from llm_magic.engine import prices
from llm_magic.engine.target import resolve
from llm_magic.loopback import FakeProvider, Reply
from llm_magic.providers import add_provider, get_provider, provider_names, unregister_provider

MODULE = '''
"""Moonshot (Kimi): an OpenAI-compatible provider, declared in one file."""

from llm_magic.providers.base import Provider
from llm_magic.providers.facts import ANY_MODEL, ContextLimit, DefaultModel, Price


class Moonshot(Provider):
    name = "moonshot"
    display_name = "Moonshot (Kimi)"
    aliases = ("kimi",)
    key_vars = ("MOONSHOT_API_KEY",)
    default_base_url = "https://api.moonshot.cn/v1"
    base_url_var = "MOONSHOT_BASE_URL"
    default = DefaultModel("kimi-k2", checked="2026-12-01", source="https://platform.moonshot.cn/docs")
    context_limits = (("kimi", ContextLimit(128_000, True, "kimi-k2: 128K")),)
    prices = {ANY_MODEL: Price(4.0, 16.0, "CNY", read_on="2026-12-01")}
'''


@pytest.fixture
def moonshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "moonshot_provider.py"
    path.write_text(textwrap.dedent(MODULE), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("moonshot_provider", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "moonshot_provider", module)
    adapter = add_provider(module.Moonshot())  # the one registration line
    yield adapter
    unregister_provider("moonshot")


def test_a_provider_from_one_module_answers_and_declares_its_facts(moonshot, monkeypatch):
    assert "moonshot" in provider_names() and get_provider("kimi") is moonshot
    with FakeProvider("openai", key="sk-test-moonshot-0000000000") as server:
        monkeypatch.setenv("MOONSHOT_BASE_URL", server.base_url)
        monkeypatch.setenv("MOONSHOT_API_KEY", server.key)
        server.queue(Reply.answer("你好", usage={"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}))
        answer = llm_magic.ask("kimi", "hi")
    assert answer == "你好" and answer.provider == "moonshot" and answer.model == "kimi-k2"
    assert server.requests[-1].body["model"] == "kimi-k2"
    target = resolve("kimi")
    assert target.provider.context_limit(target.model).tokens == 128_000
    assert prices.cost(prices.price_for("moonshot", "kimi-k2"), answer.usage) == 20.0


def test_the_course_settings_override_the_declared_facts(moonshot):
    llm_magic.settings.models["moonshot"] = "kimi-k2-turbo"
    assert resolve("moonshot").model == "kimi-k2-turbo"
    prices.set_price("kimi", "*", input=1.0, output=2.0, currency="CNY")
    try:
        assert prices.price_for("moonshot", "kimi-k2-turbo").input == 1.0
    finally:
        prices.PRICES.pop("moonshot", None)


def test_a_builtin_cannot_be_replaced_or_removed():
    with pytest.raises(ValueError):
        unregister_provider("deepseek")
    with pytest.raises(ValueError):
        add_provider(type(get_provider("deepseek"))())
