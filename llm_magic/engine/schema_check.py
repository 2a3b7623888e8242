"""Check a JSON value against the part of JSON Schema that ``--schema`` produces, and say where it fails.

Covered: ``type`` (one or several), ``properties``, ``required``, ``additionalProperties: false``,
``items``, ``enum``, ``const``, ``anyOf``/``oneOf``, ``minimum``/``maximum``, ``minItems``/``maxItems``,
and ``$ref`` into ``#/$defs`` or ``#/definitions`` (pydantic's nested models). Keywords outside
this subset are ignored rather than guessed at. No dependency: ``jsonschema`` is not needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import Text

__all__ = ["problems"]

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_LIMIT = 20


def _kind(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.found: list[Text] = []

    def add(self, en: str, zh: str) -> None:
        self.found.append(Text(en, zh))

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        for _ in range(32):  # a cycle of refs ends here instead of looping
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return schema
            target: Any = self.root
            for step in ref[2:].split("/"):
                target = target.get(step, {}) if isinstance(target, Mapping) else {}
            schema = target if isinstance(target, Mapping) else {}
            ref = schema.get("$ref")
        return schema

    def check(self, value: Any, schema: Any, path: str) -> None:
        if len(self.found) >= _LIMIT or not isinstance(schema, Mapping):
            return
        schema = self.resolve(schema)
        if not self._choices(value, schema, path) or not self._type(value, schema, path):
            return
        self._value(value, schema, path)
        if isinstance(value, dict):
            self._object(value, schema, path)
        elif isinstance(value, list):
            self._array(value, schema, path)

    def _choices(self, value: Any, schema: Mapping[str, Any], path: str) -> bool:
        options = schema.get("anyOf") or schema.get("oneOf")
        if not isinstance(options, list):
            return True
        for option in options:
            trial = _Checker(self.root)
            trial.check(value, option, path)
            if not trial.found:
                return True
        self.add(f"{path}: {_shown(value)} matches none of the allowed shapes",
                 f"{path}：{_shown(value)} 不符合任何一种允许的形式")
        return False

    def _type(self, value: Any, schema: Mapping[str, Any], path: str) -> bool:
        wanted = schema.get("type")
        names = [wanted] if isinstance(wanted, str) else wanted if isinstance(wanted, list) else []
        known = [name for name in names if name in _TYPES]
        if known and not any(_TYPES[name](value) for name in known):
            self.add(f"{path}: expected {' or '.join(known)}, got {_kind(value)} {_shown(value)}",
                     f"{path}：应为 {' 或 '.join(known)}，实际是 {_kind(value)} {_shown(value)}")
            return False
        return True

    def _value(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
            allowed = ", ".join(_shown(item) for item in schema["enum"])
            self.add(f"{path}: {_shown(value)} is not one of {allowed}",
                     f"{path}：{_shown(value)} 不在可选值 {allowed} 之中")
        if "const" in schema and value != schema["const"]:
            self.add(f"{path}: expected {_shown(schema['const'])}, got {_shown(value)}",
                     f"{path}：应为 {_shown(schema['const'])}，实际是 {_shown(value)}")
        if _TYPES["number"](value):
            low, high = schema.get("minimum"), schema.get("maximum")
            if isinstance(low, (int, float)) and value < low:
                self.add(f"{path}: {value} is below the minimum {low}", f"{path}：{value} 小于最小值 {low}")
            if isinstance(high, (int, float)) and value > high:
                self.add(f"{path}: {value} is above the maximum {high}", f"{path}：{value} 大于最大值 {high}")

    def _object(self, value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in schema.get("required") or ():
            if name not in value:
                self.add(f"{path}: the required key {name!r} is missing", f"{path}：缺少必需的键 {name!r}")
        for name, item in value.items():
            if name in properties:
                self.check(item, properties[name], f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                self.add(f"{path}: the key {name!r} is not in the schema", f"{path}：键 {name!r} 不在 schema 里")

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            self.add(f"{path}: {len(value)} items, fewer than {low}", f"{path}：只有 {len(value)} 项，少于 {low} 项")
        if isinstance(high, int) and len(value) > high:
            self.add(f"{path}: {len(value)} items, more than {high}", f"{path}：有 {len(value)} 项，多于 {high} 项")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                self.check(item, items, f"{path}[{index}]")


def problems(value: Any, schema: Mapping[str, Any]) -> list[Text]:
    """Where ``value`` breaks ``schema``, as ``$.path: what is wrong`` lines (empty when it fits)."""
    checker = _Checker(schema)
    checker.check(value, schema, "$")
    return checker.found
