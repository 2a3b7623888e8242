"""What an image is, read from its first bytes: format and size, without an imaging library.

The engine names and checks the images a cell sends; the offline demo describes the ones it
receives. Both read the same few header bytes here, so neither needs PIL.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "decode_data_url", "human_size", "sniff"]

_DATA_URL = re.compile(r"^data:(?P<mime>image/[\w.+-]+)?(?P<params>(;[\w-]+=[^;,]*)*)(?P<b64>;base64)?,", re.I)


@dataclass(frozen=True)
class ImageInfo:
    """An image's format and, when the header says so, its size in pixels."""

    mime: str
    width: int | None = None
    height: int | None = None

    @property
    def name(self) -> str:
        """``PNG``, ``JPEG``…: the format as people say it."""
        return self.mime.split("/", 1)[1].upper()


def sniff(data: bytes) -> ImageInfo | None:
    """The format (and size) of PNG, JPEG, GIF, WebP and BMP data; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10]) if len(data) >= 10 else (None, None)
        return ImageInfo("image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data.startswith(b"BM"):
        if len(data) < 26:
            return ImageInfo("image/bmp")
        width, height = struct.unpack("<ii", data[18:26])
        return ImageInfo("image/bmp", abs(width), abs(height))
    return None


def _png(data: bytes) -> ImageInfo:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("image/png", width, height)
    return ImageInfo("image/png")


def _jpeg(data: bytes) -> ImageInfo:
    """Walk the markers to the first start-of-frame, which holds the size."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return ImageInfo("image/jpeg", width, height)
        at += 2 + length
    return ImageInfo("image/jpeg")


def _webp(data: bytes) -> ImageInfo:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("image/webp", width, height)
    return ImageInfo("image/webp")


def decode_data_url(url: str) -> tuple[str | None, bytes] | None:
    """``(declared MIME type, bytes)`` of a ``data:`` URL; None when it is not one or is broken."""
    match = _DATA_URL.match(url)
    if match is None:
        return None
    payload = url[match.end():]
    try:
        data = base64.b64decode(payload, validate=True) if match.group("b64") else payload.encode()
    except (binascii.Error, ValueError):
        return None
    return match.group("mime"), data


def human_size(size: int) -> str:
    """``"812 B"``, ``"4.2 KB"``, ``"3.1 MB"`` (binary units, as the providers' limits are written)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
