"""The engine over real HTTP against each provider's wire format on 127.0.0.1."""

from __future__ import annotations

import itertools
import time

import pytest

import llm_magic
from llm_magic import errors as e
from llm_magic.engine.client import stream_events
from llm_magic.events import ReasoningDelta, RetryWait, TextDelta
from llm_magic.loopback import Reply

PROVIDERS = ["deepseek", "bailian", "chatanywhere", "huggingface", "openai"]
ANSWER = "机器学习让计算机从数据中学习规律。 It learns patterns from data."


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "backoff", 0.01)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False])
def test_answer_usage_and_request_shape(fake_provider, provider, stream):
    server = fake_provider(provider)
    server.queue(Reply.answer(ANSWER))
    # OpenAI's default (a reasoning model) takes only the default temperature: ask one that takes -t
    spec = "openai:gpt-4o-mini" if provider == "openai" else provider
    answer = llm_magic.ask(spec, "什么是机器学习？", stream=stream, system="简洁", temperature=0.3)
    assert answer == ANSWER and isinstance(answer, str)
    assert answer.provider == provider and answer.finish_reason == "stop" and answer.elapsed > 0
    assert answer.usage["completion_tokens"] > 0
    assert answer.usage["total_tokens"] == answer.usage["prompt_tokens"] + answer.usage["completion_tokens"]
    sent = server.requests[-1]
    assert sent.headers["Authorization"] == f"Bearer {server.key}"
    assert sent.body["messages"] == [{"role": "system", "content": "简洁"},
                                     {"role": "user", "content": "什么是机器学习？"}]
    assert sent.body["temperature"] == 0.3
    assert sent.body.get("stream", False) is (stream or False)
    if stream:
        assert sent.body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("provider", ["deepseek", "bailian", "huggingface"])
def test_reasoning_is_kept_apart_from_the_answer(fake_provider, provider):
    server = fake_provider(provider)
    server.queue(Reply.answer("答案是 42。", reasoning="先想一想：6 乘以 7。"))
    events = list(stream_events(provider, "6*7?", think=True))
    reasoning = "".join(ev.text for ev in events if isinstance(ev, ReasoningDelta))
    text = "".join(ev.text for ev in events if isinstance(ev, TextDelta))
    answer = events[-1].answer
    assert reasoning == "先想一想：6 乘以 7。" == answer.reasoning
    assert text == "答案是 42。" == answer and "6 乘以 7" not in answer


def test_text_deltas_arrive_in_order_and_stream_yields_only_text(fake_provider):
    fake_provider("deepseek").queue(Reply.answer("one two three", reasoning="hmm"))
    assert "".join(llm_magic.stream("deepseek", "count")) == "one two three"


def test_model_in_the_provider_spec_is_sent(fake_provider):
    server = fake_provider("deepseek")
    llm_magic.ask("deepseek:deepseek-v4-pro", "hi")
    assert server.requests[-1].body["model"] == "deepseek-v4-pro"


def test_huggingface_model_suffix_is_passed_through(fake_provider):
    server = fake_provider("huggingface")
    llm_magic.ask("hf:openai/gpt-oss-20b:fastest", "hi")
    assert server.requests[-1].body["model"] == "openai/gpt-oss-20b:fastest"


def test_stream_without_done_but_with_finish_reason_is_complete(fake_provider):
    fake_provider("huggingface").queue(Reply.answer("no done here", done=False))
    assert llm_magic.ask("huggingface", "hi", stream=True) == "no done here"


@pytest.mark.parametrize("provider,kind,cls", [
    ("deepseek", "auth", e.AuthenticationError), ("deepseek", "balance", e.InsufficientBalanceError),
    ("deepseek", "model_not_found", e.BadRequestError), ("bailian", "auth", e.AuthenticationError),
    ("bailian", "balance", e.InsufficientBalanceError), ("bailian", "content_filter", e.ContentFilterError),
    ("chatanywhere", "auth", e.AuthenticationError), ("chatanywhere", "forbidden", e.PermissionDeniedError),
    ("huggingface", "auth", e.AuthenticationError), ("huggingface", "balance", e.InsufficientBalanceError),
    ("huggingface", "forbidden", e.PermissionDeniedError), ("openai", "bad_request", e.BadRequestError),
])
@pytest.mark.parametrize("stream", [True, False])
def test_provider_errors_are_explained_and_never_retried(fake_provider, provider, kind, cls, stream):
    server = fake_provider(provider)
    server.queue(Reply.error(kind))
    with pytest.raises(cls) as caught:
        llm_magic.ask(provider, "hi", stream=stream)
    assert server.request_count == 1
    assert caught.value.hint and server.key not in str(caught.value)


