"""No credential travels in the request body: a key under the wrong name (``api_key=``) or a
typo'd keyword used to be copied into the JSON body, so an OpenAI key could reach the
ChatAnywhere relay. Body fields now come only from ``extra_body={...}``; anything else unknown
is an error before anything is sent."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic import errors

KEY = "sk-test-BODY-5e6f7a8b9c0d1e2f"


@pytest.mark.parametrize("name", ["api_key", "apiKey", "token", "authorization", "openai_api_key", "hf-token"])
def test_a_key_under_another_name_is_refused_and_never_sent(fake_provider, name):
    relay = fake_provider("chatanywhere")
    with pytest.raises(errors.ConfigurationError, match="key=") as caught:
        llm_magic.ask("chatanywhere", "hi", **{name: KEY})
    assert "%llm_key" in str(caught.value.hint) and "%llm_key" in caught.value.texts("zh")[1]
    assert KEY not in str(caught.value) and relay.request_count == 0
    outcome = llm_magic.ask_many(["chatanywhere"], "hi", **{name: KEY})["chatanywhere"]
    assert isinstance(outcome, errors.ConfigurationError) and "key=" in str(outcome)
    assert relay.request_count == 0


def test_a_typo_is_an_error_with_a_suggestion(fake_provider):
    server = fake_provider("deepseek")
    with pytest.raises(errors.ConfigurationError, match="Did you mean 'temperature'") as caught:
        llm_magic.ask("deepseek", "hi", temprature=0.2)
    assert "extra_body" in str(caught.value.hint) and "是不是想写" in caught.value.texts("zh")[0]
    assert server.request_count == 0


def test_extra_body_is_the_way_to_send_another_field(fake_provider):
    server = fake_provider("deepseek")
    llm_magic.ask("deepseek", "hi", extra_body={"seed": 7, "response_format": {"type": "text"}})
    body = server.requests[-1].body
    assert body["seed"] == 7 and body["response_format"] == {"type": "text"}


@pytest.mark.parametrize("extra_body, problem", [
    ({"api_key": KEY}, "looks like a key"), ({"Authorization": f"Bearer {KEY}"}, "looks like a key"),
    ({"messages": []}, "its own option"), ({"model": "x"}, "its own option"), ("seed=7", "must be a dict"),
])
def test_extra_body_refuses_credentials_and_fields_with_their_own_option(fake_provider, extra_body, problem):
    server = fake_provider("deepseek")
    with pytest.raises(errors.ConfigurationError, match=problem):
        llm_magic.ask("deepseek", "hi", extra_body=extra_body)
    assert server.request_count == 0


def test_the_documented_options_still_work(fake_provider):
    server = fake_provider("deepseek")
    history = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}]
    llm_magic.ask("deepseek", "again", messages=history, think=True, temperature=0.3, max_tokens=20, top_p=0.9,
                  system="short", timeout=30, max_retries=0)
    body = server.requests[-1].body
    assert [m["content"] for m in body["messages"]][-3:] == ["hello", "hi", "again"]
    assert body["temperature"] == 0.3 and "api_key" not in body
