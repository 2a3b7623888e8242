"""{name} interpolation: variables in, everything else untouched, nothing can raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_magic.magics.interpolate import interpolate


class Point:
    x = 3

    @property
    def broken(self):
        raise RuntimeError("a property that fails")


class BadStr:
    def __str__(self):
        raise ValueError("no text for you")


NAMESPACE = {"name": "Ada", "n": 42, "p": Point(), "bad": BadStr(), "a": 1, "b": 2, "x": 7, "_": "last"}

UNTOUCHED = [
    "{'a': 1}",
    '{"a": 1, "b": {"c": [1, 2]}}',
    '{"a": {"b": 1}}',
    "f\"{name!r} and {name:>10}\"",
    "{name!r}", "{name:>10}", "{name[0]}", "{name()}", "{ name }",
    r"$\frac{a}{b}$", r"\sqrt{x}", r"x^{n} + y_{a}", r"\mathbf{x}\cdot\mathbf{b}", r"\left\{ a \right\}",
    "{1, 2, 3}", "{a, b}", "{0}", "{}", "{", "}", "}{", "{undefined}", "{name.missing}", "{p.broken}",
    "{bad}", "{p.x.y.z}", "{n.real.", "def f(): return {**kw}", "{{", "}}", "{{{", "a}}b",
    "用大括号{中文}", "{名字}",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_passes_through_untouched(text):
    assert interpolate(text, NAMESPACE) == text


@pytest.mark.parametrize("text, expected", [
    ("Hello {name}!", "Hello Ada!"),
    ("{n} + {n}", "42 + 42"),
    ("x is {p.x}", "x is 3"),
    ("{n.real}", "42"),
    ("解释{name}的工作", "解释Ada的工作"),
    ("{{name}} is literal", "{name} is literal"),
    ("{{ not a var }}", "{ not a var }"),
    ("{_}", "last"),
    ("{a}{b}", "12"),  # two placeholders side by side are not LaTeX
    (r"$\frac{a}{b}$ with a={a}", r"$\frac{a}{b}$ with a=1"),
])
def test_replaces_defined_variables(text, expected):
    assert interpolate(text, NAMESPACE) == expected


def test_value_is_inserted_once_not_reinterpreted():
    assert interpolate("{t}", {"t": "{name}", "name": "Ada"}) == "{name}"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*"{}{}.!:[]()'\"\\^_ $a1xn名", "name", "p.x", "bad", "{{", "\\frac"]),
                max_size=40).map("".join) | st.text(max_size=80))
def test_no_text_can_raise(text):
    result = interpolate(text, NAMESPACE)
    assert isinstance(result, str)
    if "{{" not in text and "}}" not in text:
        assert interpolate(text, {}) == text  # with nothing defined, only {{...}} changes anything
