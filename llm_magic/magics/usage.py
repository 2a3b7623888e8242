"""argparse's and traitlets' complaints about our options, in the class's language.

argparse ships no Chinese; its messages are matched here and said again as a teacher would
("-t/--temperature 需要一个数字，你填的是 'abc'。"), with the way to see every option.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from IPython.core.error import UsageError

from ..i18n import Text

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], Text]]

_KINDS = {"float": ("a number", "一个数字"), "int": ("a whole number", "一个整数")}


def _choices(text: str) -> str:
    return "、".join(part.strip() for part in text.split(","))


def _invalid_value(match: re.Match[str]) -> Text:
    en, zh = _KINDS.get(match["type"], (f"a {match['type']} value", f"{match['type']} 类型的值"))
    return Text(f"{match['arg']} needs {en}, not {match['value']}.",
                f"{match['arg']} 需要{zh}，你填的是 {match['value']}。")


_RULES: list[Rule] = [
    (re.compile(r"^the following arguments are required: (?P<args>.+)$"),
     lambda m: Text(f"Missing: {m['args']}.", f"缺少必需的参数：{_choices(m['args'])}。")),
    (re.compile(r"^unrecognized arguments: (?P<args>.+)$"),
     lambda m: Text(f"Unknown option or extra word: {m['args']}.", f"无法识别的选项或多余的词：{m['args']}。")),
    (re.compile(r"^argument (?P<arg>[^:]+): invalid (?P<type>\w+) value: (?P<value>.+)$"), _invalid_value),
    (re.compile(r"^argument (?P<arg>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)$"),
     lambda m: Text(f"{m['arg']} takes one of {m['choices']}, not {m['value']}.",
                    f"{m['arg']} 只能是 {_choices(m['choices'])} 之一，你填的是 {m['value']}。")),
    (re.compile(r"^argument (?P<arg>[^:]+): expected one argument$"),
     lambda m: Text(f"{m['arg']} needs a value after it.", f"{m['arg']} 后面需要跟一个值。")),
    (re.compile(r"^argument (?P<arg>[^:]+): expected at most one argument$"),
     lambda m: Text(f"{m['arg']} takes at most one value.", f"{m['arg']} 后面最多只能跟一个值。")),
    (re.compile(r"^argument (?P<arg>[^:]+): expected at least one argument$"),
     lambda m: Text(f"{m['arg']} needs at least one value.", f"{m['arg']} 后面至少需要一个值。")),
    (re.compile(r"^argument (?P<arg>[^:]+): not allowed with argument (?P<other>.+)$"),
     lambda m: Text(f"{m['arg']} cannot be used together with {m['other']}.",
                    f"{m['arg']} 不能和 {m['other']} 同时使用。")),
    (re.compile(r"^argument (?P<arg>[^:]+): ignored explicit argument (?P<value>.+)$"),
     lambda m: Text(f"{m['arg']} takes no value, but was given {m['value']}.",
                    f"{m['arg']} 不需要值，你填的是 {m['value']}。")),
    (re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.+)$"),
     lambda m: Text(f"{m['option']} is ambiguous: it could be {m['matches']}.",
                    f"{m['option']} 有歧义：可能是 {_choices(m['matches'])}。")),
    (re.compile(r"^No closing quotation in: (?P<line>.+)$"),
     lambda m: Text(f"A quote is not closed in: {m['line']}", f"引号没有闭合：{m['line']}")),
]


def explain_usage(message: str, magic: str = "%%llm") -> Text:
    """argparse's ``message`` in both languages, with how to see every option."""
    said = next((build(match) for pattern, build in _RULES if (match := pattern.match(message.strip()))),
                Text(message, message))
    return said + Text(f"{magic}? lists every option.", f"运行 {magic}? 可以查看所有选项。")


@contextmanager
def translated_usage(magic: str = "%%llm") -> Iterator[None]:
    """Re-raise argparse's UsageError in the language in force (both, Chinese first, when unsure)."""
    try:
        yield
    except UsageError as error:
        raise UsageError(str(explain_usage(str(error), magic))) from None
