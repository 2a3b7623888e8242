"""Structured output: ask for JSON (``--json``) or for JSON that follows a schema (``--schema``),
check the reply, and put the parsed value on ``answer.data``.

A schema may be a JSON Schema dict, a dataclass, a pydantic model class (used through its own
``model_json_schema``: pydantic is never imported here), or simonw/llm's concise form
``"name, age int, tags list"``. What is sent depends on what the provider declares
(``Provider.structured``): ``json_schema``, else ``json_object`` plus the schema in a system
instruction, else the instruction alone, and the cell says which.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..answer import Answer
from ..errors import ResponseFormatError
from ..events import Event, Finished
from ..i18n import Text
from ..providers import Provider
from .schema_check import problems
from .validate import bad_option

__all__ = ["Expectation", "Plan", "attach", "checked", "parse_concise", "plan_for", "schema_from"]

_CONCISE_TYPES = {"str": "string", "string": "string", "int": "integer", "integer": "integer",
                  "float": "number", "number": "number", "bool": "boolean", "boolean": "boolean"}
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})[\w-]*[^\n]*\n(?P<body>.*?)\n?\1\s*$", re.DOTALL)


@dataclass(frozen=True)
class Expectation:
    """What the reply must be: any JSON value (no schema), or one that follows ``schema``."""

    schema: Mapping[str, Any] | None = field(default=None, repr=False)
    name: str = "answer"


@dataclass(frozen=True)
class Plan:
    """What goes into the request for an expectation, and what the cell should say about it."""

    response_format: dict[str, Any] | None
    instruction: str | None
    notice: Text | None = None


# -- schemas from what a notebook holds -----------------------------------------------------------
def parse_concise(text: str) -> dict[str, Any]:
    """simonw/llm's concise schema: ``"name, age int, bio: a short bio"``; ``list`` is a list of strings."""
    properties: dict[str, Any] = {}
    separator = "\n" if "\n" in text.strip() else ","
    for item in (piece.strip() for piece in text.split(separator)):
        if item:
            name, spec = _concise_field(item)
            properties[name] = spec
    if not properties:
        raise bad_option("The schema is empty.", "schema 是空的。")
    return _closed(properties)


def _concise_field(item: str) -> tuple[str, dict[str, Any]]:
    """``"age int: in years"`` → ``("age", {"type": "integer", "description": "in years"})``."""
    head, _, description = item.partition(":")
    words = head.split()
    if not words or not words[0].isidentifier() or len(words) > 2:
        raise bad_option(f"{item!r} is not a field of a concise schema: write 'name', 'age int' or "
                         "'tags list', separated by commas.",
                         f"{item!r} 不是简洁 schema 的字段：请写成 'name'、'age int' 或 'tags list'，用逗号分隔。")
    kind = words[1].lower() if len(words) == 2 else "str"
    if kind == "list":
        spec: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
    elif kind in _CONCISE_TYPES:
        spec = {"type": _CONCISE_TYPES[kind]}
    else:
        raise bad_option(f"{kind!r} is not a type of a concise schema (str, int, float, bool, list).",
                         f"{kind!r} 不是简洁 schema 的类型（str、int、float、bool、list）。")
    if description.strip():
        spec["description"] = description.strip()
    return words[0], spec


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    """Every key required and no other: what OpenAI's strict mode accepts."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _annotation_schema(hint: Any) -> dict[str, Any]:  # complex: one branch per kind of annotation
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_annotation_schema(argument) for argument in arguments]}
    if origin in (list, tuple, set, frozenset) or hint in (list, tuple, set):
        return {"type": "array", "items": _annotation_schema(arguments[0]) if arguments else {}}
    if origin is dict or hint is dict:
        return {"type": "object"}
    if origin is typing.Literal:
        return {"enum": list(arguments)}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _dataclass_schema(hint)
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    return {"type": simple[hint]} if hint in simple else {}


def _dataclass_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return _closed({f.name: _annotation_schema(hints.get(f.name, Any)) for f in dataclasses.fields(cls)})


def schema_from(value: Any) -> dict[str, Any]:
    """A JSON Schema from a dict, a JSON text, a concise text, a dataclass or a pydantic model class."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        if value.strip().startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError as error:
                raise bad_option(f"The schema is not valid JSON: {error}.",
                                 f"schema 不是有效的 JSON：{error}。") from None
            return schema_from(parsed)
        return parse_concise(value)
    if dataclasses.is_dataclass(value):
        return _dataclass_schema(value if isinstance(value, type) else type(value))
    make = getattr(value, "model_json_schema", None)  # pydantic v2 model classes
    if callable(make):
        made = make()
        if isinstance(made, Mapping):
            return dict(made)
    raise bad_option(f"A {type(value).__name__} is not a schema: give a dict, a dataclass, a pydantic model "
                     "or a text such as 'name, age int'.",
                     f"{type(value).__name__} 不能作为 schema：请给出字典、dataclass、pydantic 模型，"
                     "或 'name, age int' 这样的文字。")


