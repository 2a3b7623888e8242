"""GPT-5 and newer reasoning models: --max-tokens sent as max_completion_tokens, -t never sent to earn a 400.

The loopback server answers like OpenAI does (its quoted 400 texts), so each test can fail.
"""

from __future__ import annotations

import pytest
import requests

import llm_magic
from llm_magic import errors as e
from llm_magic.config import settings
from llm_magic.engine.options import AskOptions
from llm_magic.engine.request import draft_request
from llm_magic.engine.target import resolve
from llm_magic.loopback import Reply

RELAYS = ["openai", "chatanywhere"]


@pytest.mark.parametrize("provider", RELAYS)
def test_max_tokens_goes_out_as_max_completion_tokens(fake_provider, provider):
    server = fake_provider(provider)
    server.queue(Reply.answer("ok"))
    answer = llm_magic.ask(f"{provider}:gpt-5-mini", "hi", max_tokens=64)
    body = server.last_request.body
    assert answer == "ok" and body["max_completion_tokens"] == 64 and "max_tokens" not in body


@pytest.mark.parametrize("provider", RELAYS)
def test_a_temperature_is_left_out_with_a_note_not_sent_to_earn_a_400(fake_provider, provider):
    server = fake_provider(provider)
    with pytest.warns(UserWarning, match="accepts only the default temperature"):
        answer = llm_magic.ask(f"{provider}:gpt-6.1-terra", "hi", temperature=0.2, top_p=1)
    body = server.last_request.body
    assert answer and "temperature" not in body and body["top_p"] == 1  # the default itself is fine


def test_refuse_mode_sends_nothing(fake_provider):
    server = fake_provider("openai")
    settings.unsupported_parameters = "refuse"
    with pytest.raises(e.ConfigurationError) as refused:
        llm_magic.ask("openai", "hi", top_p=0.5)
    assert "only the default top_p" in refused.value.message and "unsupported_parameters" in refused.value.hint
    assert server.request_count == 0


def test_older_models_keep_max_tokens_and_temperature(fake_provider):
    server = fake_provider("openai")
    llm_magic.ask("openai:gpt-4o-mini", "hi", max_tokens=64, temperature=0.2)
    body = server.last_request.body
    assert body["max_tokens"] == 64 and body["temperature"] == 0.2


def test_the_draft_carries_the_note_for_the_cell():
    draft = draft_request(resolve("openai"), "hi", AskOptions(temperature=0.7))
    assert [note.en.split(":")[0] for note in draft.notes] == ["gpt-6.1-terra accepts only the default temperature (1)"]
    assert "temperature" not in draft.parameters


@pytest.mark.parametrize("provider", RELAYS)
def test_the_loopback_answers_like_openai_when_the_rules_are_missing(fake_provider, provider, monkeypatch):
    """Without its rule the call earns the real 400, and the hint follows what the provider said."""
    server = fake_provider(provider)
    monkeypatch.setattr(llm_magic.get_provider(provider), "parameter_rules", ())
    with pytest.raises(e.BadRequestError) as too_long:
        llm_magic.ask(f"{provider}:gpt-5-mini", "hi", max_tokens=64)
    assert "Use 'max_completion_tokens' instead" in too_long.value.message
    assert "max_completion_tokens" in too_long.value.hint and "inside the range" not in too_long.value.hint
    with pytest.raises(e.BadRequestError) as too_warm:
        llm_magic.ask(f"{provider}:gpt-5-mini", "hi", temperature=0.2)
    assert "'temperature' does not support 0.2 with this model" in too_warm.value.message
    assert "only the default" in too_warm.value.hint and "between 0 and 2" not in too_warm.value.hint
    assert server.request_count == 2


def test_the_loopback_error_body_is_openais_shape(fake_provider):
    server = fake_provider("openai")
    reply = requests.post(server.url("/chat/completions"), timeout=5,
                          headers={"Authorization": f"Bearer {server.key}"},
                          json={"model": "o3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5})
    assert reply.status_code == 400
    assert reply.json()["error"] == {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                   "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}
