"""Images in: every kind of source becomes the OpenAI image part on the wire, and the provider's
declared limits refuse a request before anything is sent."""

from __future__ import annotations

import base64
import zlib

import pytest

import llm_magic
from llm_magic.engine.images import ImageInput, image_from, images_from
from llm_magic.errors import BadRequestError, ConfigurationError
from llm_magic.loopback import Reply
from llm_magic.media import decode_data_url, sniff
from llm_magic.providers.facts import MiB
from tests.harness.images import big_png, bmp_bytes, gif_bytes, png_bytes


def _parts(server):
    return server.last_request.body["messages"][-1]["content"]


def test_a_path_goes_as_a_base64_data_url_after_the_text(fake_provider, tmp_path):
    server = fake_provider("bailian")
    picture = tmp_path / "cat.png"
    picture.write_bytes(png_bytes(4, 3))
    llm_magic.ask("bailian:qwen3-vl-plus", "这是什么？", images=[str(picture)])
    encoded = base64.b64encode(png_bytes(4, 3)).decode()
    assert _parts(server) == [
        {"type": "text", "text": "这是什么？"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}},
    ]


def test_an_https_url_is_sent_as_it_is_and_never_fetched(fake_provider):
    server = fake_provider("deepseek")
    llm_magic.ask("deepseek", "describe", images="https://example.org/chart.png")
    assert _parts(server)[1] == {"type": "image_url", "image_url": {"url": "https://example.org/chart.png"}}
    assert server.request_count == 1  # only the chat request: nobody downloaded the picture


def test_bytes_a_data_url_and_several_images_keep_their_order(fake_provider):
    server = fake_provider("openai")
    gif = gif_bytes(5, 7)
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(2, 2)).decode()
    llm_magic.ask("openai", "compare", images=[gif, data_url])
    urls = [part["image_url"]["url"] for part in _parts(server)[1:]]
    assert urls[0] == "data:image/gif;base64," + base64.b64encode(gif).decode()
    assert urls[1] == data_url


def test_an_image_alone_needs_no_text(fake_provider):
    server = fake_provider("bailian")
    llm_magic.ask("bailian:qwen3-vl-flash", "", images=[png_bytes()])
    assert [part["type"] for part in _parts(server)] == ["image_url"]


def test_a_numpy_array_becomes_a_real_png():
    np = pytest.importorskip("numpy")
    array = np.zeros((3, 5, 3), dtype="uint8")
    array[..., 0] = 255
    image = image_from(array, label="arr")
    assert (image.mime, image.width, image.height) == ("image/png", 5, 3)
    data = image.data or b""
    compressed = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
    assert zlib.decompress(compressed) == (b"\x00" + b"\xff\x00\x00" * 5) * 3
    floats = image_from(np.ones((2, 2)) * 0.5)
    assert floats.mime == "image/png" and floats.preview and floats.preview.startswith("data:image/png;base64,")


def test_a_pil_image_is_saved_as_png():
    Image = pytest.importorskip("PIL.Image")
    picture = Image.new("RGB", (6, 4), (10, 200, 10))
    image = image_from(picture, label="picture")
    assert (image.mime, image.width, image.height, image.label) == ("image/png", 6, 4, "picture")


def test_a_large_pil_readable_image_gets_a_small_thumbnail():
    Image = pytest.importorskip("PIL.Image")
    import io

    buffer = io.BytesIO()
    Image.effect_noise((1200, 900), 80).convert("RGB").save(buffer, format="PNG")
    image = image_from(buffer.getvalue())
    assert image.size > 160 * 1024
    preview = decode_data_url(image.preview or "")
    assert preview is not None
    info = sniff(preview[1])
    assert info is not None and max(info.width or 0, info.height or 0) <= 160


def test_a_matplotlib_figure_is_saved_as_png():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1))
    axes.plot([1, 2, 3])
    assert image_from(figure).mime == "image/png"
    assert image_from(axes).mime == "image/png"
    plt.close(figure)