def name_of(value: Any) -> str:
    """The schema's name as json_schema wants it: letters, digits, _ and -."""
    raw = getattr(value, "__name__", None) or (value.get("title") if isinstance(value, Mapping) else None) or "answer"
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", str(raw))[:64]
    return cleaned or "answer"


# -- what to send --------------------------------------------------------------------------------
def _instruction(expect: Expectation) -> str:
    if expect.schema is None:
        return "Answer with one JSON object only: no text before or after it, no code fences."
    schema = json.dumps(expect.schema, ensure_ascii=False)
    return ("Answer with one JSON value only, no text before or after it and no code fences, "
            f"following this JSON Schema: {schema}")


def plan_for(provider: Provider, expect: Expectation) -> Plan:
    """The response_format the provider supports, and the system instruction still needed."""
    support = provider.structured
    name = provider.display_name
    if expect.schema is not None and support.json_schema:
        strict = _strict_ready(expect.schema)
        return Plan({"type": "json_schema", "json_schema": {"name": expect.name, "schema": dict(expect.schema),
                                                           "strict": strict}}, None)
    if support.json_object:
        notice = None if expect.schema is None else Text(
            f"{name} has no json_schema mode: it was asked for a JSON object, with the schema in a system "
            "instruction; the reply is checked against the schema here.",
            f"{name} 不支持 json_schema：已请求 JSON 对象，并把 schema 写进系统提示词；回答会在本地按 schema 检查。")
        return Plan({"type": "json_object"}, _instruction(expect), notice)
    return Plan(None, _instruction(expect), Text(
        f"{name} declares no JSON mode: the request went as a system instruction only; the reply is checked here.",
        f"{name} 没有声明 JSON 模式：只在系统提示词里提出要求；回答会在本地检查。"))


def _strict_ready(schema: Mapping[str, Any]) -> bool:
    """OpenAI's strict mode needs every object closed with all keys required."""
    if schema.get("type") != "object":
        return False
    properties = schema.get("properties")
    return (isinstance(properties, Mapping) and schema.get("additionalProperties") is False
            and set(schema.get("required") or ()) == set(properties))


# -- what came back -------------------------------------------------------------------------------
def parse_json(text: str) -> Any:
    """The JSON value of an answer; a code fence around it is forgiven. Raises ValueError."""
    candidate = text.strip()
    fenced = _FENCE.match(candidate)
    if fenced:
        candidate = fenced.group("body").strip()
    return json.loads(candidate)


def attach(answer: Answer, expect: Expectation | None) -> Answer:
    """Parse and check the answer, setting ``answer.data``; raise (the answer kept on ``partial``) if it fails."""
    if expect is None or answer.interrupted:
        return answer
    try:
        answer.data = parse_json(answer.text)
    except (ValueError, RecursionError) as error:
        raise ResponseFormatError(
            Text(f"The answer is not valid JSON: {error}.", f"回答不是有效的 JSON：{error}。"),
            hint=Text("The whole answer is kept in _llm; run the cell again, or say more clearly what JSON you want.",
                      "完整回答保存在 _llm 中；请重新运行，或更清楚地说明想要的 JSON。"),
            provider=answer.provider, partial=answer) from None
    try:
        found = problems(answer.data, expect.schema) if expect.schema is not None else []
    except RecursionError:  # a value (or a self-referring schema) nested too deep to walk
        found = [Text("$: nested too deeply to check", "$：嵌套层数太多，无法检查")]
    if found:
        listed = "; ".join(item.en for item in found[:5])
        listed_zh = "；".join(item.zh for item in found[:5])
        more = len(found) - 5
        raise ResponseFormatError(
            Text(f"The answer is JSON but does not follow the schema: {listed}"
                 + (f" (and {more} more)." if more > 0 else "."),
                 f"回答是 JSON，但不符合 schema：{listed_zh}" + (f"（另有 {more} 处）。" if more > 0 else "。")),
            hint=Text("_llm.data holds the value as it came; run the cell again or describe the fields in the prompt.",
                      "_llm.data 保存了收到的值；请重新运行，或在提示词里说明各字段。"),
            provider=answer.provider, partial=answer)
    return answer


def checked(events: Iterator[Event], expect: Expectation | None) -> Iterator[Event]:
    """``events`` unchanged, the final answer parsed and checked (for replays, which skip ``run_call``)."""
    for event in events:
        if isinstance(event, Finished):
            attach(event.answer, expect)
        yield event
