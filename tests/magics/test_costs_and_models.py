"""What a teacher sees of this month's provider facts: --dry-run, costs in footers, deprecated models."""

from __future__ import annotations

import pytest

from llm_magic.config import settings
from llm_magic.engine import prices
from llm_magic.loopback import Reply
from tests.harness.shell import run, shown


def served(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def warnings_of(captured) -> list[str]:
    return [o.data["text/plain"] for o in captured.outputs if o.data.get("text/plain", "").startswith("⚠")]


def test_dry_run_sends_nothing_and_prices_the_call(shell, deepseek, monkeypatch):
    monkeypatch.delenv("DEEPSEEK_API_KEY")  # no key is needed to price a call
    settings.max_tokens_per_session = 10_000
    captured = run(shell, "%%llm deepseek --dry-run --max-tokens 500\n用三句话解释什么是机器学习")
    text = captured.outputs[-1].data["text/plain"]
    assert deepseek.request_count == 0 and "_llm" not in shell.user_ns
    assert "nothing was sent" in text and "deepseek · deepseek-flash" in text
    assert "≈ 11" in text and "500 tokens" in text                 # 13 characters: 7 tokens + 4 per message
    most = 2 * (17 * 1.0 + 500 * 4.0) / 1e6                         # 1.5 x 11 tokens in, all 500 out, at peak
    assert f"≤ ¥{most:.4f}" in text and "¥1 / ¥4" in text
    assert "10,000 of 10,000 tokens left" in text


def test_dry_run_side_by_side_names_the_unknown_and_the_uncapped(shell, fake_provider):
    fake_provider("deepseek")
    hf = fake_provider("huggingface")
    captured = run(shell, "%%llm deepseek huggingface --dry-run\nhello")
    text = captured.outputs[-1].data["text/plain"]
    assert "no cap: add --max-tokens" in text and "unknown" in text
    assert "No session budget is set" in text and hf.request_count == 0


def test_dry_run_warns_when_the_call_may_exceed_the_budget(shell, deepseek):
    settings.max_tokens_per_session = 100  # nothing used yet: 100 left, and the cap alone is 500
    text = run(shell, "%%llm deepseek --dry-run --max-tokens 500\nhi").outputs[-1].data["text/plain"]
    assert "100 of 100 tokens left" in text and "may use more than that" in text


def test_the_footer_shows_what_the_answer_cost(shell, deepseek, monkeypatch):
    monkeypatch.setattr(prices, "PRICES", {})
    deepseek.queue(Reply.answer("好的", usage=served(2_000, 300)))
    captured = run(shell, "%%llm deepseek\n你好")
    answer = shell.user_ns["_llm"]
    assert answer.currency == "CNY" and answer.cost > 0
    assert f"≈ ¥{answer.cost:.4f}" in shown(captured)
    assert captured.outputs[-1].metadata["llm_magic"]["cost"] == answer.cost


def test_usage_totals_by_currency(shell, fake_provider):
    fake_provider("deepseek").queue(Reply.answer("a", usage=served(1_000, 100)))
    fake_provider("openai").queue(Reply.answer("b", usage=served(1_000, 100)))
    run(shell, "%%llm deepseek\nhi")
    run(shell, "%%llm openai\nhi")
    total = next(line for line in run(shell, "%llm_usage").outputs[-1].data["text/plain"].splitlines()
                 if line.startswith("total"))
    assert "CNY" in total and "USD" in total and "+" in total


def test_a_model_near_shutdown_is_warned_about_once(shell, fake_provider):
    fake_provider("openai")
    first = warnings_of(run(shell, "%%llm openai -m gpt-5-mini\nhi"))
    second = warnings_of(run(shell, "%%llm openai -m gpt-5-mini\nhi again"))
    assert len(first) == 1 and "gpt-5-mini (OpenAI) shuts down on 2026-12-11" in first[0]
    assert "gpt-6.1-terra" in first[0]
    assert second == []


def test_a_dropped_temperature_is_one_line_above_the_answer(shell, fake_provider):
    server = fake_provider("openai")
    captured = run(shell, "%%llm openai -t 0.2 --max-tokens 50\nhi")
    [note] = warnings_of(captured)
    assert "-t 0.2 was left out" in note and "temperature" not in server.last_request.body
    assert server.last_request.body["max_completion_tokens"] == 50


def test_models_table_marks_deprecated_models_with_dates_and_replacements(shell, fake_provider):
    fake_provider("openai")
    text = run(shell, "%llm_models openai").outputs[-1].data["text/plain"]
    line = next(row for row in text.splitlines() if row.startswith("gpt-5-mini"))
    assert "deprecated, shuts down 2026-12-11 → gpt-6.1-terra" in line
    assert "★ default" in next(row for row in text.splitlines() if row.startswith("gpt-6.1-terra"))
    assert "deprecated" not in next(row for row in text.splitlines() if row.startswith("gpt-6-luna"))


def test_models_table_marks_declared_retirements_where_the_list_has_no_dates(shell, fake_provider):
    fake_provider("bailian", models=("qwen-plus", "qwen-vl-max"))
    text = run(shell, "%llm_models bailian").outputs[-1].data["text/plain"]
    assert "qwen3-vl-plus" in next(row for row in text.splitlines() if row.startswith("qwen-vl-max"))


def test_thinking_that_used_the_whole_budget_is_explained(shell, deepseek):
    deepseek.queue(Reply.answer("", reasoning="让我想想……" * 10, finish_reason="length"))
    captured = run(shell, "%%llm deepseek --think --max-tokens 20\n证明勾股定理")
    assert "the thinking used all of --max-tokens and left no answer" in shown(captured)
    assert "--no-think" in shown(captured)


@pytest.mark.parametrize("region", ["intl", "tokyo"])
def test_a_rejected_bailian_key_names_the_region_setting(shell, fake_provider, region):
    server = fake_provider("bailian")
    shell.run_line_magic("config", "LLMMagics.bailian_workspace = 'ws-test1'")
    shell.run_line_magic("config", f"LLMMagics.bailian_region = {region!r}")
    assert settings.bailian_region == region and settings.bailian_workspace == "ws-test1"
    server.key = "sk-a-different-key-000000000000000"  # the key we send is now wrong for this server
    ran = shell.run_cell("%%llm bailian\nhi")
    hint = ran.error_in_exec.hint
    assert "%config LLMMagics.bailian_region" in hint and f"used {region!r}" in hint
