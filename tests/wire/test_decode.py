"""gzip and deflate bodies come out whole, in any split, and a bomb never inflates past the room it is given."""

from __future__ import annotations

import gzip
import itertools
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_magic.wire.decode import UnsupportedEncoding, decoder_for

TEXT = ("机器学习让计算机从数据中学习规律。" * 300).encode()


def _decode_all(encoding: str, data: bytes, pieces: int = 7, room: int = 1 << 30) -> bytes:
    decoder = decoder_for(encoding)
    step = max(1, len(data) // pieces)
    out = []
    for start in range(0, len(data), step):
        out += decoder.decode(data[start:start + step], room)
    out += decoder.flush()
    return b"".join(out)


@pytest.mark.parametrize("encoding,data", [
    ("gzip", gzip.compress(TEXT)), ("x-gzip", gzip.compress(TEXT)), ("GZIP", gzip.compress(TEXT)),
    ("deflate", zlib.compress(TEXT)),  # RFC 9110: zlib-wrapped
    ("deflate", zlib.compress(TEXT)[2:-4]),  # what some servers send: raw deflate
    ("gzip", gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])),  # two members, as RFC 1952 allows
    ("identity", TEXT), ("", TEXT), (" identity ", TEXT),
], ids=["gzip", "x-gzip", "GZIP", "deflate-zlib", "deflate-raw", "gzip-two-members", "identity", "none", "spaces"])
def test_each_encoding_decodes_whole(encoding, data):
    assert _decode_all(encoding, data) == TEXT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(gzip.compress(TEXT))), max_size=10))
def test_any_split_of_a_gzip_body_decodes_whole(cuts):
    data = gzip.compress(TEXT)
    points = sorted({0, len(data), *cuts})
    decoder = decoder_for("gzip")
    out = []
    for a, b in itertools.pairwise(points):
        out += decoder.decode(data[a:b], 1 << 30)
    assert b"".join(out + decoder.flush()) == TEXT


def test_a_gzip_bomb_inflates_no_more_than_the_room_given():
    bomb = gzip.compress(b"\0" * (64 << 20), 9) * 16  # ~1 GiB of zeros in ~1 MB
    decoder = decoder_for("gzip")
    room = 3 << 20
    out = decoder.decode(bomb, room)
    assert sum(map(len, out)) == room
    assert max(map(len, out)) <= 1 << 20  # never a giant piece in memory either


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
def test_encodings_never_asked_for_are_refused(encoding):
    with pytest.raises(UnsupportedEncoding):
        decoder_for(encoding)


def test_damaged_gzip_raises_zlib_error():
    data = bytearray(gzip.compress(TEXT))
    data[20:40] = b"\xff" * 20
    with pytest.raises(zlib.error):
        _decode_all("gzip", bytes(data))