def test_wrong_key_gets_the_real_401(fake_provider, monkeypatch):
    server = fake_provider("deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-wrong-key-000000000000")
    with pytest.raises(e.AuthenticationError) as caught:
        llm_magic.ask("deepseek", "hi")
    assert "sk-test-wrong" not in str(caught.value) and server.request_count == 1


@pytest.mark.parametrize("kind,status", [("rate_limit", 429), ("server", 500), ("unavailable", 503)])
def test_transient_errors_are_retried_then_answered(fake_provider, kind, status):
    server = fake_provider("deepseek")
    server.queue(Reply.error(kind), Reply.error(kind), Reply.answer("finally"))
    events = list(stream_events("deepseek", "hi"))
    waits = [ev for ev in events if isinstance(ev, RetryWait)]
    assert [w.error.status for w in waits] == [status, status]
    assert events[-1].answer == "finally" and server.request_count == 3


def test_retries_stop_after_the_configured_number(fake_provider):
    server = fake_provider("deepseek")
    server.queue(*[Reply.error("unavailable")] * 5)
    with pytest.raises(e.ServerError):
        llm_magic.ask("deepseek", "hi", max_retries=1)
    assert server.request_count == 2


def test_retry_after_is_honoured(fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.error(429, headers={"Retry-After": "0.3"}), Reply.answer("ok"))
    waits = [ev for ev in stream_events("openai", "hi") if isinstance(ev, RetryWait)]
    assert waits[0].seconds == pytest.approx(0.3)
    gaps = [b.received_at - a.received_at for a, b in zip(server.requests, server.requests[1:], strict=False)]
    assert gaps[0] >= 0.3


def test_retry_after_longer_than_the_cap_fails_at_once_with_the_wait_named(fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.error(429, headers={"Retry-After": "3600"}))
    with pytest.raises(e.RateLimitError) as caught:
        llm_magic.ask("openai", "hi")
    assert server.request_count == 1 and "3600 seconds" in caught.value.hint


def test_no_retry_once_answer_text_arrived_and_the_partial_is_kept(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.fault("close_mid_event", after=3, text="alpha beta gamma delta epsilon"))
    with pytest.raises(e.NetworkError) as caught:
        llm_magic.ask("deepseek", "hi", stream=True)
    assert server.request_count == 1
    assert caught.value.partial.startswith("alpha") and caught.value.partial.provider == "deepseek"


def test_a_cut_inside_a_chinese_character_keeps_the_whole_characters(fake_provider):
    server = fake_provider("bailian")
    server.queue(Reply.fault("close_mid_utf8", after=2, text="机器 学习 是 人工 智能"))
    with pytest.raises(e.NetworkError) as caught:
        llm_magic.ask("bailian", "hi", stream=True)
    partial = caught.value.partial
    assert partial.startswith("机") and "\ufffd" not in partial and "机器 学习 是 人工 智能".startswith(partial)


def test_connection_refused_is_a_network_error_and_retried(monkeypatch):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OLLAMA_BASE_URL", f"http://127.0.0.1:{port}/v1")
    events = []
    with pytest.raises(e.NetworkError):
        for event in stream_events("ollama", "hi"):
            events.append(event)
    assert len([ev for ev in events if isinstance(ev, RetryWait)]) == 2


def test_a_stall_is_bounded_by_the_timeout(fake_provider):
    fake_provider("deepseek").queue(Reply.fault("stall_before_first_byte", seconds=5))
    started = time.monotonic()
    with pytest.raises(e.RequestTimeoutError):
        llm_magic.ask("deepseek", "hi", timeout=0.5, max_retries=0)
    assert time.monotonic() - started < 3


def test_endless_keepalive_comments_cannot_extend_the_deadline(fake_provider):
    fake_provider("deepseek").queue(Reply.fault("keepalive_forever", every=0.05))
    started = time.monotonic()
    with pytest.raises(e.RequestTimeoutError):
        llm_magic.ask("deepseek", "hi", stream=True, timeout=0.6)
    assert time.monotonic() - started < 3


