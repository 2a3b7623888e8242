"""The class's language: what the locale proves, both languages when it proves nothing, and every
complaint about an option (argparse, traitlets) and %%llm? in Chinese too."""

from __future__ import annotations

import locale

import pytest
from IPython.core.error import UsageError
from traitlets import TraitError

from llm_magic import i18n
from llm_magic.i18n import Text
from llm_magic.magics.usage import explain_usage
from tests.harness.shell import run

LOCALE_VARIABLES = ("LLM_MAGIC_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def clean_locale(monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(locale, "getlocale", lambda *args: (None, None))
    return monkeypatch


@pytest.mark.parametrize("environment, expected", [
    ({}, "both"),                                           # Colab, JupyterHub, Docker: nothing set
    ({"LANG": "C.UTF-8"}, "both"),
    ({"LANG": "C"}, "both"),
    ({"LC_ALL": "POSIX"}, "both"),
    ({"LANG": "en_US.UTF-8"}, "both"),                      # the default of images, not a choice
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, "zh"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, "zh"),
    ({"LANG": "en_GB.UTF-8"}, "en"),                        # somebody chose this
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LLM_MAGIC_LANGUAGE": "both", "LANG": "zh_CN.UTF-8"}, "both"),
    ({"LLM_MAGIC_LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LLM_MAGIC_LANGUAGE": "zh"}, "zh"),
])
def test_the_language_follows_only_reliable_evidence(clean_locale, environment, expected):
    for name, value in environment.items():
        clean_locale.setenv(name, value)
    assert i18n.language_from_environment() == expected
    assert i18n.get_language() == expected
    assert i18n.language_is_guessed() is (expected == "both")


def test_a_chinese_windows_locale_counts(clean_locale):
    clean_locale.setattr(locale, "getlocale", lambda *args: ("Chinese (Simplified)_China", "936"))
    assert i18n.get_language() == "zh"


def test_a_choice_beats_the_locale(clean_locale):
    clean_locale.setenv("LANG", "C.UTF-8")
    i18n.set_language("en")
    assert i18n.get_language() == "en" and not i18n.language_is_guessed()


def test_both_puts_chinese_first(clean_locale):
    text = Text("The key was rejected.", "Key 被拒绝了。")
    assert str(text) == "Key 被拒绝了。\nThe key was rejected."
    assert i18n.say(text) == "Key 被拒绝了。 / The key was rejected."


def test_an_error_under_c_utf8_is_shown_in_both_languages(shell, clean_locale):
    clean_locale.setenv("LANG", "C.UTF-8")
    result = shell.run_cell("%%llm demo:error-401\n你好")
    lines = result.error_in_exec._render_traceback_()
    assert "拒绝了这个 Key" in lines[1] and "rejected the key" in lines[1]
    assert lines[1].index("拒绝") < lines[1].index("rejected")


# -- argparse, in the language in force --------------------------------------------------------------
@pytest.mark.parametrize("line, chinese", [
    ("%llm demo -t abc 你好", "-t/--temperature 需要一个数字，你填的是 'abc'。"),
    ("%llm demo --max-tokens 1.5 你好", "--max-tokens 需要一个整数，你填的是 '1.5'。"),
    ("%llm demo -f pdf 你好", "-f/--format 只能是 'markdown'、'text'、'code'、'json'、'html' 之一，你填的是 'pdf'。"),
    ("%%llm demo --max-tokens\n你好", "--max-tokens 后面需要跟一个值。"),
    ("%%llm demo --bogus\n你好", "无法识别的选项或多余的词：--bogus。"),
    ("%%llm demo --show-code fortran\n你好",
     "--show-code 只能是 'python'、'curl'、'r'、'js' 之一，你填的是 'fortran'。"),
    ("%llm_key --bogus", "无法识别的选项或多余的词：--bogus。运行 %llm_key? 可以查看所有选项。"),
])
def test_usage_errors_are_said_in_chinese(shell, line, chinese):
    i18n.set_language("zh")
    with pytest.raises(UsageError) as caught:
        run(shell, line)
    assert chinese in str(caught.value)
    assert "?" in str(caught.value) and "invalid" not in str(caught.value)


