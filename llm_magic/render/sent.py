"""What a cell sent besides its text: a small thumbnail of each image, above the answer.

Only data this package generated becomes an ``<img>``: the engine's preview ``data:`` URL, checked
here to be base64 image data. Labels (file names, URLs) are escaped text. An https:// image is
shown as its address, never loaded, so opening the notebook contacts no other host.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Protocol

from ..i18n import Text
from ..media import human_size
from .show import Screen

#: what may sit in src: an image data URL of base64 characters only (no quotes, no script)
_SAFE_PREVIEW = re.compile(r"^data:image/(png|jpeg|gif|webp|bmp);base64,[A-Za-z0-9+/]+=*$")


class SentImage(Protocol):
    """What the thumbnail row needs of an image (``engine.images.ImageInput`` is one)."""

    @property
    def label(self) -> str: ...
    @property
    def mime(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def size(self) -> int: ...
    @property
    def preview(self) -> str | None: ...


def caption(image: SentImage) -> str:
    """``cat.png · PNG 64×48 · 1.2 KB``, or the URL."""
    if image.url:
        return image.url
    parts = [image.label, (image.mime or "?").split("/")[-1].upper()]
    if image.width and image.height:
        parts[-1] += f" {image.width}×{image.height}"
    parts.append(human_size(image.size))
    return " · ".join(parts)


def _figure(image: SentImage) -> str:
    shown = html.escape(caption(image))
    preview = image.preview if image.preview and _SAFE_PREVIEW.match(image.preview) else None
    picture = (f'<img src="{preview}" alt="{html.escape(image.label)}" '
               'style="max-height:96px; max-width:160px; border:1px solid #ccc; display:block">'
               if preview else '<div style="width:96px; height:64px; border:1px dashed #aaa; '
                               'display:flex; align-items:center; justify-content:center">🖼</div>')
    return (f'<figure style="margin:0 8px 4px 0; display:inline-block; vertical-align:top">{picture}'
            f'<figcaption style="font-size:80%; color:#666; max-width:200px; overflow-wrap:anywhere">'
            f"{shown}</figcaption></figure>")


def sent_images_html(images: Sequence[SentImage]) -> str:
    title = Text(f"Sent {len(images)} image(s):", f"已发送 {len(images)} 张图片：")
    figures = "".join(_figure(image) for image in images)
    return (f'<div class="llm-magic-sent-images"><div style="font-size:85%; color:#666">'
            f"{html.escape(str(title))}</div>{figures}</div>")


def sent_images_text(images: Sequence[SentImage]) -> str:
    title = Text(f"🖼 Sent {len(images)} image(s):", f"🖼 已发送 {len(images)} 张图片：")
    return "\n".join([str(title), *(f"  - {caption(image)}" for image in images)])


def show_sent_images(images: Sequence[SentImage], screen: Screen) -> None:
    """Print the list in a terminal; a row of thumbnails in a notebook. Nothing without images."""
    if not images:
        return
    if screen.terminal:
        print(sent_images_text(images))
        return
    from IPython.display import display

    display({"text/plain": sent_images_text(images), "text/html": sent_images_html(images)}, raw=True)
