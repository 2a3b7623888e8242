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


# -- Markdown code is never changed, and every substitution is listed ------------------------------
from llm_magic.magics.interpolate import fill_cell, substitute  # noqa: E402

CODE_NAMESPACE = {"t": 3, "name": "小明"}


@pytest.mark.parametrize("prompt", [
    "为什么报错？`print(f'{t}: {name}')`",
    "为什么报错？\n```python\nprint(f'{t}: {name}')\n```",
    "为什么报错？\n~~~\nprint(f'{t}: {name}')\n~~~",
    "没有闭合的代码块\n```python\nprint(f'{t}: {name}')",
    "两个反引号 ``print(f'{t}: `{name}`')``",
])
def test_nothing_inside_markdown_code_is_replaced(prompt):
    assert substitute(prompt, CODE_NAMESPACE) == type(substitute("", {}))(prompt, ())


def test_outside_code_names_are_replaced_and_listed_once_in_order():
    prompt = "请向{name}解释第{t}题：`{t}` 不变；再说一次{name}。\n```\n{t}\n```\n{name}"
    filled = substitute(prompt, CODE_NAMESPACE)
    assert filled.text == "请向小明解释第3题：`{t}` 不变；再说一次小明。\n```\n{t}\n```\n小明"
    assert filled.names == ("name", "t")


def test_unreplaced_and_escaped_braces_are_not_listed():
    filled = substitute("{{name}} {undefined} {0}", CODE_NAMESPACE)
    assert filled.text == "{name} {undefined} {0}" and filled.names == ()


def test_the_system_prompt_adds_its_names():
    assert fill_cell("{t}", "你是{name}的老师，{t}", CODE_NAMESPACE) == ("3", "你是小明的老师，3", ("t", "name"))


def test_the_footer_lists_the_substitutions(shell, deepseek):
    from tests.harness.shell import run, sent_prompt, shown

    shell.user_ns.update(CODE_NAMESPACE)
    captured = run(shell, "%%llm deepseek\n{name} 问：`print(f'{t}: {name}')` 为什么报错？")
    assert sent_prompt(deepseek) == "小明 问：`print(f'{t}: {name}')` 为什么报错？"
    assert "{name} ← notebook variables" in shown(captured)
    captured = run(shell, "%%llm deepseek --no-vars\n{name} 问")
    assert "notebook variables" not in shown(captured)
    shell.run_line_magic("config", 'LLMMagics.language = "zh"')
    captured = run(shell, "%%llm deepseek\n{name}，{t}")
    assert "{name}, {t} ← 笔记本变量" in shown(captured)
