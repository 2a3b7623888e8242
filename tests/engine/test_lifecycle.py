"""Models near or past their shutdown: warned about once, and explained when the provider refuses them."""

from __future__ import annotations

import datetime as dt

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.engine import catalog, lifecycle
from llm_magic.engine.target import resolve
from llm_magic.loopback import FakeProvider

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def fresh_session():
    catalog.clear()
    lifecycle.forget_warnings()
    yield
    catalog.clear()
    lifecycle.forget_warnings()


def test_a_model_near_its_shutdown_is_named_with_its_replacement_once():
    note = lifecycle.shutdown_notice(resolve("openai:gpt-5-mini"), TODAY)
    assert note is not None and "2026-12-11, in 10 days" in note.en and "gpt-6.1-terra" in note.en
    assert "LLMMagics.models = {'openai': 'gpt-6.1-terra'}" in note.en and "还有 10 天" in note.zh
    assert lifecycle.shutdown_notice(resolve("openai:gpt-5-mini"), TODAY) is None   # once a session


def test_far_off_and_unscheduled_models_say_nothing():
    assert lifecycle.shutdown_notice(resolve("openai:gpt-4o-mini"), TODAY) is None      # 44 days away
    assert lifecycle.shutdown_notice(resolve("openai:gpt-4o-mini"), dt.date(2027, 1, 1)) is not None
    assert lifecycle.shutdown_notice(resolve("deepseek"), TODAY) is None


def test_a_model_past_its_date_says_calls_fail():
    note = lifecycle.shutdown_notice(resolve("bailian:qwen-vl-max"), TODAY)
    assert note is not None
    assert "qwen-vl-max (Bailian 百炼 (Qwen)) was shut down on 2026-10-10: calls to it fail" in note.en
    assert "qwen3-vl-plus" in note.en


def test_the_listed_shutdown_date_counts_once_the_list_was_fetched(fake_provider):
    fake_provider("openai")
    target = resolve("openai:gpt-6.1-sol")
    infos = {info.id: info for info in catalog.model_infos("openai")}
    assert infos["gpt-5-mini"].shutdown == "2026-12-11" and infos["gpt-5-mini"].deprecated
    assert infos["gpt-6.1-sol"].shutdown is None and not infos["gpt-6.1-sol"].deprecated
    assert catalog.listed_shutdown(target.provider, "gpt-5-mini") == "2026-12-11"
    assert lifecycle.shutdown_notice(target, TODAY) is None


@pytest.mark.parametrize(("spec", "replacement"), [
    ("deepseek:deepseek-chat", "deepseek-flash"), ("bailian:qwen-turbo", "qwen3.6-plus")])
def test_a_retired_model_is_explained_with_the_replacement(fake_provider, spec, replacement):
    provider = spec.split(":")[0]
    fake_provider(provider, models=("deepseek-flash", "qwen-plus"))
    with pytest.raises(e.BadRequestError) as refused:
        llm_magic.ask(spec, "hi")
    assert "it was retired on" in refused.value.message and f"-m {replacement}" in refused.value.hint


def test_a_retired_openai_model_without_a_named_replacement_points_to_the_list(monkeypatch):
    with FakeProvider("openai", models=("gpt-6.1-terra",)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        with pytest.raises(e.BadRequestError) as refused:
            llm_magic.ask("openai:gpt-4.1-nano", "hi")
    assert "retired on 2026-10-23" in refused.value.message and "does not exist" in refused.value.message
    assert "%llm_models openai" in refused.value.hint


def test_a_provider_saying_retired_is_believed(fake_provider):
    from llm_magic.loopback import Reply

    server = fake_provider("openai")
    server.queue(Reply.error(404, {"error": {"message": "The model `gpt-9-x` has been deprecated and shut down.",
                                             "type": "invalid_request_error", "code": "model_not_found"}}))
    with pytest.raises(e.BadRequestError) as refused:
        llm_magic.ask("openai:gpt-9-x", "hi")
    assert "it was retired" in refused.value.message and "%llm_models openai" in refused.value.hint
