"""The SSE reader: any split of a stream gives the same events; garbage never escapes as a crash."""

import contextlib
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from llm_magic.errors import NetworkError, ResponseFormatError
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
@example([b'data: {"choices": [{"delta": {"content": "cut'])
def test_arbitrary_bytes_raise_nothing_but_format_errors_or_a_cut(chunks):
    with contextlib.suppress(ResponseFormatError, NetworkError):
        list(iter_events(chunks))


def test_json_cut_short_at_the_end_is_a_cut_not_a_format_error():
    """A close-delimited stream that stops mid-event ends cleanly at the socket: the decoder must say "cut"."""
    with pytest.raises(NetworkError) as caught:
        list(iter_events([b'data: {"choices": [{"delta": {"content": "ok"}}]}\n\n',
                          b'data: {"choices": [{"delta": {"content": "\xe6\x9c']))
    assert "closed before the answer was complete" in caught.value.message


def test_text_that_is_no_json_at_the_end_is_still_a_format_error():
    with pytest.raises(ResponseFormatError):
        list(iter_events([b"data: <html>Bad gateway</html>"]))


@pytest.mark.parametrize("megabytes", [16, 100])
def test_one_long_line_is_searched_once_per_byte(megabytes):
    """Linear time, measured as work and not as seconds: the old decoder re-joined and re-split its whole
    buffer on every read, searching a 16 MB line 1.97 GB deep in 64 KiB reads (and a 100 MB one never ended)."""
    text = "学习".encode() + b"x" * (megabytes * 1_000_000)
    line = b'data: {"choices": [{"index": 0, "delta": {"content": "' + text + b'"}}]}\n\n'
    decoder = SSEDecoder()
    events = []
    step = 65536
    for start in range(0, len(line), step):
        events += decoder.feed(line[start:start + step])
    events += decoder.close()
    assert len(events) == 1 and events[0]["choices"][0]["delta"]["content"].encode() == text
    assert decoder.scanned == len(line)  # each byte searched for a line end exactly once


def test_crlf_split_across_reads_is_one_line_end():
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a": 1}\r') == [{"a": 1}]
    assert decoder.feed(b'\ndata: {"b": 2}\r\n\r\n') == [{"b": 2}]
    assert decoder.scanned == len(b'data: {"a": 1}\r\ndata: {"b": 2}\r\n\r\n') - 1
