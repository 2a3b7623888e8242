"""Small real image files for tests, written with zlib and struct (independent of the code under test)."""

from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid RGB PNG of one colour."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def gif_bytes(width: int = 2, height: int = 2) -> bytes:
    """The header and an empty body of a GIF: enough for format and size checks."""
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def bmp_bytes(width: int = 2, height: int = 2) -> bytes:
    """A BMP header (format and size only)."""
    return b"BM" + b"\x00" * 16 + struct.pack("<ii", width, height) + b"\x00" * 28


def big_png(size: int) -> bytes:
    """``size`` bytes that start like a PNG: for size limits, never decoded."""
    head = png_bytes(1, 1)
    return head + b"\x00" * max(0, size - len(head))
