"""Model lists from GET /models, and "did you mean" for a mistyped model."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.engine import catalog
from llm_magic.loopback import Reply


@pytest.fixture(autouse=True)
def fresh_catalog():
    catalog.clear()
    yield
    catalog.clear()


def test_models_are_listed_once_per_session_unless_refreshed(fake_provider):
    server = fake_provider("bailian")
    assert catalog.models_for("bailian") == ["qwen-flash", "qwen-plus", "qwen3-32b", "qwen3-8b", "qwen3-max"]
    assert catalog.models_for("qwen") == catalog.models_for("bailian")  # alias, same cache entry
    assert server.request_count == 1
    catalog.models_for("bailian", refresh=True)
    assert server.request_count == 2
    assert server.requests[-1].path.endswith("/models")


def test_suggest_ignores_case_and_hugging_face_suffixes():
    listed = ["qwen-plus", "qwen-flash", "qwen3-max"]
    assert catalog.suggest("bailian", "Qwen-Plus", listed) == "qwen-plus"
    assert catalog.suggest("bailian", "qwen-plsu", listed) == "qwen-plus"
    assert catalog.suggest("bailian", "qwen-plus", listed) is None  # listed: nothing to suggest
    assert catalog.suggest("bailian", "llama-70b", listed) is None  # nothing close
    hf = ["openai/gpt-oss-20b", "Qwen/Qwen2.5-7B-Instruct"]
    assert catalog.suggest("hf", "openai/gpt-oss-20B:cheapest", hf) == "openai/gpt-oss-20b:cheapest"
    assert catalog.suggest("huggingface", "qwen/qwen2.5-7b-instruct:fastest", hf) == "Qwen/Qwen2.5-7B-Instruct:fastest"
    # elsewhere the colon is part of the name
    assert catalog.suggest("ollama", "qwen3:8", ["qwen3:8b", "llama3.2"]) == "qwen3:8b"


def test_unknown_model_error_names_the_closest_model(fake_provider):
    fake_provider("bailian", models=["qwen-plus", "qwen-flash", "qwen3-max"])
    with pytest.raises(e.BadRequestError) as raised:
        llm_magic.ask("bailian:Qwen-Plus", "hi")
    original = raised.value
    better = catalog.explain_unknown_model(original, "bailian", "Qwen-Plus")
    assert better is not original and type(better) is type(original)
    assert better.hint.startswith("Did you mean 'qwen-plus'?") and original.hint in better.hint
    assert better.texts("zh")[1].startswith("是不是想用 'qwen-plus'？")
    assert better.message == original.message
    assert (better.status, better.provider) == (original.status, original.provider)
    assert better.suggestion == "qwen-plus"


def test_a_failure_to_list_models_keeps_the_original_error(fake_provider):
    server = fake_provider("deepseek", models=["deepseek-flash"])
    with pytest.raises(e.BadRequestError) as raised:
        llm_magic.ask("deepseek:deepseek-flsh", "hi")
    server.stop()
    assert catalog.explain_unknown_model(raised.value, "deepseek", "deepseek-flsh") is raised.value


def test_only_bad_requests_are_explained(fake_provider):
    fake_provider("deepseek").queue(Reply.error("auth"))
    with pytest.raises(e.AuthenticationError) as raised:
        llm_magic.ask("deepseek:deepseek-flsh", "hi", max_retries=0)
    assert catalog.explain_unknown_model(raised.value, "deepseek", "deepseek-flsh") is raised.value


def test_a_listed_model_with_another_bad_request_is_left_alone(fake_provider):
    fake_provider("deepseek").queue(Reply.error("bad_request"))
    with pytest.raises(e.BadRequestError) as raised:
        llm_magic.ask("deepseek", "hi")
    assert catalog.explain_unknown_model(raised.value, "deepseek", "deepseek-flash") is raised.value
