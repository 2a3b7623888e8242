"""LLMMagics traitlets: %config and ipython_config.py set every default; engine settings follow."""

from __future__ import annotations

import re

import pytest
from traitlets import TraitError

from llm_magic import i18n
from llm_magic.config import settings
from llm_magic.loopback import Reply
from llm_magic.magics.llm import LLMMagics
from llm_magic.providers import get_provider, provider_names, unregister_provider
from llm_magic.render.formats import monospace_code
from tests.harness.shell import close_shell, final, new_shell, run, shown


def config(shell, statement: str) -> None:
    shell.run_line_magic("config", statement)


def test_every_trait_is_configurable_with_help():
    traits = LLMMagics.class_traits(config=True)
    expected = {"default_provider", "models", "language", "debug", "temperature", "max_tokens", "system", "format",
                "stream", "timeout", "max_retries", "bailian_region", "chatanywhere_host", "base_urls", "endpoints",
                "display_mode"}
    assert expected <= set(traits)
    assert all(traits[name].help for name in expected)


def test_config_lists_the_options(shell):
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        config(shell, "LLMMagics")
    assert "LLMMagics.default_provider" in captured.stdout and "LLMMagics.endpoints" in captured.stdout


def test_defaults_apply_to_every_cell(shell, deepseek):
    config(shell, "LLMMagics.temperature = 0.4")
    config(shell, "LLMMagics.max_tokens = 99")
    config(shell, "LLMMagics.system = 'Be brief.'")
    config(shell, "LLMMagics.stream = False")
    config(shell, "LLMMagics.format = 'code'")
    deepseek.queue(Reply.answer("x = 1"))
    captured = run(shell, "%%llm deepseek\nhi")
    body = deepseek.requests[-1].body
    assert (body["temperature"], body["max_tokens"], "stream" in body) == (0.4, 99, False)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert final(captured)["text/markdown"].startswith(monospace_code("```python\nx = 1\n```"))
    run(shell, "%%llm deepseek -t 0.9 -s other\nhi")  # options beat configured defaults
    assert deepseek.requests[-1].body["temperature"] == 0.9
    assert deepseek.requests[-1].body["messages"][0]["content"] == "other"


def test_default_provider_and_models(shell, fake_provider):
    bailian = fake_provider("bailian")
    config(shell, "LLMMagics.default_provider = 'qwen'")
    config(shell, "LLMMagics.models = {'bailian': 'qwen-max'}")
    run(shell, "%%llm\nhi")
    assert bailian.requests[-1].body["model"] == "qwen-max"
    assert settings.models["bailian"] == "qwen-max" and get_provider("deepseek").default_model() == "deepseek-flash"


def test_engine_settings_follow(shell):
    config(shell, "LLMMagics.timeout = 30")
    config(shell, "LLMMagics.max_retries = 0")
    config(shell, "LLMMagics.bailian_region = 'intl'")
    config(shell, "LLMMagics.chatanywhere_host = 'global'")
    config(shell, "LLMMagics.base_urls = {'openai': 'http://127.0.0.1:9/v1'}")
    assert (settings.timeout, settings.max_retries, settings.bailian_region, settings.chatanywhere_host) == \
        (30, 0, "intl", "global")
    assert settings.base_urls["openai"] == "http://127.0.0.1:9/v1"


def test_language(shell, deepseek):
    config(shell, "LLMMagics.language = 'zh'")
    assert i18n.get_language() == "zh"
    deepseek.queue(Reply.answer("好", usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}))
    assert "输入 1 个 token，输出 1 个" in shown(run(shell, "%%llm deepseek\nhi"))


@pytest.mark.parametrize("name, value", [
    ("temperature", 3), ("timeout", 0), ("max_tokens", -1), ("max_retries", -1), ("language", "fr"),
    ("format", "pdf"), ("bailian_region", "mars"), ("endpoints", {"moonshot": {"url": "x"}}),
])
def test_bad_values_are_refused_when_set(shell, name, value):
    magics = shell.magics_manager.registry["LLMMagics"]
    before = getattr(magics, name)
    with pytest.raises(TraitError):
        setattr(magics, name, value)
    config(shell, f"LLMMagics.{name} = {value!r}")  # %config logs the TraitError and keeps the old value
    assert getattr(magics, name) == before


def test_endpoints_register_a_provider(shell, fake_provider, monkeypatch):
    server = fake_provider("openai")
    monkeypatch.setenv("MOONSHOT_API_KEY", server.key)
    # %-formatting (UP031): the string is Python source full of braces
    config(shell, "LLMMagics.endpoints = {'moonshot': {'base_url': '%s', 'key_var': 'MOONSHOT_API_KEY', "  # noqa: UP031
               "'default_model': 'kimi-k2'}}" % server.base_url)
    try:
        assert "moonshot" in provider_names()
        run(shell, "%%llm moonshot\nhi")
        assert server.requests[-1].body["model"] == "kimi-k2"
        assert shell.user_ns["_llm"].provider == "moonshot"
    finally:
        unregister_provider("moonshot")


def test_ipython_config_file_values_apply_at_load(deepseek, tmp_path):
    from traitlets.config import Config

    own_shell = new_shell(tmp_path / "history.sqlite")
    cfg = Config()
    cfg.LLMMagics.temperature = 0.1
    cfg.LLMMagics.timeout = 42.0
    own_shell.update_config(cfg)
    saved = settings.timeout
    own_shell.run_line_magic("load_ext", "llm_magic")
    try:
        run(own_shell, "%%llm deepseek\nhi")
        assert deepseek.requests[-1].body["temperature"] == 0.1 and settings.timeout == 42.0
    finally:
        own_shell.run_line_magic("unload_ext", "llm_magic")
        settings.timeout = saved
        del own_shell.config["LLMMagics"]
        close_shell(own_shell)


def test_display_mode_terminal_prints_tokens_once(shell, deepseek):
    config(shell, "LLMMagics.display_mode = 'terminal'")
    deepseek.queue(Reply.answer("答案是 4。", reasoning="想一想", usage={"prompt_tokens": 3, "completion_tokens": 4,
                                                                   "total_tokens": 7}))
    captured = run(shell, "%%llm deepseek\n2+2?")
    assert not captured.outputs
    out = captured.stdout
    assert out.count("答案是 4。") == 1 and out.index("想一想") < out.index("答案是 4。")
    assert "\x1b[2m💭 Thinking:\n想一想\n\x1b[0m\n答案是 4。" in out
    # the cost doubles at DeepSeek's peak hours (Beijing time): either price may be in force
    assert re.search(r"deepseek · deepseek-flash · 3 → 4 tokens · ≈ ¥0\.0000(19|38) · 0\.0 s\x1b\[0m$", out.rstrip())
    assert shell.user_ns["_llm"] == "答案是 4。"
