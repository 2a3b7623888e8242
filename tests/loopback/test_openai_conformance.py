"""The official openai SDK talks to the fake server: proof that the fake speaks the real protocol."""

from __future__ import annotations

import pytest

openai = pytest.importorskip("openai", reason="the openai SDK is a test dependency: pip install -e '.[test]'")

from llm_magic.loopback import FakeProvider, Reply  # noqa: E402

FLAVOURS = ["deepseek", "bailian", "chatanywhere", "huggingface", "openai"]


@pytest.fixture(params=FLAVOURS)
def server(request):
    with FakeProvider(request.param) as fake:
        yield fake


def client_for(fake: FakeProvider, key: str | None = None):
    return openai.OpenAI(base_url=fake.base_url, api_key=key or fake.key, max_retries=0, timeout=10)


def test_non_streaming_completion(server):
    server.queue(Reply.answer("你好，世界"))
    completion = client_for(server).chat.completions.create(
        model="any-model", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == "你好，世界"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_streaming_completion_with_usage(server):
    server.queue(Reply.answer("one two three"))
    chunks = list(client_for(server).chat.completions.create(
        model="any-model", messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert [c.usage for c in chunks if c.usage][-1].completion_tokens > 0


def test_models_list(server):
    models = client_for(server).models.list()
    assert len(models.data) >= 1 and all(m.id for m in models.data)


def test_wrong_key_is_a_401_the_sdk_recognises(server):
    with pytest.raises(openai.AuthenticationError):
        client_for(server, key="sk-test-not-the-right-one-000").chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("kind,sdk_error", [("rate_limit", "RateLimitError"), ("server", "InternalServerError")])
def test_error_statuses_map_to_the_sdk_classes(server, kind, sdk_error):
    server.queue(Reply.error(kind))
    with pytest.raises(getattr(openai, sdk_error)):
        client_for(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
