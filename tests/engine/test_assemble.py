"""Valid JSON of the wrong shape: content parts are joined, bad usage is noted, anything else is a format error."""

from __future__ import annotations

import json

import pytest

from llm_magic import errors as e
from llm_magic.engine.assemble import USAGE_UNREADABLE, AnswerBuilder, partial_content, text_of
from llm_magic.engine.errormap import Context
from llm_magic.events import TextDelta
from llm_magic.providers import get_provider


def builder() -> AnswerBuilder:
    return AnswerBuilder(Context(get_provider("openai"), "gpt-test", "https://host.example/v1"))


def chunk(delta, **extra):
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": None}], **extra}


@pytest.mark.parametrize("content,text", [
    ("plain", "plain"), (None, None), ([], None),
    ([{"type": "text", "text": "机器"}, {"type": "text", "text": "学习"}], "机器学习"),
    ([{"type": "output_text", "text": "a"}, "b", {"text": "c"}], "abc"),
    ([{"type": "image_url", "image_url": {"url": "https://x"}}, {"type": "text", "text": "caption"}], "caption"),
    ([{"type": "image_url", "image_url": {"url": "https://x"}}], None),
], ids=repr)
def test_content_parts_are_joined(content, text):
    assert text_of(content) == text


@pytest.mark.parametrize("content", [42, {"text": "an object"}, [1, 2], [None]], ids=repr)
def test_content_that_is_no_text_is_a_format_error(content):
    with pytest.raises(e.ResponseFormatError):
        text_of(content)


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": "many"}, {"completion_tokens": [3]}, {"prompt_tokens": float("nan")},
    {"total_tokens": float("inf")}, {"completion_tokens_details": {"reasoning_tokens": "x"}}, "12 tokens", [5, 6],
], ids=repr)
def test_malformed_usage_is_ignored_with_one_note(usage):
    b = builder()
    deltas = list(b.add_chunk(chunk({"content": "hi"})))
    list(b.add_chunk({"choices": [], "usage": usage}))
    list(b.add_chunk({"choices": [], "usage": usage}))
    answer = b.answer(0.1)
    assert deltas == [TextDelta("hi")] and answer == "hi" and answer.usage is None
    assert answer.notes == (USAGE_UNREADABLE,)


@pytest.mark.parametrize("bad", [
    {"choices": {"0": {"delta": {"content": "x"}}}}, {"choices": "none"}, {"choices": ["a string"]},
    {"choices": [{"delta": "text as a string"}]}, {"choices": [{"delta": {"content": 7}}]},
], ids=repr)
def test_other_shapes_are_format_errors_after_the_text_that_arrived(bad):
    b = builder()
    list(b.add_chunk(chunk({"content": "kept "})))
    with pytest.raises(e.ResponseFormatError):
        list(b.add_chunk(bad))
    assert b.answer(0.1) == "kept "


def test_the_text_of_a_whole_completion_cut_off_is_read():
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "机器学习\n\"引号\" \\ 和 \u00e9"}}]})
    assert partial_content(body.encode()) == "机器学习\n\"引号\" \\ 和 \u00e9"
    cut = body.encode()[: body.encode().index(b"\\u00e9") + 3]  # inside an escape
    assert partial_content(cut) == "机器学习\n\"引号\" \\ 和 "
    assert partial_content(b'{"choices": [') == ""
