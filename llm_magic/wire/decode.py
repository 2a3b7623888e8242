"""Undo ``Content-Encoding: gzip`` / ``deflate`` with a bound on what comes out.

The client advertises ``gzip, deflate`` for whole answers, so it must decode them. ``urllib3``
would decode too, but a few kilobytes of gzip can hold gigabytes of zeros: here each call
returns at most ``room`` bytes (``zlib``'s ``max_length``), so the reader stops at its cap
having inflated no more than the cap, whatever the compressed stream promises.
"""

from __future__ import annotations

import zlib

__all__ = ["BodyDecoder", "UnsupportedEncoding", "decoder_for"]

_GZIP = 16 + zlib.MAX_WBITS
#: at most this much comes out per step: a bomb never sits whole in memory, even below the cap
_STEP = 1 << 20


class UnsupportedEncoding(ValueError):
    """A ``Content-Encoding`` that was never advertised (br, zstd, a chain of several)."""


class BodyDecoder:
    """Identity: bytes pass through as they are."""

    def decode(self, data: bytes, room: int) -> list[bytes]:
        """At most ``room`` bytes of ``data`` (the rest is over the reader's cap anyway)."""
        return [data if len(data) <= room else data[:room]] if data and room > 0 else []

    def flush(self) -> list[bytes]:
        return []


class _Inflater(BodyDecoder):
    """gzip (several members allowed, as RFC 1952 says) or deflate (zlib-wrapped or raw)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._raw_fallback = not gzip  # "deflate" is zlib-wrapped by the RFC, raw by some servers
        self._zlib = zlib.decompressobj(_GZIP if gzip else zlib.MAX_WBITS)
        self._tail = b""  # compressed input not yet inflated, because the last call had no room

    def decode(self, data: bytes, room: int) -> list[bytes]:
        """Inflate ``self._tail + data`` until it is used up or ``room`` bytes came out."""
        pending = self._tail + data
        out: list[bytes] = []
        while pending and room > 0:
            piece, pending = self._step(pending, min(room, _STEP))
            if piece:
                out.append(piece)
                room -= len(piece)
            elif not pending:
                break
        self._tail = pending
        return out

    def _step(self, pending: bytes, most: int) -> tuple[bytes, bytes]:
        try:
            piece = self._zlib.decompress(pending, most)
        except zlib.error:
            if not self._raw_fallback:
                raise
            self._raw_fallback = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            piece = self._zlib.decompress(pending, most)
        self._raw_fallback = False
        if self._zlib.eof:
            rest = self._zlib.unused_data
            if self._gzip and rest.lstrip(b"\0"):  # another gzip member follows
                self._zlib = zlib.decompressobj(_GZIP)
                return piece, rest
            return piece, b""
        return piece, self._zlib.unconsumed_tail

    def flush(self) -> list[bytes]:
        return [self._zlib.flush()] if not self._zlib.eof and not self._tail else []


def decoder_for(content_encoding: str | None) -> BodyDecoder:
    """The decoder for a ``Content-Encoding`` header; UnsupportedEncoding for anything not advertised."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return BodyDecoder()
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater(gzip=codings[0] != "deflate")
    raise UnsupportedEncoding(", ".join(codings))
