"""%%llm --image / --json / --schema and %%llm_embed in a real shell, against loopback servers."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import pytest
from IPython.utils.capture import capture_output

from llm_magic.errors import ConfigurationError, ResponseFormatError
from llm_magic.loopback import Reply
from tests.harness.images import png_bytes
from tests.harness.shell import final, run


def _sent_images_output(captured):
    return next(o.data for o in captured.outputs if "llm-magic-sent-images" in o.data.get("text/html", ""))


def test_an_image_file_is_sent_shown_as_a_thumbnail_and_described_by_the_demo(shell, tmp_path):
    (tmp_path / "chart.png").write_bytes(png_bytes(64, 48))
    captured = run(shell, "%%llm demo --image chart.png\n描述这张图")
    shown = _sent_images_output(captured)
    encoded = base64.b64encode(png_bytes(64, 48)).decode()
    assert f'<img src="data:image/png;base64,{encoded}"' in shown["text/html"]
    assert "chart.png · PNG 64×48" in shown["text/plain"]
    answer = shell.user_ns["_llm"]
    assert "PNG 格式，64 × 48 像素" in answer and "离线演示" in answer


def test_a_notebook_variable_and_a_repeated_option(shell, deepseek):
    np = pytest.importorskip("numpy")
    shell.user_ns["arr"] = np.zeros((8, 10, 3), dtype="uint8")
    shell.user_ns["raw"] = png_bytes(3, 3)
    run(shell, "%%llm deepseek --image arr --image raw\ncompare them")
    parts = deepseek.last_request.body["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url"]
    assert parts[2]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(png_bytes(3, 3)).decode()


def test_a_pil_image_variable(shell, deepseek):
    Image = pytest.importorskip("PIL.Image")
    shell.user_ns["photo"] = Image.new("RGB", (5, 4), "white")
    captured = run(shell, "%%llm deepseek --image photo\nwhat is it?")
    assert "photo · PNG 5×4" in _sent_images_output(captured)["text/plain"]


def test_a_missing_file_fails_before_anything_is_sent(shell, deepseek):
    with pytest.raises(ConfigurationError, match="There is no image file"):
        run(shell, "%%llm deepseek --image nowhere.png\nwhat is it?")
    assert deepseek.request_count == 0


def test_a_label_from_the_notebook_is_escaped_in_the_thumbnail(shell, deepseek, tmp_path):
    name = "<img src=x onerror=alert(1)>.png"
    (tmp_path / name).write_bytes(png_bytes())
    captured = run(shell, f"%%llm deepseek --image '{name}'\nhi")
    page = _sent_images_output(captured)["text/html"]
    assert "<img src=x" not in page and html.escape(name) in page


def test_the_answer_never_reaches_the_thumbnail_html(shell, deepseek):
    shell.user_ns["raw"] = png_bytes()
    deepseek.queue(Reply.answer('<img src=x onerror="alert(1)">'))
    captured = run(shell, "%%llm deepseek --image raw\nhi")
    assert "onerror" not in _sent_images_output(captured)["text/html"]


def test_schema_from_a_dataclass_puts_the_value_in_llm_data(shell, fake_provider):
    server = fake_provider("openai")

    @dataclass
    class Book:
        title: str
        year: int

    shell.user_ns["Book"] = Book
    server.queue(Reply.answer('{"title": "三体", "year": 2006}'))
    data = final(run(shell, "%%llm openai --schema Book\n一本科幻小说"))
    assert server.last_request.body["response_format"]["json_schema"]["name"] == "Book"
    assert shell.user_ns["_llm"].data == {"title": "三体", "year": 2006}
    assert '"title": "三体"' in data["text/markdown"]  # pretty-printed


def test_a_concise_schema_in_quotes(shell, fake_provider):
    server = fake_provider("bailian")
    server.queue(Reply.answer('{"name": "李雷", "age": 12, "tags": ["学生"]}'))
    run(shell, "%%llm bailian --schema 'name, age int, tags list'\n一个学生")
    schema = server.last_request.body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert shell.user_ns["_llm"].data["age"] == 12


def test_json_without_json_schema_says_so_above_the_answer(shell, deepseek):
    deepseek.queue(Reply.answer('{"name": "Ada"}'))
    captured = run(shell, "%%llm deepseek --schema name\nA person")
    notes = [o.data["text/plain"] for o in captured.outputs if o.data.get("text/plain", "").startswith("⚠")]
    assert notes and "no json_schema mode" in notes[0]


def test_a_schema_mismatch_fails_and_shows_where(shell, fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.answer('{"name": "Ada", "age": "old"}'))
    with capture_output(), pytest.raises(ResponseFormatError, match=r"\$\.age: expected integer"):
        shell.run_cell("%%llm openai --schema 'name, age int'\nA person").raise_error()
    assert shell.user_ns["_llm"].data == {"name": "Ada", "age": "old"}


def test_llm_embed_shows_dimensions_and_similarities(shell):
    captured = run(shell, "%%llm_embed demo -o vectors\n我喜欢猫\n我很喜欢猫\n今天股市下跌了")
    first, second = (o.data for o in captured.outputs[-2:])
    assert "128" in first["text/plain"] and "demo-embed" in first["text/plain"]
    assert "Cosine similarity" in second["text/plain"] and "<table>" in second["text/html"]
    vectors = shell.user_ns["vectors"]
    assert vectors is shell.user_ns["_llm_vectors"] and len(vectors) == 3 and len(vectors[0]) == 128


def test_llm_embed_with_deepseek_says_it_has_none(shell, deepseek):
    with pytest.raises(ConfigurationError, match="no embeddings endpoint"):
        run(shell, "%%llm_embed deepseek\nx")
    assert deepseek.request_count == 0
