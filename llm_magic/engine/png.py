"""A numpy array as a PNG file, with zlib and struct only: numpy is used through the array's own
methods and never imported, so it stays an optional extra."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from ..errors import ConfigurationError
from .validate import bad_option

#: channels → PNG colour type: grey, grey + alpha, RGB, RGBA
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _not_an_image(shape: Any) -> ConfigurationError:
    return bad_option(f"An array of shape {tuple(shape)} is not an image: "
                      "use (height, width), or (height, width, 3 or 4).",
                      f"形状为 {tuple(shape)} 的数组不是图片：应为 (高, 宽) 或 (高, 宽, 3 或 4)。")


def _as_bytes(array: Any) -> Any:
    """uint8 values: floats are read as 0–1 (matplotlib's convention), booleans as black and white."""
    kind = array.dtype.kind
    if kind == "b":
        return array.astype("uint8") * 255
    if kind == "f":
        return (array.clip(0.0, 1.0) * 255 + 0.5).astype("uint8")
    if kind in "iu":
        return array.clip(0, 255).astype("uint8")
    raise bad_option(f"An array of {array.dtype} values is not an image.", f"{array.dtype} 类型的数组不是图片。")


def encode_array(array: Any) -> bytes:
    """PNG bytes of a (height, width) or (height, width, channels) array."""
    shape = tuple(array.shape)
    if len(shape) == 2:
        array, shape = array.reshape((*shape, 1)), (*shape, 1)
    if len(shape) != 3 or shape[2] not in _COLOUR_TYPES or 0 in shape:
        raise _not_an_image(shape)
    height, width, channels = shape
    raw = _as_bytes(array).tobytes()
    stride = width * channels
    rows = b"".join(b"\x00" + raw[row * stride:(row + 1) * stride] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 6))
            + _chunk(b"IEND", b""))


def shrink_array(array: Any, longest: int) -> Any:
    """Every n-th pixel, so the longer side is at most ``longest``: a thumbnail without resampling."""
    shape = tuple(array.shape)
    if len(shape) < 2:
        return array
    step = max(1, -(-max(shape[0], shape[1]) // longest))
    return array[::step, ::step]