def test_usage_errors_in_both_languages_keep_argparse_words(shell):
    i18n.set_language("both")
    with pytest.raises(UsageError) as caught:
        run(shell, "%llm demo -t abc 你好")
    chinese, english = str(caught.value).split("\n")
    assert chinese.startswith("-t/--temperature 需要一个数字") and english.startswith("-t/--temperature needs a number")


@pytest.mark.parametrize("message, chinese", [
    ("the following arguments are required: provider", "缺少必需的参数：provider。"),
    ("argument --x: expected at most one argument", "--x 后面最多只能跟一个值。"),
    ("argument --x: expected at least one argument", "--x 后面至少需要一个值。"),
    ("argument --x: not allowed with argument --y", "--x 不能和 --y 同时使用。"),
    ("argument --x: ignored explicit argument 'v'", "--x 不需要值，你填的是 'v'。"),
    ("ambiguous option: --ca could match --cache, --cat", "--ca 有歧义：可能是 --cache、--cat。"),
    ("something argparse never said", "something argparse never said"),
])
def test_every_argparse_message_has_its_chinese(message, chinese):
    assert explain_usage(message).zh.startswith(chinese)


# -- traitlets, through our options ------------------------------------------------------------------
@pytest.mark.parametrize("name, value, chinese", [
    ("timeout", "abc", "LLMMagics.timeout 需要一个数字，你填的是 'abc'。"),
    ("max_retries", 1.5, "LLMMagics.max_retries 需要一个整数，你填的是 1.5。"),
    ("language", "cn", "LLMMagics.language 只能是 'auto'、'en'、'zh'、'both' 之一，你填的是 'cn'。"),
    ("cache", "yes", "LLMMagics.cache 只能是 True 或 False，你填的是 'yes'。"),
    ("models", 3, "LLMMagics.models 需要一个字典（dict）"),
    ("temperature", 3, "LLMMagics.temperature 必须在 0 到 2 之间，你填的是 3.0。"),
    ("timeout", 0, "LLMMagics.timeout 必须大于 0，你填的是 0.0。"),
    ("max_retries", -1, "LLMMagics.max_retries 不能小于 0，你填的是 -1。"),
])
def test_trait_errors_are_said_in_chinese(shell, name, value, chinese):
    i18n.set_language("zh")
    magics = shell.magics_manager.registry["LLMMagics"]
    with pytest.raises(TraitError) as caught:
        setattr(magics, name, value)
    assert str(caught.value).startswith(chinese)


def test_key_magics_trait_errors_name_their_class(shell):
    i18n.set_language("both")
    with pytest.raises(TraitError) as caught:
        shell.magics_manager.registry["KeyMagics"].entry = "box"
    assert str(caught.value).startswith("KeyMagics.entry 只能是 'auto'、'widget'、'getpass' 之一，你填的是 'box'。\n")
    assert "expected any of" in str(caught.value)


# -- %%llm? ------------------------------------------------------------------------------------------
def _help(shell) -> str:
    run(shell, "%llm demo 你好")  # the help follows the language in force when a cell runs
    return shell.magics_manager.magics["cell"]["llm"].__doc__


def test_the_help_in_chinese(shell):
    i18n.set_language("zh")
    text = _help(shell)
    assert text.lstrip().startswith("::") and "%llm [-m MODEL]" in text
    assert "向大模型提问。" in text and "选项：" in text and "位置参数：" in text
    assert "把这个单元格发送的请求写成可以运行的代码" in text and "Sampling temperature" not in text
    line = next(line for line in text.splitlines() if "--chat=名称" in line)
    assert "多轮对话" in line  # a Chinese sentence is never broken across lines


def test_the_help_in_both_languages_and_back(shell):
    shell.run_line_magic("config", 'LLMMagics.language = "both"')
    text = shell.magics_manager.magics["cell"]["llm"].__doc__
    assert text.index("温度，0 到 2 之间。") < text.index("Sampling temperature, 0–2.")
    shell.run_line_magic("config", 'LLMMagics.language = "en"')
    text = shell.magics_manager.magics["cell"]["llm"].__doc__
    assert "Sampling temperature, 0–2." in text and "温度" not in text and "options:" in text


def test_every_option_has_its_chinese_help():
    from llm_magic.magics.llm import LLMMagics
    from llm_magic.magics.llm_help import CHINESE

    names = [action.option_strings[-1] if action.option_strings else action.dest
             for action in LLMMagics.llm.parser._actions if action.help]
    assert [name for name in names if name not in CHINESE] == []
