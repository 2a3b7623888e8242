"""``python benchmarks/token_estimates.py``: how close ``engine.tokens`` comes to the loopback's usage.

Asks the offline demo server every prepared question (Chinese and English, both demo models) and
prints, per answer, the usage the server reports next to the estimate, and the largest error.
It measures agreement with the loopback's stand-in tokenizer; docs/costs.md says what that
means for real tokenizers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LLM_MAGIC_DEMO_DELAY", "0")

import llm_magic
from llm_magic.engine.tokens import estimate_tokens

PROMPTS = (
    "What is machine learning?", "用三句话解释什么是机器学习", "什么是机器学习？", "hello", "你好",
    "Write a python function", "写一段代码", "Tell me about the weather in Paris tomorrow",
    "请介绍一下北京的天气情况，以及明天要不要带伞",
)


def main() -> None:
    worst = 0.0
    print("| model | prompt | prompt tokens (server / estimate) | answer tokens (server / estimate) | error |")
    print("|---|---|---|---|---|")
    for model in ("demo-chat", "demo-reasoner"):
        for prompt in PROMPTS:
            answer = llm_magic.ask("demo", prompt, model=model)
            sent = estimate_tokens([{"role": "user", "content": prompt}])
            said = estimate_tokens(answer.text) + estimate_tokens(answer.reasoning)
            usage = answer.usage or {}
            errors = [abs(sent / usage["prompt_tokens"] - 1), abs(said / usage["completion_tokens"] - 1)]
            worst = max(worst, *errors)
            print(f"| {model} | {prompt} | {usage['prompt_tokens']} / {sent} | "
                  f"{usage['completion_tokens']} / {said} | {max(errors):.1%} |")
    print(f"\nlargest error: {worst:.1%}")


if __name__ == "__main__":
    main()
