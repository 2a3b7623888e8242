"""The SSE reader: any split of a stream gives the same events; garbage never escapes as a crash."""

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_magic.errors import ResponseFormatError
from llm_magic.wire.sse import DONE, SSEDecoder, iter_events

TEXTS = ["你好，", "世界", "🙂 emoji", "plain ascii", "机器学习是人工智能的一个分支。"]


def _stream(texts, *, newline="\n", space=" ", keepalive=False, done=True):
    parts = []
    for text in texts:
        if keepalive:
            parts.append(f": keep-alive{newline}{newline}")
        chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
        parts.append(f"data:{space}{json.dumps(chunk, ensure_ascii=False)}{newline}{newline}")
    if done:
        parts.append(f"data:{space}[DONE]{newline}{newline}")
    return "".join(parts).encode("utf-8")


def _texts(events):
    return [e["choices"][0]["delta"]["content"] for e in events if e is not DONE]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("space", [" ", ""])
@pytest.mark.parametrize("keepalive", [False, True])
def test_line_endings_spaces_and_comments(newline, space, keepalive):
    events = list(iter_events([_stream(TEXTS, newline=newline, space=space, keepalive=keepalive)]))
    assert _texts(events) == TEXTS
    assert events[-1] is DONE


def test_a_stream_without_done_still_yields_every_event():
    events = list(iter_events([_stream(TEXTS, done=False)]))
    assert _texts(events) == TEXTS and DONE not in events


def test_last_line_without_newline_counts():
    assert list(iter_events([b'data: {"a": 1}'])) == [{"a": 1}]


def test_multi_line_data_is_joined():
    assert list(iter_events([b'data: {"a":\ndata: 2}\n\n'])) == [{"a": 2}]


def test_event_is_handed_on_before_the_blank_line_arrives():
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"n": 1}\n') == [{"n": 1}]


def test_a_chinese_character_split_across_reads_survives():
    data = _stream(["机器学习"])
    cut = data.index("机".encode()) + 1  # inside the 3-byte character
    assert _texts(iter_events([data[:cut], data[cut:]])) == ["机器学习"]


def test_non_json_event_is_a_format_error():
    with pytest.raises(ResponseFormatError):
        list(iter_events([b"data: <html>oops</html>\n\n"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=6), st.data())
def test_any_split_gives_the_same_events(texts, data):
    stream = _stream(texts, newline=data.draw(st.sampled_from(["\n", "\r\n"])), keepalive=data.draw(st.booleans()))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(stream)), max_size=12))))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=False)]
    assert _texts(iter_events(pieces)) == texts


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_arbitrary_bytes_raise_nothing_but_format_errors(chunks):
    with contextlib.suppress(ResponseFormatError):
        list(iter_events(chunks))
