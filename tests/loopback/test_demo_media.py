"""The offline demo and the loopback flavours beyond text: images described by their headers,
JSON that follows the schema sent, embeddings on each flavour's own route."""

from __future__ import annotations

import base64
import json

import requests

from llm_magic.loopback import FakeProvider
from llm_magic.loopback.demo import demo_reply
from llm_magic.loopback.script import ChatRequest
from tests.harness.images import gif_bytes, png_bytes


def _request(parts, **extra):
    return ChatRequest({"model": "demo-chat", "messages": [{"role": "user", "content": parts}], **extra}, "demo")


def _text(reply) -> str:
    return reply.payload.text


def test_the_demo_describes_format_pixels_and_bytes_not_content():
    png = "data:image/png;base64," + base64.b64encode(png_bytes(64, 48)).decode()
    gif = "data:image/gif;base64," + base64.b64encode(gif_bytes(7, 9)).decode()
    text = _text(demo_reply(_request([{"type": "text", "text": "What are these?"},
                                      {"type": "image_url", "image_url": {"url": png}},
                                      {"type": "image_url", "image_url": {"url": gif}},
                                      {"type": "image_url", "image_url": {"url": "https://e.org/x.jpg"}}])))
    assert "I received 3 images" in text
    assert f"1. PNG, 64 × 48 pixels, {len(png_bytes(64, 48))} B" in text
    assert "2. GIF, 7 × 9 pixels" in text and "https://e.org/x.jpg" in text and "does not download" in text


def test_the_demo_fills_image_facts_into_a_schema():
    png = "data:image/png;base64," + base64.b64encode(png_bytes(20, 10)).decode()
    schema = {"type": "object", "properties": {"format": {"type": "string"}, "width": {"type": "integer"},
                                                "height": {"type": "integer"}, "caption": {"type": "string"}}}
    wanted = {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}
    reply = demo_reply(_request([{"type": "image_url", "image_url": {"url": png}}], response_format=wanted))
    assert json.loads(_text(reply)) == {"format": "PNG", "width": 20, "height": 10, "caption": "example caption"}


def test_each_flavour_serves_embeddings_where_the_real_one_does():
    with FakeProvider("huggingface") as hf, FakeProvider("openai") as openai:
        auth = {"Authorization": f"Bearer {hf.key}"}
        root = hf.base_url[: -len("/v1")]
        ok = requests.post(f"{root}/hf-inference/models/a/b/pipeline/feature-extraction", json={"inputs": ["x"]},
                           headers=auth, timeout=10)
        assert ok.status_code == 200 and isinstance(ok.json()[0], list)
        assert requests.post(hf.url("/embeddings"), json={"input": ["x"]}, headers=auth, timeout=10).status_code == 404
        reply = requests.post(openai.url("/embeddings"), json={"model": "m", "input": "x"}, timeout=10,
                              headers={"Authorization": f"Bearer {openai.key}"}).json()
        assert reply["data"][0]["index"] == 0 and reply["usage"]["prompt_tokens"] >= 1


def test_the_loopback_deepseek_refuses_a_body_over_48_mib():
    with FakeProvider("deepseek") as server:
        body = b'{"model": "deepseek-flash", "messages": []}' + b" " * (48 * 1024 * 1024)
        reply = requests.post(server.url("/chat/completions"), data=body, timeout=30,
                              headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"})
        assert reply.status_code == 413