@pytest.mark.parametrize(("value", "words"), [
    ("missing.png", "There is no image file"),
    ("http://example.org/a.png", "https://"),
    (b"not an image at all", "not an image"),
    ("data:image/png;base64,@@@", "not valid base64"),
    (3.5, "cannot be sent as an image"),
])
def test_what_is_not_an_image_is_refused_clearly(value, words):
    with pytest.raises(ConfigurationError, match=words):
        image_from(value)


def test_one_value_or_a_list_both_work():
    assert len(images_from(png_bytes())) == 1
    assert len(images_from([png_bytes(), gif_bytes()])) == 2
    assert isinstance(images_from([png_bytes()])[0], ImageInput)


# -- limits, before anything is sent -----------------------------------------------------------
def test_an_image_over_deepseeks_32_mib_is_refused_before_sending(fake_provider):
    server = fake_provider("deepseek")
    with pytest.raises(ConfigurationError, match=r"32\.0 MB") as caught:
        llm_magic.ask("deepseek", "describe", images=[big_png(32 * MiB + 1)])
    assert server.request_count == 0
    assert "api-docs.deepseek.com/guides/vision" in caught.value.hint


def test_a_body_over_deepseeks_48_mib_is_refused_before_sending(fake_provider):
    server = fake_provider("deepseek")
    with pytest.raises(ConfigurationError, match=r"48\.0 MB"):
        llm_magic.ask("deepseek", "describe", images=[big_png(20 * MiB), big_png(20 * MiB)])
    assert server.request_count == 0


def test_more_images_than_allowed_are_refused(fake_provider):
    server = fake_provider("deepseek")
    with pytest.raises(ConfigurationError, match="601 images are more than the 600"):
        llm_magic.ask("deepseek", "count", images=[gif_bytes()] * 601)
    assert server.request_count == 0


def test_a_format_the_provider_does_not_read_is_refused(fake_provider):
    server = fake_provider("openai")
    with pytest.raises(ConfigurationError, match="image/bmp"):
        llm_magic.ask("openai", "what", images=[bmp_bytes()])
    assert server.request_count == 0


def test_deepseek_images_only_in_user_messages(fake_provider):
    server = fake_provider("deepseek")
    history = [{"role": "user", "content": "look"},
               {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://e.org/a.png"}}]}]
    with pytest.raises(ConfigurationError, match="only in user messages"):
        llm_magic.ask("deepseek", "and now?", messages=history)
    assert server.request_count == 0


def test_the_loopback_deepseek_refuses_a_system_image_like_the_real_one(fake_provider):
    """The fake server enforces the rule too: the client-side check above is what keeps it from a 400."""
    import requests

    server = fake_provider("deepseek")
    body = {"model": "deepseek-flash", "messages": [
        {"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://e.org/a.png"}}]},
        {"role": "user", "content": "hi"}]}
    reply = requests.post(server.url("/chat/completions"), json=body, timeout=10,
                          headers={"Authorization": f"Bearer {server.key}"})
    assert reply.status_code == 400 and "only supported in user messages" in reply.text


def test_a_text_only_model_is_refused_with_the_vision_models_named(fake_provider):
    server = fake_provider("bailian")
    with pytest.raises(ConfigurationError, match="qwen-plus reads text only") as caught:
        llm_magic.ask("bailian:qwen-plus", "这是什么？", images=[png_bytes()])
    assert "qwen3-vl-plus" in caught.value.hint and "Nothing was sent" in caught.value.hint
    assert server.request_count == 0


def test_when_the_provider_says_no_to_images_the_hint_names_its_vision_models(fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.error(400, {"error": {"message": "Invalid content type. image_url is only supported by "
                                             "certain models.", "type": "invalid_request_error", "code": None}}))
    with pytest.raises(BadRequestError) as caught:
        llm_magic.ask("openai:some-text-model", "what", images=[png_bytes()])
    assert "gpt-4o-mini" in caught.value.hint


def test_no_images_means_the_plain_string_content_as_before(fake_provider):
    server = fake_provider("deepseek")
    llm_magic.ask("deepseek", "hi")
    assert server.last_request.body["messages"][-1] == {"role": "user", "content": "hi"}
