"""Every error body shape the providers use becomes the right error with a next step, in both languages."""

import json

import pytest

from llm_magic import errors as e
from llm_magic.engine.errormap import Context, error_for_status, error_in_stream, parse_error_body
from llm_magic.providers import get_provider


def ctx(name, key="sk-test-errormap-0000aaaa"):
    return Context(get_provider(name), "some-model", "https://host.example/v1", key)


def openai_style(message, type_="invalid_request_error", code="invalid_request_error", **extra):
    return json.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}, **extra})


CASES = [
    # provider, status, body, expected class, words the hint must contain
    ("deepseek", 401, openai_style("Authentication Fails, Your api key: ****aaaa is invalid", "authentication_error"),
     e.AuthenticationError, "%llm_key deepseek"),
    ("deepseek", 402, openai_style("Insufficient Balance", "unknown_error"), e.InsufficientBalanceError, "top_up"),
    ("deepseek", 400, openai_style("Model Not Exist"), e.BadRequestError, "%llm_models deepseek"),
    ("deepseek", 400, openai_style("Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"),
     e.BadRequestError, "--max-tokens"),
    ("deepseek", 503, openai_style("Server overloaded", "server_error"), e.ServerError, "again"),
    ("bailian", 401, openai_style("Incorrect API key provided. ", code="invalid_api_key", request_id="r1"),
     e.AuthenticationError, "%config LLMMagics.bailian_region = 'intl'"),
    ("bailian", 400, json.dumps({"error": {"code": "Arrearage", "param": None, "type": "Arrearage",
                                           "message": "Access denied, please make sure your account "
                                                      "is in good standing."}}),
     e.InsufficientBalanceError, "Top up"),
    ("bailian", 400, json.dumps({"error": {"code": "data_inspection_failed", "type": "data_inspection_failed",
                                           "message": "Input data may contain inappropriate content."}}),
     e.ContentFilterError, "Rephrase"),
    ("bailian", 429, openai_style("You have exceeded your current request limit.", "limit_requests", "limit_requests"),
     e.RateLimitError, "Wait"),
    ("bailian", 404, openai_style("The model `Qwen-Plus` does not exist or you do not have access to it."),
     e.BadRequestError, "case-sensitive"),
    ("bailian", 400, openai_style("parameter.enable_thinking must be set to false for non-streaming calls",
                                  code="invalid_parameter_error"), e.BadRequestError, "--no-think"),
    ("chatanywhere", 401, "<html><head><title>401 Authorization Required</title></head><body><center><h1>401 "
     "Authorization Required</h1></center><hr><center>Tengine</center></body></html>", e.AuthenticationError, "sk-"),
    ("chatanywhere", 403, json.dumps({"error": {"message": "免费API限制模型输入token小于4096，如有更多需求，请访问 ... "
                                                "The free API limits the input to fewer than 4096 tokens",
                                                "type": "chatanywhere_error", "param": None, "code": "403 FORBIDDEN"}}),
     e.PermissionDeniedError, "4096"),
    ("chatanywhere", 403, json.dumps({"error": {"message": "免费API不支持此模型 / free key does not support gpt-4",
                                                "type": "chatanywhere_error", "param": None, "code": "403 FORBIDDEN"}}),
     e.PermissionDeniedError, "gpt-4o-mini"),
    ("chatanywhere", 429, json.dumps({"error": {"message": "该模型免费API限制每日5次请求，请00:00后再试",
                                                "type": "chatanywhere_error", "code": "429 TOO MANY REQUESTS"}}),
     e.RateLimitError, "tomorrow"),
    ("huggingface", 401, json.dumps({"error": "Invalid username or password."}), e.AuthenticationError, "fine-grained"),
    ("huggingface", 402,
     json.dumps({"error": "You have exceeded your monthly included credits for Inference Providers."}),
     e.InsufficientBalanceError, "billing"),
    ("huggingface", 400, json.dumps({"error": {"message": "The requested model 'x' is not supported "
                                                          "by any provider you have enabled.",
                                               "type": "invalid_request_error",
                                               "param": "model", "code": "model_not_supported"}}),
     e.BadRequestError, "/models"),
    ("huggingface", 403, json.dumps({"error": "Access to model meta-llama/x is restricted."}), e.PermissionDeniedError,
     "licence"),
    ("huggingface", 422, "Failed to deserialize the JSON body into the target type", e.BadRequestError, "options"),
    ("huggingface", 503, json.dumps({"error": "Model x is currently loading", "estimated_time": 20.0}),
     e.ServerError, "20 seconds"),
    ("huggingface", 410, "https://api-inference.huggingface.co is no longer supported.", e.BadRequestError,
     "router.huggingface.co"),
    ("huggingface", 400, json.dumps({"error": ["Error in `inputs`: field required", "Error in `parameters`"]}),
     e.BadRequestError, "options"),
    ("openai", 404, openai_style("The model `gpt-9` does not exist", code="model_not_found"), e.BadRequestError,
     "%llm_models openai"),
    ("openai", 429, openai_style("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
     e.InsufficientBalanceError, "Top up"),
    ("openai", 408, "", e.RequestTimeoutError, "--max-tokens"),
    ("openai", 413, "Request Entity Too Large", e.BadRequestError, "Shorten"),
    ("openai", 502, "<html><title>502 Bad Gateway</title></html>", e.ServerError, "provider's side"),
    ("openai", 404, "404 page not found", e.BadRequestError, "OPENAI_BASE_URL"),
]


@pytest.mark.parametrize("name,status,body,cls,hint_word", CASES)
def test_status_and_body_give_the_right_error(name, status, body, cls, hint_word):
    error = error_for_status(status, body.encode(), ctx(name))
    assert type(error) is cls
    assert error.status == status and error.provider == name
    message, hint = error.texts("en")
    assert hint_word in hint or hint_word in message
    zh_message, zh_hint = error.texts("zh")
    assert zh_message != message and zh_hint != hint  # really translated
    assert len(message) + len(hint) < 600  # one short paragraph, never a page of HTML


def test_retry_after_is_read_and_named():
    error = error_for_status(429, b"{}", ctx("deepseek"), {"Retry-After": "7"})
    assert isinstance(error, e.RateLimitError) and error.retry_after == 7
    assert "7 seconds" in error.texts("en")[1]


def test_keys_echoed_by_a_provider_stay_masked():
    from llm_magic.secrets import remember
    key = "sk-test-echoed-4f9a8b7c6d5e"
    remember(key)
    error = error_for_status(401, openai_style(f"Incorrect API key provided: {key}").encode(), ctx("openai", key))
    assert key not in str(error) and "sk-…6d5e" in str(error)
    assert key not in repr(error) and all(key not in line for line in error._render_traceback_())


def test_error_inside_a_stream():
    error = error_in_stream({"error": {"message": "upstream failed", "code": 500}}, ctx("huggingface"))
    assert isinstance(error, e.ServerError) and error.status == 500


@pytest.mark.parametrize("body,message", [
    (b'{"error": "plain"}', "plain"),
    (b'{"error": {"message": "nested", "code": "x"}}', "nested"),
    (b'{"error": ["a", "b"]}', "a; b"),
    (b'{"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "r"}',
     "Invalid API-key provided."),
    (b"\n\n  text body\n", "text body"),
    (b"\xff\xfe binary", "binary"),
])
def test_every_envelope_is_read(body, message):
    assert message in parse_error_body(body).message


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_odd_retry_after_values_never_reach_the_hint(value):
    error = error_for_status(429, b"{}", ctx("openai"), {"Retry-After": value})
    assert error.retry_after in (None, 0.0) and "inf" not in str(error) and "nan" not in str(error)


def test_a_loading_model_is_retried_after_its_estimated_time():
    error = error_for_status(503, b'{"error": "Model x is currently loading", "estimated_time": 4.0}',
                             ctx("huggingface"))
    assert error.retry_after == 4.0 and error.retryable


def test_chinese_messages_use_chinese_punctuation_and_deepseek_risk_is_a_content_filter():
    error = error_for_status(400, openai_style("Content Exists Risk").encode(), ctx("deepseek"))
    assert isinstance(error, e.ContentFilterError)
    assert "：Content Exists Risk" in error.texts("zh")[0] and ": Content Exists Risk" in error.texts("en")[0]


def test_the_demo_explains_acted_errors_without_asking_for_a_demo_key():
    error = error_for_status(401, b'{"error": {"message": "bad"}}', ctx("demo"))
    assert "%llm_key demo" not in str(error) and "demo" in error.texts("en")[1].lower()


# -- waits: never negative, always in words that agree with the number -----------------------------
@pytest.mark.parametrize("estimated", [-5, 0, float("nan"), float("inf"), True, "soon"], ids=repr)
def test_an_impossible_estimated_time_is_not_a_wait(estimated):
    body = json.dumps({"error": "Model is currently loading", "estimated_time": estimated})
    error = error_for_status(503, body, ctx("huggingface"))
    assert error.retry_after is None and "-5" not in error.hint and "nan" not in error.hint.lower()


@pytest.mark.parametrize("retry_after,en,zh", [("1", "Wait 1 second,", "请等待 1 秒后"),
                                               ("0.4", "Wait 1 second,", "请等待 1 秒后"),
                                               ("8", "Wait 8 seconds,", "请等待 8 秒后")])
def test_retry_after_in_words_is_singular_for_one_second(retry_after, en, zh):
    error = error_for_status(429, openai_style("Rate limit reached", "rate_limit_error"), ctx("openai"),
                             {"Retry-After": retry_after})
    assert en in error.texts("en")[1] and zh in error.texts("zh")[1]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
def test_retry_after_holds_for_every_retried_status(status):
    error = error_for_status(status, openai_style("busy", "server_error"), ctx("deepseek"), {"Retry-After": "8"})
    assert error.retry_after == 8.0


def test_529_is_a_server_error():
    error = error_for_status(529, json.dumps({"type": "error", "error": {"type": "overloaded_error",
                                                                      "message": "Overloaded"}}), ctx("openai"))
    assert type(error) is e.ServerError and "HTTP 529" in error.message


def test_litellm_invalid_model_name_is_an_unknown_model():
    body = openai_style("Invalid model name passed in model=gpt-5-mini. Call `/v1/models` to view available models "
                        "for your key.", code="400")
    error = error_for_status(400, body, ctx("openai"))
    assert "has no model 'some-model'" in error.message and "%llm_models openai" in error.hint


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_says_the_base_url_moved_and_where(status):
    error = error_for_status(status, b"", ctx("deepseek"), {"Location": "https://new.example/v1/chat/completions"})
    assert type(error) is e.BadRequestError and not error.retryable
    assert "moved" in error.message and "https://new.example/v1/chat/completions" in error.message
    assert "key was not sent there" in error.hint


def test_a_redirect_location_cannot_smuggle_control_characters():
    error = error_for_status(302, b"", ctx("deepseek"), {"Location": "https://x.example/\x1b[2J\x07" + "a" * 500})
    assert error.message.isprintable() and len(error.message) < 400


def test_a_404_on_the_model_list_is_not_a_missing_chat_endpoint():
    context = Context(get_provider("deepseek"), "m", "https://host.example/v1", None, path="/models")
    error = error_for_status(404, b'{"detail": "Not Found"}', context)
    assert "does not list its models" in error.message and "chat may still work" in error.hint


@pytest.mark.parametrize("body", [
    bytes(range(256)) * 4, b"\x1f\x8b\x08\x00" + bytes(range(200, 256)) * 20,
    "正常的中文\x00\x01\x02\x03\x04\x05\x06\x07\x08".encode(),
], ids=["bytes", "gzip", "nul"])
def test_binary_bodies_never_reach_a_message(body):
    error = error_for_status(502, body, ctx("openai"))
    for language in ("en", "zh"):
        message, hint = error.texts(language)
        assert (message + hint).isprintable() and "\ufffd" not in message, message
    assert "binary data" in error.message or "正常的中文" in error.message


def test_text_bodies_are_still_quoted():
    assert "upstream connect error" in error_for_status(503, b"upstream connect error\n", ctx("openai")).message
