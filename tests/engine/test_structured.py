"""Structured output: what each provider is sent for --json / --schema, and how the reply is checked."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

import llm_magic
from llm_magic.engine.schema_check import problems
from llm_magic.engine.structured import parse_concise, schema_from
from llm_magic.errors import ConfigurationError, ResponseFormatError
from llm_magic.loopback import Reply

PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                                            "tags": {"type": "array", "items": {"type": "string"}}},
          "required": ["name", "age", "tags"], "additionalProperties": False}


@dataclass
class Person:
    name: str
    age: int
    tags: list[str]
    nickname: str | None = None


def _system(server) -> str:
    messages = server.last_request.body["messages"]
    return messages[0]["content"] if messages[0]["role"] == "system" else ""


# -- schemas from what a notebook holds -----------------------------------------------------------
def test_the_concise_form_of_simonw_llm():
    assert parse_concise("name, age int, tags list") == PERSON
    described = parse_concise("title: the book's title\nyear int: when it came out")
    assert described["properties"]["title"] == {"type": "string", "description": "the book's title"}
    assert described["properties"]["year"] == {"type": "integer", "description": "when it came out"}


@pytest.mark.parametrize("bad", ["", "age integer number", "age decimal", "1st int"])
def test_a_concise_form_that_cannot_be_read_is_refused(bad):
    with pytest.raises(ConfigurationError):
        parse_concise(bad)


def test_a_dataclass_becomes_a_closed_schema():
    schema = schema_from(Person)
    assert schema["required"] == ["name", "age", "tags", "nickname"]
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert schema["properties"]["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert schema["additionalProperties"] is False


def test_a_pydantic_model_uses_its_own_schema():
    pydantic = pytest.importorskip("pydantic")

    class Book(pydantic.BaseModel):
        title: str
        year: int

    schema = schema_from(Book)
    assert schema["properties"]["year"]["type"] == "integer" and set(schema["required"]) == {"title", "year"}


def test_a_json_text_is_a_schema_too():
    assert schema_from(json.dumps(PERSON)) == PERSON
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        schema_from("{nope")
    with pytest.raises(ConfigurationError, match="is not a schema"):
        schema_from(42)


# -- the small validator --------------------------------------------------------------------------
def test_problems_say_where_the_value_breaks_the_schema():
    found = problems({"name": "Ada", "age": "36", "tags": ["x", 3], "extra": 1}, PERSON)
    assert [text.en for text in found] == [
        "$.age: expected integer, got string '36'",
        "$.tags[1]: expected string, got integer 3",
        "$: the key 'extra' is not in the schema",
    ]
    assert problems({"name": "Ada", "age": 36, "tags": []}, PERSON) == []
    assert next(t.en for t in problems({"name": "Ada"}, PERSON)) == "$: the required key 'age' is missing"


def test_problems_follow_refs_enums_bounds_and_choices():
    schema = {"$defs": {"Level": {"enum": ["low", "high"]}},
              "type": "object", "properties": {
                  "level": {"$ref": "#/$defs/Level"},
                  "score": {"type": "number", "minimum": 0, "maximum": 1},
                  "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                  "items": {"type": "array", "maxItems": 1}}}
    found = [t.en for t in problems({"level": "mid", "score": 2, "note": 5, "items": [1, 2]}, schema)]
    assert found == ["$.level: 'mid' is not one of 'low', 'high'", "$.score: 2 is above the maximum 1",
                     "$.note: 5 matches none of the allowed shapes", "$.items: 2 items, more than 1"]
    assert problems({"level": "low", "score": 0.5, "note": None, "items": []}, schema) == []
    assert problems(True, {"type": "integer"})  # a boolean is not an integer in JSON Schema


# -- what is sent, per provider -----------------------------------------------------------------
def test_openai_gets_a_strict_json_schema(fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.answer('{"name": "Ada", "age": 36, "tags": ["math"]}'))
    answer = llm_magic.ask("openai", "A person", schema="name, age int, tags list")
    assert server.last_request.body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "answer", "schema": PERSON, "strict": True}}
    assert _system(server) == ""
    assert answer.data == {"name": "Ada", "age": 36, "tags": ["math"]}


def test_a_dataclass_schema_is_named_after_the_class(fake_provider):
    server = fake_provider("bailian")
    server.queue(Reply.answer('{"name": "李雷", "age": 12, "tags": [], "nickname": null}'))
    answer = llm_magic.ask("bailian", "一个学生", schema=Person)
    spec = server.last_request.body["response_format"]["json_schema"]
    assert spec["name"] == "Person" and spec["strict"] is True
    assert answer.data["name"] == "李雷"


def test_deepseek_gets_json_object_and_the_schema_in_a_system_instruction(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer('{"name": "Ada", "age": 36, "tags": []}'))
    with pytest.warns(UserWarning, match="DeepSeek has no json_schema mode"):  # the Python API says so too
        llm_magic.ask("deepseek", "A person", schema=PERSON, system="You are terse.")
    body = server.last_request.body
    assert body["response_format"] == {"type": "json_object"}
    system = _system(server)
    assert system.startswith("You are terse.\n\n") and "JSON" in system
    assert json.dumps(PERSON, ensure_ascii=False) in system


def test_json_alone_asks_for_an_object_with_the_word_json_present(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer('```json\n{"ok": true}\n```'))  # a fence is forgiven
    answer = llm_magic.ask("deepseek", "Say ok", json=True)
    assert server.last_request.body["response_format"] == {"type": "json_object"}
    assert "JSON" in _system(server)
    assert answer.data == {"ok": True}


def test_a_provider_without_a_json_mode_gets_only_the_instruction(fake_provider):
    from llm_magic.engine.options import AskOptions
    from llm_magic.engine.request import draft_request
    from llm_magic.engine.target import resolve

    server = fake_provider("openai")
    llm_magic.register_provider("plainjson", server.base_url, default_model="m1")
    try:
        draft = draft_request(resolve("plainjson"), "A person", AskOptions(schema="name"))
        assert "response_format" not in draft.payload
        assert "JSON Schema" in draft.payload["messages"][0]["content"]
        assert any("no JSON mode" in note.en for note in draft.notes)
    finally:
        from llm_magic.providers import unregister_provider

        unregister_provider("plainjson")


# -- what comes back ------------------------------------------------------------------------------
def test_a_reply_that_breaks_the_schema_fails_and_keeps_the_paid_answer(fake_provider):
    server = fake_provider("openai")
    server.queue(Reply.answer('{"name": "Ada", "age": "thirty-six", "tags": ["math"]}'))
    with pytest.raises(ResponseFormatError, match=r"\$\.age: expected integer, got string") as caught:
        llm_magic.ask("openai", "A person", schema=PERSON)
    kept = caught.value.partial
    assert kept is not None and kept.data["age"] == "thirty-six" and kept.usage


def test_a_reply_that_is_not_json_fails_with_the_parser_s_words(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("Sure! Here is a person: Ada, 36."))
    with pytest.raises(ResponseFormatError, match="not valid JSON") as caught:
        llm_magic.ask("deepseek", "A person", json=True)
    assert caught.value.partial == "Sure! Here is a person: Ada, 36."


def test_the_demo_follows_the_schema_it_is_given():
    answer = llm_magic.ask("demo", "A student", schema=Person)
    assert problems(answer.data, schema_from(Person)) == []
    with pytest.raises(ResponseFormatError, match="expected integer"):
        llm_magic.ask("demo:demo-off-schema", "A student", schema=Person)


def test_a_value_nested_too_deep_for_the_checker_fails_cleanly(fake_provider):
    server = fake_provider("openai")
    node = {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}
    tree = {"$defs": {"Node": node}, "$ref": "#/$defs/Node"}
    deep = '{"child": ' * 600 + "{}" + "}" * 600
    server.queue(Reply.answer(deep))
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        with pytest.raises(ResponseFormatError, match="nested too deeply"):
            llm_magic.ask("openai", "a tree", schema=tree)
    finally:
        sys.setrecursionlimit(limit)
