"""Images a cell sends: from a path, an https:// URL, bytes, a PIL image, a matplotlib figure or a
numpy array, to the OpenAI ``image_url`` part, checked against the provider's declared limits.

PIL, matplotlib and numpy are never imported here: their objects are recognised by what they
can do (``save``, ``savefig``, ``shape``), so a notebook without them loses nothing. Local data is
sent as a base64 ``data:`` URL, so the request (and the replay cache's key) holds the image bytes.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text
from ..media import decode_data_url, human_size, sniff
from ..providers import Provider
from .png import encode_array, shrink_array
from .validate import NOTHING_SENT, bad_option

__all__ = ["ImageInput", "check_images", "image_from", "images_from", "image_parts_in"]

#: a sent image this small is shown as it is; a larger one as a thumbnail (PIL, numpy) or a card
INLINE_PREVIEW_LIMIT = 160 * 1024
_THUMBNAIL_PIXELS = 160


@dataclass(frozen=True)
class ImageInput:
    """One image as it will be sent: its bytes (local data) or an https URL the provider fetches."""

    #: what the user gave, for messages and the thumbnail: a path, a URL, "PIL image"…
    label: str
    mime: str | None
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    width: int | None = None
    height: int | None = None
    #: a small data: URL of what was sent, made here (never from an answer), or None
    preview: str | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0

    @property
    def data_url(self) -> str:
        if self.data is None:
            return self.url or ""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def encoded_size(self) -> int:
        """Characters this image adds to the request body."""
        if self.data is None:
            return len(self.url or "")
        return len(f"data:{self.mime};base64,") + 4 * ((self.size + 2) // 3)

    def part(self) -> dict[str, Any]:
        """The OpenAI content part: ``{"type": "image_url", "image_url": {"url": ...}}``."""
        return {"type": "image_url", "image_url": {"url": self.url or self.data_url}}

    def describe(self) -> str:
        """``"cat.png: PNG 64×48, 1.2 KB"`` for notices and the terminal."""
        if self.data is None:
            return self.label
        kind = self.mime.split("/", 1)[1].upper() if self.mime else "?"
        pixels = f" {self.width}×{self.height}" if self.width and self.height else ""
        return f"{self.label}: {kind}{pixels}, {human_size(self.size)}"


def _refuse(en: str, zh: str) -> ConfigurationError:
    return bad_option(en, zh)


def _from_bytes(data: bytes, label: str, preview: str | None = None) -> ImageInput:
    info = sniff(data)
    if info is None:
        raise _refuse(f"{label} is not an image llm_magic can read (PNG, JPEG, GIF, WebP or BMP).",
                      f"{label} 不是可识别的图片（支持 PNG、JPEG、GIF、WebP、BMP）。")
    if preview is None and len(data) <= INLINE_PREVIEW_LIMIT:
        preview = f"data:{info.mime};base64,{base64.b64encode(data).decode('ascii')}"
    return ImageInput(label, info.mime, data, None, info.width, info.height,
                      preview or _pil_preview(data))


def _from_text(text: str, label: str) -> ImageInput:
    stripped = text.strip()
    if stripped.lower().startswith("https://"):
        return ImageInput(label, None, url=stripped)
    if stripped.lower().startswith("http://"):
        raise _refuse(f"{stripped} is a plain http:// address; providers fetch only https:// images. "
                      "Download the file and give its path instead.",
                      f"{stripped} 是 http:// 地址；服务商只会下载 https:// 的图片。请先下载，再给出文件路径。")
    if stripped.lower().startswith("data:"):
        decoded = decode_data_url(stripped)
        if decoded is None:
            raise _refuse("This data: URL is not valid base64.", "这个 data: URL 不是有效的 base64。")
        return _from_bytes(decoded[1], label if label != stripped else "data: URL")
    return _from_path(Path(stripped).expanduser(), label)


def _from_path(path: Path, label: str) -> ImageInput:
    if not path.is_file():
        raise _refuse(f"There is no image file at {path} (working directory: {Path.cwd()}).",
                      f"找不到图片文件 {path}（当前工作目录：{Path.cwd()}）。")
    return _from_bytes(path.read_bytes(), label)


def _saved(save: Any, **options: Any) -> bytes:
    buffer = io.BytesIO()
    save(buffer, **options)
    return buffer.getvalue()


def _from_object(value: Any, label: str) -> ImageInput | None:
    """A PIL image, a matplotlib figure or axes, or a numpy array; None for anything else."""
    if hasattr(value, "savefig"):  # matplotlib Figure
        return _from_bytes(_saved(value.savefig, format="png", bbox_inches="tight"), label)
    if hasattr(getattr(value, "figure", None), "savefig"):  # matplotlib Axes
        return _from_bytes(_saved(value.figure.savefig, format="png", bbox_inches="tight"), label)
    if hasattr(value, "save") and hasattr(value, "mode") and hasattr(value, "size"):  # PIL Image
        jpeg = getattr(value, "format", None) == "JPEG" and value.mode in ("RGB", "L")
        return _from_bytes(_saved(value.save, format="JPEG" if jpeg else "PNG"), label)
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # numpy array
        preview = encode_array(shrink_array(value, _THUMBNAIL_PIXELS))
        return _from_bytes(encode_array(value), label,
                           preview=f"data:image/png;base64,{base64.b64encode(preview).decode('ascii')}")
    return None


def image_from(value: Any, label: str | None = None) -> ImageInput:
    """One image from whatever a notebook holds; a clear refusal for anything that is not one."""
    if isinstance(value, ImageInput):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(value), label or "bytes")
    if isinstance(value, str):
        return _from_text(value, label or value.strip())
    if isinstance(value, os.PathLike):
        return _from_path(Path(os.fspath(value)).expanduser(), label or os.fspath(value))
    found = _from_object(value, label or type(value).__name__)
    if found is None:
        kind = type(value).__name__
        raise _refuse(f"A {kind} cannot be sent as an image: give a file path, an https:// URL, bytes, "
                      "a PIL image, a matplotlib figure or a numpy array.",
                      f"{kind} 类型的值不能作为图片发送：请给出文件路径、https:// 地址、bytes、PIL 图片、"
                      "matplotlib 图形或 numpy 数组。")
    return found


def images_from(values: Iterable[Any] | None) -> tuple[ImageInput, ...]:
    """Every image of ``values`` (a single path or object counts as one)."""
    if values is None:
        return ()
    if isinstance(values, (str, bytes, bytearray, memoryview, os.PathLike)) or not isinstance(values, Iterable) \
            or hasattr(values, "shape"):
        values = [values]
    return tuple(image_from(value) for value in values)


def _pil_preview(data: bytes) -> str | None:
    """A small PNG of a large image, when PIL happens to be installed (optional)."""
    try:
        from PIL import Image  # type: ignore[import-not-found,unused-ignore]  # optional, never required
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.thumbnail((_THUMBNAIL_PIXELS, _THUMBNAIL_PIXELS))
            small = _saved(opened.convert("RGBA").save, format="PNG")
    except (OSError, ValueError):
        return None
    return f"data:image/png;base64,{base64.b64encode(small).decode('ascii')}"


# -- checks before sending ----------------------------------------------------------------------
def image_parts_in(message: Mapping[str, Any]) -> int:
    """How many image parts a message's content holds."""
    content = message.get("content")
    if not isinstance(content, list):
        return 0
    return sum(1 for part in content if isinstance(part, Mapping) and part.get("type") in ("image_url", "image"))


