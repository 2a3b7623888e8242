"""What the offline demo says: a few real short answers, and an honest fallback for the rest."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text: str) -> bool:
    """A prompt with any Chinese character gets a Chinese answer."""
    return bool(_CJK.search(text))


def answer_for(prompt: str) -> str:
    """The demo's Markdown answer to ``prompt``: deterministic, short, and worth reading."""
    lowered = prompt.lower()
    if "机器学习" in prompt:
        return ML_THREE_SENTENCES_ZH if "三句" in prompt else ML_ZH
    if "machine learning" in lowered:
        return ML_EN
    if re.search(r"\b(hello|hi|hey)\b", lowered) or "你好" in prompt:
        return HELLO_ZH if is_chinese(prompt) else HELLO_EN
    if re.search(r"\b(python|code|function)\b", lowered) or "代码" in prompt:
        return CODE_ZH if is_chinese(prompt) else CODE_EN
    return generic_zh(prompt) if is_chinese(prompt) else generic_en(prompt)


def reasoning_for(prompt: str) -> str:
    """What ``demo-reasoner`` "thinks" before it answers."""
    if is_chinese(prompt):
        return (f"用户的问题是：“{_short(prompt)}”。这是离线演示，没有真正的模型在运行，"
                "所以我会从准备好的回答里挑一个最贴切的。回答要简短：先给结论，再列要点，"
                "最后给一个小例子。")
    return (f"The user asks: \"{_short(prompt)}\". This is the offline demo, so no real model "
            "is running; I will pick the closest prepared answer. Keep it short: the point "
            "first, then a few bullets, then a small example.")


def _short(prompt: str, limit: int = 80) -> str:
    prompt = " ".join(prompt.split())
    return prompt if len(prompt) <= limit else prompt[: limit - 1] + "…"


def _quote(prompt: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in _short(prompt, 300).splitlines())


ML_THREE_SENTENCES_ZH = (
    "机器学习是人工智能的一个分支，它让计算机从数据中自动找出规律，而不是由人逐条写好规则。"
    "训练时，算法用大量样本反复调整模型的参数，让预测结果和真实答案之间的误差越来越小。"
    "训练好的模型可以对从未见过的新数据做出判断，比如识别照片里的猫、过滤垃圾邮件或预测房价。"
)

ML_ZH = """## 什么是机器学习

机器学习让计算机**从数据中学习规律**，而不是依靠人写好的规则。

- **监督学习**：样本带有答案（标签），例如根据面积预测房价。
- **无监督学习**：样本没有答案，让算法自己发现分组或结构。
- **强化学习**：通过试错和奖励学会一连串的决策，例如下棋。

| 任务 | 输入 | 输出 |
|---|---|---|
| 垃圾邮件过滤 | 邮件文本 | 是 / 否 |
| 房价预测 | 面积、位置 | 价格 |

```python
from sklearn.linear_model import LinearRegression
model = LinearRegression().fit([[50], [80], [120]], [150, 240, 360])
print(model.predict([[100]]))  # 约 300
```
"""

ML_EN = """## What is machine learning?

Machine learning lets a computer **learn patterns from data** instead of following rules a
person wrote by hand.

- **Supervised learning**: examples come with answers (labels), e.g. predicting house prices.
- **Unsupervised learning**: no answers; the algorithm finds groups or structure by itself.
- **Reinforcement learning**: learning a sequence of decisions by trial, error and reward.

| Task | Input | Output |
|---|---|---|
| Spam filter | email text | spam / not spam |
| Price prediction | size, location | price |

```python
from sklearn.linear_model import LinearRegression
model = LinearRegression().fit([[50], [80], [120]], [150, 240, 360])
print(model.predict([[100]]))  # about 300
```
"""

HELLO_EN = """## Hello from the offline demo 👋

No API key is needed here: the answers come from a small server running on this computer
(127.0.0.1), started by this notebook's kernel; no real model is involved.

| Model | What it does |
|---|---|
| `demo-chat` | streams a short Markdown answer |
| `demo-reasoner` | thinks out loud first, then answers |
| `error-401`, `error-429`, `timeout`, `cut` … | act out a failure, to see how it is reported |

Try asking *"What is machine learning?"* or *"用三句话解释什么是机器学习"*.
"""

HELLO_ZH = """## 你好，这里是离线演示 👋

不需要 API Key：回答来自这台电脑上（127.0.0.1）运行的一个小服务器，它由当前 notebook 的内核启动，并没有真正的模型参与。

| 模型 | 作用 |
|---|---|
| `demo-chat` | 以流式输出一段简短的 Markdown 回答 |
| `demo-reasoner` | 先展示思考过程，再给出回答 |
| `error-401`、`error-429`、`timeout`、`cut` … | 模拟各种错误，看看它们如何被报告 |

试试问：*“用三句话解释什么是机器学习”*。
"""

CODE_EN = """## A small Python example

Counting the words of a text takes three lines with the standard library:

```python
from collections import Counter

text = "the cat sat on the mat"
print(Counter(text.split()).most_common(2))  # [('the', 2), ('cat', 1)]
```

- `split()` cuts the text at whitespace.
- `Counter` counts each distinct word.
- `most_common(n)` returns the `n` most frequent words.
"""

CODE_ZH = """## 一个小小的 Python 示例

用标准库统计一段文字里的词频，只需要三行：

```python
from collections import Counter

text = "the cat sat on the mat"
print(Counter(text.split()).most_common(2))  # [('the', 2), ('cat', 1)]
```

- `split()` 按空白切分文本；
- `Counter` 统计每个词出现的次数；
- `most_common(n)` 返回出现最多的 `n` 个词。
"""


def generic_en(prompt: str) -> str:
    return f"""## Offline demo answer

You asked:

{_quote(prompt)}

This is the **offline demo**: no real model ran, so this answer cannot address your question.
It shows what a streamed answer looks like:

- text arrives word by word, like a real model's;
- Markdown is rendered: headings, lists, tables and code;
- the prompt had {len(prompt)} characters:

```python
len(prompt)  # {len(prompt)}
```

To get a real answer, add an API key for a provider such as DeepSeek, Bailian, ChatAnywhere
or Hugging Face, and write its name instead of `demo`.
"""


_REAL_ZH = ("想得到真正的回答，请为 DeepSeek、阿里云百炼、ChatAnywhere 或 Hugging Face 等服务商配置 API Key，"
            "再把 `demo` 换成它的名字。")


def generic_zh(prompt: str) -> str:
    return f"""## 离线演示回答

你的问题是：

{_quote(prompt)}

这是**离线演示**：并没有真正的模型在运行，所以这段回答无法真正回答你的问题。它展示的是流式回答的样子：

- 文字像真实模型一样逐字出现；
- Markdown 会被渲染：标题、列表、表格和代码；
- 你的问题共有 {len(prompt)} 个字符：

```python
len(prompt)  # {len(prompt)}
```

{_REAL_ZH}
"""
