"""Everything wrong with a call is caught before anything is sent."""

import pytest

import llm_magic
from llm_magic.engine.request import build_messages, prepare_call, split_provider
from llm_magic.errors import ConfigurationError, MissingKeyError, UnknownProviderError

KEY = "sk-test-request-0123456789"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "HF_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                 "BAILIAN_API_KEY", "DASHSCOPE_API_KEY", "BAILIAN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_provider_and_model_in_one_spec_keep_hf_suffixes():
    assert split_provider("hf:openai/gpt-oss-20b:cheapest") == ("hf", "openai/gpt-oss-20b:cheapest")
    assert split_provider("deepseek") == ("deepseek", None)


def test_alias_resolves_and_default_model_applies():
    call = prepare_call("qwen", "hi", key=KEY)
    assert call.provider.name == "bailian" and call.model == llm_magic.get_provider("bailian").default_model()
    assert call.url == "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"


def test_typo_suggests_the_closest_provider():
    with pytest.raises(UnknownProviderError) as caught:
        prepare_call("deepsek", "hi")
    assert "deepseek" in caught.value.hint


@pytest.mark.parametrize("options", [
    {"temperature": -1}, {"temperature": 3}, {"temperature": float("nan")}, {"top_p": 0}, {"top_p": 1.5},
    {"max_tokens": 0}, {"max_tokens": 1.5}, {"max_tokens": True}, {"timeout": 0}, {"model": "two words"},
])
def test_options_out_of_range_are_refused(options):
    with pytest.raises(ConfigurationError):
        prepare_call("deepseek", "hi", key=KEY, **options)


@pytest.mark.parametrize("url", ["http://example.com/v1", "ftp://x", "not a url", "http://10.0.0.5:8000/v1"])
def test_unsafe_or_malformed_base_urls_are_refused(url):
    with pytest.raises(ConfigurationError):
        prepare_call("deepseek", "hi", key=KEY, base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/v1", "http://localhost:11434/v1", "http://[::1]:8000"])
def test_loopback_http_is_allowed(url):
    assert prepare_call("deepseek", "hi", key=KEY, base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize("bad", ["sk-abc def", "sk-abc\n123", "sk-ａｂｃ", "sk-\x00abc", "   "])
def test_malformed_keys_are_refused_and_not_echoed(bad):
    with pytest.raises(ConfigurationError) as caught:
        prepare_call("deepseek", "hi", key=bad)
    assert bad.strip() not in str(caught.value) or not bad.strip()


def test_surrounding_whitespace_is_stripped():
    assert prepare_call("deepseek", "hi", key=f"  {KEY}\n").key == KEY


def test_missing_key_names_variables_env_files_and_the_magic(tmp_path):
    with pytest.raises(MissingKeyError) as caught:
        prepare_call("hf", "hi")
    text = str(caught.value)
    for expected in ("HF_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", str(tmp_path), ".env", "%llm_key huggingface"):
        assert expected in text


@pytest.mark.parametrize("prompt", ["", "   \n  "])
def test_empty_prompt_is_refused(prompt):
    with pytest.raises(ConfigurationError):
        prepare_call("deepseek", prompt, key=KEY)


def test_huge_prompt_is_refused_before_sending():
    with pytest.raises(ConfigurationError):
        prepare_call("deepseek", "x" * (llm_magic.settings.max_prompt_chars + 1), key=KEY)


def test_reasoning_is_never_sent_back():
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "reasoning_content": "hmm"}]
    assert all("reasoning_content" not in m for m in build_messages("next", "sys", history))


def test_stream_asks_for_usage_and_thinking_switches_are_provider_specific():
    ds = prepare_call("deepseek", "hi", key=KEY, think=False, stream=True)
    assert ds.payload["stream_options"] == {"include_usage": True}
    assert ds.payload["thinking"] == {"type": "disabled"}
    qwen = prepare_call("bailian:qwen3-32b", "hi", key=KEY, stream=False)
    assert qwen.payload["enable_thinking"] is False and not qwen.stream
    thinking = prepare_call("bailian", "hi", key=KEY, stream=False, think=True)
    assert thinking.stream and thinking.payload["enable_thinking"] is True  # thinking needs the wire to stream


def test_region_and_host_settings_pick_the_base_url(monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "bailian_region", "intl")
    monkeypatch.setattr(llm_magic.settings, "chatanywhere_host", "global")
    assert "dashscope-intl" in prepare_call("bailian", "hi", key=KEY).base_url
    assert prepare_call("chatanywhere", "hi", key=KEY).base_url == "https://api.chatanywhere.org/v1"


def test_base_url_precedence(monkeypatch):
    monkeypatch.setitem(llm_magic.settings.base_urls, "deepseek", "https://config.example/v1")
    assert prepare_call("deepseek", "hi", key=KEY).base_url == "https://config.example/v1"
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "https://env.example/")
    assert prepare_call("deepseek", "hi", key=KEY).base_url == "https://env.example"
    assert prepare_call("deepseek", "hi", key=KEY, base_url="https://arg.example").base_url == "https://arg.example"


def test_registered_endpoint_works_like_a_builtin(monkeypatch):
    monkeypatch.setenv("MOONSHOT_API_KEY", KEY)
    llm_magic.register_provider("moonshot", "https://api.moonshot.cn/v1", key_var="MOONSHOT_API_KEY",
                                default_model="kimi-k2", aliases=("kimi",))
    try:
        call = prepare_call("kimi", "hi")
        assert (call.provider.name, call.model, call.key) == ("moonshot", "kimi-k2", KEY)
    finally:
        from llm_magic.providers import unregister_provider
        unregister_provider("moonshot")


def test_prepared_call_repr_holds_no_key():
    assert KEY not in repr(prepare_call("deepseek", "hi", key=KEY))