def test_leading_blank_lines_before_a_json_body(fake_provider):
    fake_provider("deepseek").queue(Reply.fault("leading_blank_lines", count=3, text="queued answer"))
    assert llm_magic.ask("deepseek", "hi") == "queued answer"


@pytest.mark.parametrize("fault,cls", [
    ("html_body", e.ResponseFormatError), ("empty_body", e.ResponseFormatError),
    ("truncated_json", e.ResponseFormatError), ("no_choices", e.ResponseFormatError),
])
def test_bodies_that_are_not_completions(fake_provider, fault, cls):
    fake_provider("openai").queue(Reply.fault(fault))
    with pytest.raises(cls):
        llm_magic.ask("openai", "hi")


def test_an_error_inside_a_200_stream_keeps_the_text_before_it(fake_provider):
    fake_provider("huggingface").queue(Reply.fault("error_in_stream", after=2, text="one two three four"))
    with pytest.raises(e.LLMError) as caught:
        llm_magic.ask("huggingface", "hi", stream=True)
    assert caught.value.partial.startswith("one")


def test_content_filter_finish_raises_with_the_partial(fake_provider):
    fake_provider("chatanywhere").queue(Reply.answer("some text", finish_reason="content_filter"))
    with pytest.raises(e.ContentFilterError) as caught:
        llm_magic.ask("chatanywhere", "hi", stream=True)
    assert caught.value.partial == "some text"


def test_bailian_open_source_qwen3_non_streaming_works(fake_provider):
    server = fake_provider("bailian")
    assert llm_magic.ask("bailian:qwen3-32b", "hi") != ""
    assert server.requests[-1].body["enable_thinking"] is False


def test_list_models(fake_provider):
    server = fake_provider("deepseek")
    ids = [m["id"] for m in llm_magic.list_models("deepseek")]
    assert "deepseek-flash" in ids and server.requests[-1].path.endswith("/models")


def test_one_connection_is_reused_across_calls(fake_provider):
    from llm_magic.wire import transport
    transport.close_sessions()
    server = fake_provider("openai")
    for _ in range(3):
        llm_magic.ask("openai", "hi")
        llm_magic.ask("openai", "hi", stream=True)
    pools = transport.session_for("openai").get_adapter(server.base_url).poolmanager.pools
    opened = sum(pools[key].num_connections for key in pools.keys())  # noqa: SIM118 - urllib3's pools refuse iter()
    assert server.request_count == 6 and opened == 1


@pytest.mark.parametrize("chunked", [True, False])
def test_each_event_reaches_the_caller_as_soon_as_it_is_sent(fake_provider, chunked):
    """A slow server: every text delta must arrive well before the next one is sent."""
    words = "a b c d e"
    gap = 0.25
    fake_provider("deepseek").queue(Reply.answer(words, delay=gap, chunked=chunked))
    arrivals = []
    for event in stream_events("deepseek", "slow"):
        if isinstance(event, TextDelta):
            arrivals.append(time.monotonic())
    assert len(arrivals) >= 5
    spacing = [b - a for a, b in itertools.pairwise(arrivals)]
    # if events were held back they would bunch up (spacing near 0) or arrive all at the end
    assert min(spacing) > gap * 0.5, spacing


def test_session_budget_holds_for_the_python_api(fake_provider, monkeypatch):
    from llm_magic.engine import usage
    server = fake_provider("deepseek")
    llm_magic.ask("deepseek", "hi")
    monkeypatch.setattr(usage.limits, "max_tokens_per_session", 1)
    with pytest.raises(usage.SessionBudgetError):
        llm_magic.ask("deepseek", "hi again")
    assert server.request_count == 1


def test_a_filtered_answer_is_still_counted(fake_provider):
    from llm_magic.engine import usage
    fake_provider("chatanywhere").queue(Reply.answer("some text", finish_reason="content_filter"))
    before = usage.ledger.total_tokens
    with pytest.raises(e.ContentFilterError):
        llm_magic.ask("chatanywhere", "hi", stream=True)
    assert usage.ledger.total_tokens > before


def test_a_network_error_carries_no_requests_exception_with_the_key(monkeypatch):
    """The Authorization header lives on requests' own exception: it must not ride along as context."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DEEPSEEK_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(e.NetworkError) as caught:
        llm_magic.ask("deepseek", "hi", key="sk-test-context-0123456789", max_retries=0)
    chained = caught.value.__context__ or caught.value.__cause__
    assert chained is None
