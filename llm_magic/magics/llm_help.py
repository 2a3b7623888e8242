"""``%%llm?`` in the class's language: the help IPython builds from argparse, said again in Chinese.

``magic_arguments`` writes the help once, in English, when the class is defined. Here each
option's help gets its Chinese, and the docstring is rebuilt whenever the language in force
changes (Chinese first when it is "both"). Help strings go through argparse's ``%``
formatting, so a literal percent sign is written ``%%``.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.magic_arguments import MagicHelpFormatter

from ..i18n import Text, cjk_pattern, get_language

INTRO = Text(
    """Ask a language model. The cell (or, for %llm, the rest of the line) is the prompt.

{name} and {name.attr} outside Markdown code are replaced by notebook variables (the footer lists
them); {{name}} keeps the braces; --no-vars sends the prompt as written. The answer is kept in
_llm (and in -o NAME). Examples:

    %%llm deepseek
    用三句话解释什么是机器学习

    %llm bailian:qwen-plus -t 0.2 Summarise {text}

    %%llm deepseek bailian -o answers     # side by side; answers["bailian"]
    %%llm deepseek --chat                 # remembers the earlier --chat cells
    %%llm demo --show-code curl           # the request as code, no key needed
    %%llm deepseek --cache                # replayed offline next time
    %%llm bailian:qwen3-vl-plus --image chart.png   # an image with the prompt
    %%llm deepseek --schema "name, age int"          # JSON that follows a schema, in _llm.data""",
    "向大模型提问。单元格的内容（%llm 则是这一行剩下的部分）就是提示词。\n\n"
    "提示词中 Markdown 代码以外的 {变量名} 和 {对象.属性} 会替换成 notebook 里的变量（页脚会列出替换了哪些）；"
    "写 {{变量名}} 保留花括号；加 --no-vars 则原样发送。回答保存在 _llm 中（用 -o 变量名 还会另存一份）。示例：\n"
    """
    %%llm deepseek
    用三句话解释什么是机器学习

    %llm bailian:qwen-plus -t 0.2 总结一下 {text}

    %%llm deepseek bailian -o answers     # 并排比较；answers["bailian"] 是百炼的回答
    %%llm deepseek --chat                 # 多轮对话：记得前面带 --chat 的单元格
    %%llm demo --show-code curl           # 把请求写成代码，不需要 Key
    %%llm deepseek --cache                # 下次离线回放
    %%llm bailian:qwen3-vl-plus --image chart.png   # 随提示词发送一张图片，看图回答
    %%llm deepseek --schema "name, age int"          # 按 schema 返回 JSON，结果在 _llm.data 里""",
)

