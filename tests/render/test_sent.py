"""The thumbnail row: only image data URLs we made become <img>; every label is escaped text."""

from __future__ import annotations

from dataclasses import dataclass

from llm_magic.engine.images import image_from
from llm_magic.render.sent import sent_images_html, sent_images_text
from tests.harness.images import png_bytes


@dataclass(frozen=True)
class _Stand:
    label: str = "x.png"
    mime: str | None = "image/png"
    url: str | None = None
    width: int | None = 2
    height: int | None = 2
    size: int = 10
    preview: str | None = None


def test_a_preview_that_is_not_base64_image_data_is_not_embedded():
    hostile = 'data:image/png;base64,AAAA" onerror="alert(1)'
    page = sent_images_html([_Stand(preview=hostile), _Stand(preview="javascript:alert(1)")])
    assert "onerror" not in page and "javascript:" not in page and page.count("<img") == 0
    assert page.count("🖼") == 2  # a placeholder stands in


def test_an_https_image_is_shown_as_its_address_never_loaded():
    image = image_from("https://example.org/a.png?<b>")
    page = sent_images_html([image])
    assert "<img" not in page and "https://example.org/a.png?&lt;b&gt;" in page
    assert "https://example.org/a.png?<b>" in sent_images_text([image])


def test_a_small_image_is_shown_as_it_was_sent():
    image = image_from(png_bytes(3, 2), label="red")
    page = sent_images_html([image])
    assert f'<img src="{image.data_url}"' in page and "red · PNG 3×2 · " in page
