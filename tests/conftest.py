"""Shared fixtures: every test starts with no provider variables, no .env, and its own folder."""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from llm_magic.loopback import FakeProvider


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C reaches the tests, and the kernels and servers they start, as KeyboardInterrupt.

    A suite started in the background (``cmd &``, nohup, some CI runners) inherits SIGINT as
    ignored, and so would every process it starts: the Ctrl-C tests would then wait for nothing.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: provider name → (key variable, base URL variable) used to point it at a fake server
PROVIDER_VARIABLES = {
    "deepseek": ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL"),
    "bailian": ("BAILIAN_API_KEY", "BAILIAN_BASE_URL"),
    "chatanywhere": ("CHATANYWHERE_API_KEY", "CHATANYWHERE_BASE_URL"),
    "huggingface": ("HF_API_KEY", "HF_BASE_URL"),
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "ollama": (None, "OLLAMA_BASE_URL"),
    "gateway": ("LLM_GATEWAY_API_KEY", "LLM_GATEWAY_BASE_URL"),
}
_CLEARED = ("DASHSCOPE_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "LLM_MAGIC_LANGUAGE", "LLM_GATEWAY_MODEL")


@pytest.fixture(autouse=True)
def restored_settings() -> Iterator[None]:
    """Whatever a test sets in ``llm_magic.settings`` is undone afterwards."""
    from llm_magic.config import settings

    saved = copy.deepcopy(vars(settings))
    yield
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key, base URL or .env from the developer's machine can leak into a test."""
    for key_var, url_var in PROVIDER_VARIABLES.values():
        for name in (key_var, url_var):
            if name:
                monkeypatch.delenv(name, raising=False)
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLM_MAGIC_LANGUAGE", "en")
    monkeypatch.setenv("LLM_MAGIC_DEMO_DELAY", os.environ.get("LLM_MAGIC_DEMO_DELAY", "0"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeProvider]]:
    """``fake_provider("deepseek")`` starts a server with that flavour and points the provider at it."""
    started: list[FakeProvider] = []

    def start(provider: str = "deepseek", *, flavour: str | None = None, **options) -> FakeProvider:
        server = FakeProvider(flavour or provider, **options).start()
        started.append(server)
        key_var, url_var = PROVIDER_VARIABLES[provider]
        monkeypatch.setenv(url_var, server.base_url)
        if key_var and server.key:
            monkeypatch.setenv(key_var, server.key)
        return server

    yield start
    for server in started:
        server.stop()


def _reset_session_state() -> None:
    """Forget what a kernel session accumulates: keys entered, language, chats, model lists, usage."""
    from llm_magic.engine import catalog, lifecycle, usage
    from llm_magic.i18n import set_language
    from llm_magic.keys import clear_session_keys
    from llm_magic.magics import conversation

    clear_session_keys()
    set_language("auto")
    conversation.reset()
    catalog.clear()
    lifecycle.forget_warnings()
    usage.ledger.reset()


#: names tests leave in the notebook namespace
_USER_NAMES = ("_llm", "answer", "x", "doc", "user", "a", "b", "teacher")


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    """A fresh InteractiveShell with its own history database and llm_magic loaded.

    Configuration and session state are restored afterwards (settings by ``restored_settings``).
    """
    from tests.harness.shell import close_shell, new_shell

    ip = new_shell(tmp_path / "history.sqlite")
    ip.run_line_magic("load_ext", "llm_magic")
    _reset_session_state()
    try:
        yield ip
    finally:
        _reset_session_state()
        ip.run_line_magic("unload_ext", "llm_magic")
        if "LLMMagics" in ip.config:
            del ip.config["LLMMagics"]
        for name in _USER_NAMES:
            ip.user_ns.pop(name, None)
        close_shell(ip)


@pytest.fixture
def deepseek(fake_provider: Callable[..., FakeProvider]) -> FakeProvider:
    """A loopback DeepSeek with DEEPSEEK_BASE_URL and DEEPSEEK_API_KEY pointing at it."""
    return fake_provider("deepseek")
