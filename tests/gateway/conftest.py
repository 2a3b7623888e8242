"""One real LiteLLM proxy for the whole session (it takes ~20 s to start), stopped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.harness.litellm import PROXY_KEY, REQUIREMENT, RealProxy, start_proxy, venv_python


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gateway/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gateway)


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealProxy]:
    python = venv_python()
    if not python.exists():
        reason = (f"no LiteLLM proxy at {python.parent.parent} ({REQUIREMENT}): bash scripts/test.sh installs it "
                  "in its own virtualenv, or set LLM_MAGIC_LITELLM_VENV")
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI runs this group: a missing proxy is a broken install, not a skip
        pytest.skip(reason)
    proxy = start_proxy(tmp_path_factory.mktemp("litellm"))
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def gateway(litellm_proxy: RealProxy, monkeypatch: pytest.MonkeyPatch) -> RealProxy:
    """LLM_GATEWAY_BASE_URL and LLM_GATEWAY_API_KEY pointed at the real proxy, as a student's .env would."""
    monkeypatch.setenv("LLM_GATEWAY_BASE_URL", litellm_proxy.base_url)
    monkeypatch.setenv("LLM_GATEWAY_API_KEY", PROXY_KEY)
    return litellm_proxy
