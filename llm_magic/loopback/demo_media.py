"""What the offline demo says about images it receives and how it answers in JSON.

The demo cannot see: it reads each image's header (format, pixels, bytes) and says exactly that,
so a class learns what was sent without pretending a model looked at it. Asked for JSON, it
returns a value that follows the schema it was given, filled with plain example values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..media import ImageInfo, decode_data_url, human_size, sniff
from .demo_answers import is_chinese

#: model that returns JSON breaking the schema on purpose, to show the check fail
OFF_SCHEMA_MODEL = "demo-off-schema"


def _image_facts(url: str) -> tuple[ImageInfo | None, int | None, str | None]:
    """(format, bytes, https URL) of one image_url."""
    if url.startswith("data:"):
        decoded = decode_data_url(url)
        if decoded is None:
            return None, None, None
        return sniff(decoded[1]), len(decoded[1]), None
    return None, None, url


def describe_image(url: str, chinese: bool) -> str:
    """One line about one image: ``PNG, 64 × 48 pixels, 1.2 KB``, or the address it was given as."""
    info, size, address = _image_facts(url)
    if address is not None:
        return (f"一张网络图片：{address}（离线演示不会下载它）" if chinese
                else f"an image at {address} (the offline demo does not download it)")
    if info is None:
        return "一张无法识别格式的图片" if chinese else "an image in a format I cannot read"
    pixels = f"{info.width} × {info.height}" if info.width and info.height else ""
    shown = human_size(size or 0)
    if chinese:
        return f"{info.name} 格式，{pixels + ' 像素，' if pixels else ''}{shown}"
    return f"{info.name}, {pixels + ' pixels, ' if pixels else ''}{shown}"


def describe_images(urls: Sequence[str], chinese: bool) -> str:
    """The demo's Markdown answer to a prompt with images."""
    lines = [f"{index}. {describe_image(url, chinese)}" for index, url in enumerate(urls, 1)]
    if chinese:
        head = f"我收到了 {len(urls)} 张图片："
        tail = ("这是离线演示：我只读了图片文件的头部（格式、尺寸、大小），并没有真正“看”图。"
                "换成能读图片的真实模型（例如 `bailian:qwen3-vl-plus`），它会描述图片的内容。")
    else:
        head = f"I received {len(urls)} image{'s' if len(urls) != 1 else ''}:"
        tail = ("This is the offline demo: I read only each file's header (format, size, bytes) and did not "
                "really look at the picture. A real vision model (e.g. `bailian:qwen3-vl-plus`) describes "
                "what it shows.")
    return "\n".join([head, "", *lines, "", tail])


# -- JSON ------------------------------------------------------------------------------------------
def _example(schema: Any, name: str, facts: Mapping[str, Any], depth: int = 0) -> Any:  # complex: one per type
    """A value that follows ``schema``: image facts where a key asks for them, else plain examples."""
    if not isinstance(schema, Mapping) or depth > 8:
        return None
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        usable = [option for option in options if not (isinstance(option, Mapping) and option.get("type") == "null")]
        return _example((usable or options)[0], name, facts, depth + 1)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties")
        fields = properties if isinstance(properties, Mapping) else {}
        return {key: _example(value, key, facts, depth + 1) for key, value in fields.items()}
    if kind == "array":
        return [_example(schema.get("items") or {"type": "string"}, name, facts, depth + 1) for _ in range(2)]
    if name.lower() in facts and _fits(facts[name.lower()], kind):
        return facts[name.lower()]
    word = f"{name}（示例）" if facts.get("chinese") else f"example {name}"
    return {"string": word, "integer": 42, "number": 3.5, "boolean": True}.get(str(kind))


def _fits(value: Any, kind: Any) -> bool:
    return {"string": isinstance(value, str), "integer": isinstance(value, int),
            "number": isinstance(value, (int, float))}.get(str(kind), False)


def _facts(urls: Sequence[str]) -> dict[str, Any]:
    """What a schema may ask about the first image: format, width, height, bytes."""
    for url in urls:
        info, size, _ = _image_facts(url)
        if info is not None:
            return {"format": info.name, "width": info.width, "height": info.height, "bytes": size, "size": size}
    return {}


def _resolve_refs(schema: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    """The schema with ``$ref`` into ``$defs`` replaced by what they point to (pydantic's nesting)."""
    if depth > 16:
        return {}
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for step in ref[2:].split("/"):
                target = target.get(step, {}) if isinstance(target, Mapping) else {}
            return _resolve_refs(target, root, depth + 1)
        return {key: _resolve_refs(value, root, depth + 1) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve_refs(item, root, depth + 1) for item in schema]
    return schema


def _break(value: Any) -> Any:
    """The same value with its first number turned into words: what a careless model does."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                return {**value, key: "forty-two"}
        return {**value, "unexpected": "extra key"}
    return {"unexpected": value}


def json_answer(response_format: Mapping[str, Any], prompt: str, urls: Sequence[str], model: str) -> str:
    """The demo's JSON reply to ``response_format`` (json_schema or json_object)."""
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    chinese = is_chinese(prompt)
    if isinstance(schema, Mapping):
        value = _example(_resolve_refs(schema, schema), "answer", {**_facts(urls), "chinese": chinese})
    else:
        value = {"prompt": prompt[:200], "images": len(urls), "demo": True,
                 "answer": "这是离线演示的 JSON 回答：真实模型会按你的要求填写内容。" if chinese
                 else "The offline demo's JSON answer: a real model fills in what you asked for."}
    if model == OFF_SCHEMA_MODEL:
        value = _break(value)
    return json.dumps(value, ensure_ascii=False, indent=2)