def _too_many(en: str, zh: str, provider: Provider) -> ConfigurationError:
    source = provider.vision.limits.source if provider.vision else None
    hint = Text(f"The limit is {provider.display_name}'s ({source}).",
                f"这是 {provider.display_name} 的限制（{source}）。")
    return ConfigurationError(Text(en, zh), hint=hint + NOTHING_SENT if source else NOTHING_SENT,
                              provider=provider.name)


def check_model(provider: Provider, model: str) -> None:
    """A model known to read text only is refused, with the models that do read images."""
    vision = provider.vision
    if vision is not None and not vision.reads_images(model):
        raise ConfigurationError(
            Text(f"{model} reads text only: it cannot see images.", f"{model} 只能读文字，看不到图片。"),
            hint=provider.vision_hint() + NOTHING_SENT, provider=provider.name)


def check_images(provider: Provider, images: Sequence[ImageInput]) -> None:
    """Count, format and size of each image against what the provider declares."""
    limits = provider.vision.limits if provider.vision else None
    if limits is None or not images:
        return
    name = provider.display_name
    if limits.count is not None and len(images) > limits.count:
        raise _too_many(f"{len(images)} images are more than the {limits.count} {name} takes in one request.",
                        f"{len(images)} 张图片超过了 {name} 每次请求 {limits.count} 张的上限。", provider)
    for image in images:
        _check_one(provider, image)
    total = sum(image.size for image in images)
    if limits.all_images is not None and total > limits.all_images:
        raise _too_many(f"The images add up to {human_size(total)}, more than the {human_size(limits.all_images)} "
                        f"{name} takes in one request.",
                        f"图片合计 {human_size(total)}，超过了 {name} 每次请求 "
                        f"{human_size(limits.all_images)} 的上限。",
                        provider)


