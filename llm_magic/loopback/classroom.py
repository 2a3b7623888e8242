"""How the teaching notebooks' stand-in servers answer: a receipt of what was sent, a model that
thinks first, two providers introducing themselves. Each is a plain ``ChatRequest → Reply`` function.

They run on 127.0.0.1 inside the notebook's kernel; ``llm_magic.classroom()`` starts them and
points the providers at them. Pauses follow ``LLM_MAGIC_DEMO_DELAY`` like the demo's.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable

from .demo import demo_reply, token_delay
from .script import ChatRequest, Reply

ReplyScript = Callable[[ChatRequest], Reply]

OPENINGS = (
    "机器学习就是让计算机从例子中总结规律。",
    "可以把机器学习想成“看了很多例题以后自己学会解题”。",
    "机器学习不靠人写规则，而是靠数据训练出模型。",
    "机器学习像一个不断从错误中改进的学生。",
)
REST = "训练时，模型根据大量样本不断调整参数，让预测越来越准。训练好以后，它就能对没见过的新数据做出判断。"


def _receipt(request: ChatRequest) -> str:
    body = request.body
    system = next((m.get("content") for m in request.messages if m.get("role") == "system"), "（无 / none）")
    return (f"> 替身收到 / received: system = {system!r}; temperature = {body.get('temperature')}; "
            f"max_tokens = {body.get('max_tokens')}\n> prompt = {request.prompt!r}\n\n")


def receipt(request: ChatRequest) -> Reply:
    """03: a receipt of the system prompt, temperature and length limit, then an answer that imitates
    temperature (0 always picks the first opening; higher picks at random) and stops at ``max_tokens``."""
    delay = token_delay()
    if "JSON" in request.prompt:
        fruit = json.dumps({"水果": ["苹果", "香蕉", "橙子"], "数量": 3}, ensure_ascii=False)
        return Reply.answer(fruit, delay=delay)
    head = _receipt(request)
    if "机器学习" not in request.prompt:
        return Reply.answer(head + "（替身只准备了“什么是机器学习”的回答；真实的模型会认真回答这个问题。）\n\n"
                            "*(The stand-in only knows one answer; a real model would answer this question.)*",
                            delay=delay, chunk_size_words=2)
    temperature = request.body.get("temperature", 1.0)
    opening = OPENINGS[0] if temperature == 0 else random.choice(OPENINGS)
    text, finish = opening + REST, "stop"
    limit = request.body.get("max_tokens")
    if isinstance(limit, int) and len(text) > limit:
        text, finish = text[:limit], "length"  # a real model stops mid-sentence at max_tokens too
    return Reply.answer(head + text, delay=delay, finish_reason=finish, chunk_size_words=2)


THINKING = ("题目问的是天空为什么是蓝色。阳光包含各种颜色的光；空气分子对波长短的光散射得更强，"
            "这叫瑞利散射。蓝光波长短，被散射到四面八方，所以我们从各个方向都看到蓝色。"
            "紫光波长更短，但阳光里紫光少，人眼对紫光也不敏感。回答要先给结论，再解释原因。")
SKY = ("**因为空气对蓝光的散射最强。**\n\n"
       "- 阳光由各种颜色的光组成；\n"
       "- 空气分子把波长短的蓝光散射到整个天空（瑞利散射）；\n"
       "- 所以无论朝哪个方向看，都有蓝光进入眼睛。")


def _thinks(request: ChatRequest) -> bool:
    """DeepSeek thinks unless told not to; Bailian only when asked (``enable_thinking``)."""
    if request.flavour == "deepseek":
        return (request.body.get("thinking") or {}).get("type") != "disabled"
    return request.reasoning


def reasoning(request: ChatRequest) -> Reply:
    """04: thinks first (or not, as the switches say), then answers why the sky is blue."""
    delay = token_delay()
    return Reply.answer(SKY, reasoning=THINKING if _thinks(request) else None,
                        chunk_size_words=2, first_delay=10 * delay, delay=delay)


_NAMES = {"deepseek": "DeepSeek 替身", "bailian": "百炼替身"}


def introductions(request: ChatRequest) -> Reply:
    """06: remembers a name said earlier in the conversation and counts the messages it received;
    the Bailian stand-in is twice as slow, so side by side the wait is the slower one's."""
    name = _NAMES.get(request.flavour, "替身")
    history = " ".join(m.get("content", "") for m in request.messages[:-1] if isinstance(m.get("content"), str))
    known = re.search(r"我叫(\w+?)[，。,.]", history)
    if "名字" in request.prompt:
        text = f"你叫**{known.group(1)}**。" if known else "你还没有告诉我你的名字。"
    elif "介绍" in request.prompt:
        text = f"我是{name}：一个在本机 127.0.0.1 上运行、专门用来教学演示的小服务器。"
    else:
        text = f"好的，我记住了。（{name}）"
    count = len(request.messages)
    text += f"\n\n*（这次请求里有 {count} 条消息 / {count} messages in this request）*"
    speed = 1 if request.flavour == "deepseek" else 2
    delay = token_delay()
    return Reply.answer(text, chunk_size_words=2, first_delay=10 * delay * speed, delay=delay * speed)


#: the scripts ``llm_magic.classroom(replies=…)`` knows
SCRIPTS: dict[str, ReplyScript] = {
    "demo": demo_reply, "receipt": receipt, "reasoning": reasoning, "introductions": introductions,
}