#: option (its long form, or the positional's name) → its help in Chinese
CHINESE: dict[str, str] = {
    "provider": "服务商 或 服务商:模型（默认是 LLMMagics.default_provider）；写几个（%%%%llm deepseek bailian "
                "hf:模型）就并排回答，这时 -o 保存的是按服务商分开的字典。",
    "--model": "模型名称（优先于 服务商:模型 和 LLMMagics.models；只能用于一个服务商）。",
    "--system": "系统提示词。",
    "--temperature": "温度，0 到 2 之间。",
    "--max-tokens": "回答最长多少个 token。",
    "--top-p": "核采样（top_p），大于 0、不超过 1。",
    "--no-stream": "等整段回答生成完再显示（不用流式输出）。",
    "--format": "回答的显示方式。",
    "--out": "把回答另存到变量 NAME 中。",
    "--chat": "多轮对话：把前面的问答一起发送（默认是这个服务商自己的对话，也可以写名称；在 %%llm 一行里写 "
              "--chat=名称）；%%llm_history 查看，%%llm_reset 清除。",
    "--cache": "使用本地缓存：同样的请求以前问过就直接回放（不需要 Key，也不联网），否则提问并保存。",
    "--no-cache": "即使打开了 LLMMagics.cache，这次也重新提问。",
    "--refresh": "重新提问并替换缓存里的回答（隐含 --cache）。",
    "--dry-run": "试运行：什么也不发送，只显示估算的输入 token 数、按 --max-tokens 算出的最高费用，"
                 "以及本次会话还剩多少 token。",
    "--think": "让推理模型先思考。",
    "--no-think": "让推理模型不思考。",
    "--timeout": "最多等多少秒让回答开始，即收到第一个 token（保持连接的信号不算；默认 300 秒）；回答开始后，"
                 "两个 token 之间的停顿也不超过这个时间（同时受 LLMMagics.idle_timeout 限制，默认 60 秒）。",
    "--max-time": "整个调用最多用多少秒，到时即使回答还在输出也会截断（默认不设上限）。",
    "--no-vars": "原样发送提示词：不替换 {变量名}。",
    "--allow-secrets": "即使提示词里有 API Key（或看起来像 Key 的内容）也照样发送（否则会被拒绝）。",
    "--debug": "出错时显示完整的 traceback。",
    "--image": "随提示词发送一张图片（可以写多次）：文件路径、https:// 网址，或者 notebook 里存放图片的变量名"
               "（PIL 图片、matplotlib 图、bytes 或 numpy 数组）。",
    "--json": "要求模型用 JSON 回答，检查后美化显示；解析出的值在 _llm.data 里。",
    "--schema": "回答必须符合的 JSON 结构：notebook 里的变量（JSON Schema 字典、dataclass 或 pydantic 模型），"
                "或者简写，例如 \"name, age int, tags list\"；隐含 --json。",
    "--show-code": "同时把这个单元格发送的请求写成可以运行的代码：python（requests，默认）、curl、r（httr2）或 "
                   "js（fetch）；代码从服务商的环境变量读取 Key（%%llm 写在一行时用 --show-code=curl）。",
    "--show-raw": "回答之后显示服务器返回的原始 JSON（流式输出时是第一个和最后一个事件），并标出回答文字所在的位置。",
}

_HEADINGS = {"positional arguments:": Text("positional arguments:", "位置参数："),
             "options:": Text("options:", "选项："), "optional arguments:": Text("options:", "选项：")}


class _Formatter(MagicHelpFormatter):
    """IPython's formatter, but a Chinese line is never broken: argparse counts a character as one column,
    so it would cut Chinese sentences in the middle; the pager wraps them instead."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        lines: list[str] = []
        for paragraph in text.splitlines():
            lines += [paragraph] if cjk_pattern().search(paragraph) else textwrap.wrap(paragraph, width) or [""]
        return lines


def _in_language(text: Text, language: str, joiner: str) -> str:
    if language == "zh":
        return text.zh
    if language == "both":
        return text.zh + joiner + text.en
    return text.en


def _translate_headings(help_text: str, language: str) -> str:
    lines = help_text.splitlines()
    for index, line in enumerate(lines):
        if line in _HEADINGS:
            lines[index] = _in_language(_HEADINGS[line], language, " / ")
    return "\n".join(lines) + "\n"


def rebuild_help(magic: Callable[..., Any], intro: Text = INTRO, chinese: Mapping[str, str] = CHINESE) -> None:
    """Rewrite ``magic``'s docstring (what ``%%llm?`` shows) in the language in force."""
    language = get_language()
    if getattr(magic, "_help_language", None) == language:
        return
    parser: argparse.ArgumentParser = magic.parser  # type: ignore[attr-defined]  # set by magic_arguments
    for action in parser._actions:
        english = action.__dict__.setdefault("_help_en", action.help)
        name = action.option_strings[-1] if action.option_strings else action.dest
        if english and name in chinese:
            action.help = _in_language(Text(english, chinese[name]), language, "\n")
    parser.description = _in_language(intro, language, "\n\n")
    parser.formatter_class = _Formatter
    magic.__doc__ = _translate_headings(parser.format_help(), language)
    magic._help_language = language  # type: ignore[attr-defined]