def _check_one(provider: Provider, image: ImageInput) -> None:
    limits = provider.vision.limits if provider.vision else None
    if limits is None:
        return
    name = provider.display_name
    if limits.formats and image.mime and image.mime not in limits.formats:
        kinds = ", ".join(kind.split("/")[1].upper() for kind in limits.formats)
        raise _too_many(f"{image.label} is {image.mime}; {name} reads {kinds}. Save it as PNG or JPEG first.",
                        f"{image.label} 的格式是 {image.mime}；{name} 只支持 {kinds}。请先另存为 PNG 或 JPEG。",
                        provider)
    if limits.per_image is not None and image.size > limits.per_image:
        raise _too_many(f"{image.label} is {human_size(image.size)}, more than the {human_size(limits.per_image)} "
                        f"{name} takes per image. Make it smaller first.",
                        f"{image.label} 有 {human_size(image.size)}，超过了 {name} 单张 {human_size(limits.per_image)} "
                        "的上限。请先缩小图片。", provider)


def check_body(provider: Provider, images: Sequence[ImageInput], text_size: int) -> None:
    """The whole request body, base64 included, against the provider's body limit."""
    limits = provider.vision.limits if provider.vision else None
    if limits is None or limits.body is None or not images:
        return
    size = text_size + sum(image.encoded_size for image in images)
    if size > limits.body:
        raise _too_many(f"With its images in base64 the request is about {human_size(size)}, more than the "
                        f"{human_size(limits.body)} {provider.display_name} accepts. Send fewer or smaller images.",
                        f"图片转成 base64 后，请求约有 {human_size(size)}，超过了 {provider.display_name} "
                        f"{human_size(limits.body)} 的上限。请减少图片数量或缩小图片。", provider)


def check_roles(provider: Provider, messages: Sequence[Mapping[str, Any]]) -> None:
    """DeepSeek reads images only in user messages: a system or assistant image is refused here."""
    limits = provider.vision.limits if provider.vision else None
    if limits is None or not limits.user_messages_only:
        return
    for message in messages:
        if message.get("role") != "user" and image_parts_in(message):
            role = message.get("role")
            raise _too_many(f"{provider.display_name} reads images only in user messages, not in a {role} message.",
                            f"{provider.display_name} 只接受用户消息（user）中的图片，{role} 消息里不能放图片。",
                            provider)
