"""%%llm with several providers, --chat, --cache/--refresh, the session budget and model hints,
in a real InteractiveShell against loopback servers."""

from __future__ import annotations

import time

import pytest
from IPython.core.error import UsageError
from traitlets import TraitError

import llm_magic
from llm_magic import errors
from llm_magic.answer import Answer
from llm_magic.engine import catalog, usage
from llm_magic.loopback import Reply
from llm_magic.magics import conversation
from tests.harness.outputs import OutputArea
from tests.harness.shell import final, run, sent_prompt, shown


@pytest.fixture(autouse=True)
def fresh_features(monkeypatch):
    monkeypatch.setattr(llm_magic.settings, "backoff", 0.01)
    monkeypatch.setattr(usage, "limits", usage.Limits())
    usage.ledger.reset()
    conversation.reset()
    catalog.clear()
    yield
    usage.ledger.reset()
    conversation.reset()
    catalog.clear()


@pytest.fixture
def two(fake_provider):
    return fake_provider("deepseek"), fake_provider("bailian")


# -- several providers --------------------------------------------------------------------------
def test_two_providers_take_the_slower_ones_time_not_the_sum(shell, two):
    deepseek, bailian = two
    deepseek.default_reply = Reply.answer("深度求索的回答", first_delay=0.6)
    bailian.default_reply = Reply.answer("百炼的回答", first_delay=1.0)
    started = time.monotonic()
    run(shell, "%%llm deepseek\n你好")
    run(shell, "%%llm bailian\n你好")
    one_after_the_other = time.monotonic() - started
    started = time.monotonic()
    captured = run(shell, "%%llm deepseek bailian:qwen-plus -o answers\n你好")
    together = time.monotonic() - started
    assert 1.0 <= together < one_after_the_other * 0.85, (together, one_after_the_other)
    answers = shell.user_ns["answers"]
    assert (answers == {"deepseek": "深度求索的回答", "bailian:qwen-plus": "百炼的回答"}
            and answers is shell.user_ns["_llm"])
    assert all(isinstance(a, Answer) for a in answers.values())
    assert bailian.requests[-1].body["model"] == "qwen-plus"
    markdown = final(captured)["text/markdown"]
    first, second = markdown.split("**Bailian 百炼 (Qwen)** · qwen-plus\n\n")
    assert "**DeepSeek** · deepseek-flash\n\n深度求索的回答" in first and second.startswith("百炼的回答")
    assert sum(not o.update for o in captured.outputs) == 1
    assert final(captured)["text/plain"].startswith("== DeepSeek · deepseek-flash ==\n深度求索的回答")
    providers = captured.outputs[-1].metadata["llm_magic"]["providers"]
    assert (set(providers) == {"deepseek", "bailian:qwen-plus"}
            and captured.outputs[-1].metadata["llm_magic"]["status"] == "done")


def test_one_failing_provider_leaves_the_others_answer_in_its_column(shell, two):
    deepseek, bailian = two
    deepseek.queue(Reply.answer("It works.", first_delay=0.3))
    bailian.queue(Reply.error("auth"))
    captured = run(shell, "%%llm deepseek bailian\nhi")  # the cell succeeds: one answer arrived
    markdown = final(captured)["text/markdown"]
    deepseek_part, bailian_part = markdown.split("**Bailian 百炼 (Qwen)** · ")
    assert "It works." in deepseek_part and "deepseek · deepseek-flash" in deepseek_part
    assert "AuthenticationError" in bailian_part and "%llm_key bailian" in bailian_part and "failed" in bailian_part
    results = shell.user_ns["_llm"]
    assert results["deepseek"] == "It works." and isinstance(results["bailian"], errors.AuthenticationError)
    assert bailian.key not in markdown


def test_every_provider_failing_fails_the_cell(shell, two):
    for server in two:
        server.queue(Reply.error("auth"))
    with pytest.raises(errors.AuthenticationError):
        run(shell, "%%llm deepseek bailian\nhi")
    assert set(shell.user_ns["_llm"]) == {"deepseek", "bailian"}


def test_several_providers_side_by_side_in_the_live_view_and_the_terminal(shell, two, capsys):
    two[0].queue(Reply.answer("# A\n\nfirst\n\nsecond", delay=0.01))
    two[1].queue(Reply.answer("百炼", reasoning="想", delay=0.01))
    captured = run(shell, "%%llm deepseek bailian --think\nhi")
    assert all(set(o.data) <= {"text/markdown", "text/plain"} for o in captured.outputs)  # no widget
    document = final(captured)["text/markdown"]
    assert document.startswith('<div style="display: grid') and document.count("min-width: 0") == 2
    assert "# A\n\nfirst\n\nsecond" in document and "百炼" in document and "<details>" in document
    assert len(OutputArea.of_captured(captured).visible()) == 1
    shell.run_cell("%%llm deepseek bailian\nhi")  # no capture: a plain shell prints like a terminal
    out = capsys.readouterr().out
    assert "== DeepSeek · deepseek-flash ==" in out and "Loopback deepseek answer to: hi" in out
    assert "Loopback bailian answer to: hi" in out


def test_several_providers_in_the_help(shell):
    help_text = run(shell, "%%llm?").stdout
    for option in ("--chat [NAME]", "--cache", "--no-cache", "--refresh", "side by side"):
        assert option in help_text


# -- conversations --------------------------------------------------------------------------------
def test_chat_sends_the_history_and_never_the_reasoning(shell, fake_provider):
    deepseek = fake_provider("deepseek")
    deepseek.queue(Reply.answer("第一次回答", reasoning="我在思考"), Reply.answer("第二次回答"), Reply.answer("单独"))
    run(shell, "%%llm deepseek --chat --think\n第一个问题")
    run(shell, "%%llm deepseek --chat\n第二个问题")
    assert deepseek.requests[-1].body["messages"] == [
        {"role": "user", "content": "第一个问题"}, {"role": "assistant", "content": "第一次回答"},
        {"role": "user", "content": "第二个问题"}]
    run(shell, "%%llm deepseek\n单独的问题")  # without --chat each cell stands alone
    assert deepseek.requests[-1].body["messages"] == [{"role": "user", "content": "单独的问题"}]
    assert conversation.history_for("deepseek")[-1] == {"role": "assistant", "content": "第二次回答"}


def test_named_chat_and_the_line_magic(shell, fake_provider):
    deepseek = fake_provider("deepseek")
    run(shell, "%llm deepseek --chat=lesson 你好")
    assert sent_prompt(deepseek) == "你好"
    run(shell, "%%llm deepseek --chat lesson\n再说一遍")
    assert [m["content"] for m in deepseek.requests[-1].body["messages"]] == [
        "你好", "Loopback deepseek answer to: 你好", "再说一遍"]
    run(shell, "%llm deepseek --chat hello there")  # a bare --chat in %llm takes no value
    assert sent_prompt(deepseek) == "hello there" and conversation.names() == ["lesson", "deepseek"]


def test_chat_warns_near_the_context_limit(shell, fake_provider):
    fake_provider("chatanywhere")
    captured = run(shell, "%%llm chatanywhere --chat\n" + "word " * 3700)  # ~3,700 tokens of a 4,096 context
    warnings = [o.data["text/plain"] for o in captured.outputs if o.data.get("text/plain", "").startswith("⚠")]
    assert warnings and "near this model's limit" in warnings[0] and "%llm_reset chatanywhere" in warnings[0]


# -- the cache ------------------------------------------------------------------------------------
def test_cache_replays_with_the_server_stopped_and_no_key(shell, fake_provider, monkeypatch, tmp_path):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("缓存的回答", usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}))
    shell.run_line_magic("config", f"LLMMagics.cache_path = {str(tmp_path / 'answers.sqlite')!r}")
    run(shell, "%%llm deepseek --cache\n问题")
    assert (tmp_path / "answers.sqlite").exists() and len(server.requests) == 1
    server.stop()
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    captured = run(shell, "%%llm deepseek --cache\n问题")
    answer = shell.user_ns["_llm"]
    assert answer == "缓存的回答" and answer.replayed
    assert "replayed" in shown(captured) and final(captured)["text/markdown"].startswith("缓存的回答")
    with pytest.raises(errors.MissingKeyError):  # a different prompt is not in the cache
        run(shell, "%%llm deepseek --cache\n另一个问题")


def test_refresh_asks_again_and_config_turns_the_cache_on(shell, fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("旧的"), Reply.answer("新的"))
    shell.run_line_magic("config", "LLMMagics.cache = True")
    run(shell, "%%llm deepseek\n问题")
    run(shell, "%%llm deepseek\n问题")
    assert len(server.requests) == 1 and shell.user_ns["_llm"].replayed
    run(shell, "%%llm deepseek --refresh\n问题")
    assert len(server.requests) == 2 and shell.user_ns["_llm"] == "新的" and not shell.user_ns["_llm"].replayed
    run(shell, "%%llm deepseek\n问题")
    assert shell.user_ns["_llm"] == "新的" and shell.user_ns["_llm"].replayed
    run(shell, "%%llm deepseek --no-cache\n问题")
    assert len(server.requests) == 3


def test_cache_with_several_providers(shell, two):
    two[0].queue(Reply.answer("甲"))
    two[1].queue(Reply.answer("乙"))
    run(shell, "%%llm deepseek bailian --cache\n问题")
    for server in two:
        server.stop()
    captured = run(shell, "%%llm deepseek bailian --cache\n问题")
    assert shell.user_ns["_llm"] == {"deepseek": "甲", "bailian": "乙"}
    assert shown(captured).count("replayed") >= 2


# -- guard rails ----------------------------------------------------------------------------------
def test_session_budget_refuses_before_any_request(shell, fake_provider):
    server = fake_provider("deepseek")
    server.default_reply = Reply.answer("ok", usage={"prompt_tokens": 8, "completion_tokens": 8, "total_tokens": 16})
    shell.run_line_magic("config", "LLMMagics.max_tokens_per_session = 10")
    assert usage.limits.max_tokens_per_session == 10
    run(shell, "%%llm deepseek\nhi")
    for cell in ("%%llm deepseek\nhi", "%%llm deepseek bailian\nhi"):
        with pytest.raises(usage.SessionBudgetError):
            run(shell, cell)
    assert len(server.requests) == 1


def test_long_prompt_warning(shell, fake_provider):
    fake_provider("deepseek")
    captured = run(shell, "%%llm deepseek\n" + "word " * 5000)
    assert captured.outputs[0].data["text/plain"].startswith("⚠ This prompt is long")


def test_unknown_model_gets_a_did_you_mean_hint(shell, fake_provider):
    bailian = fake_provider("bailian", models=["qwen-plus", "qwen-max"])
    with pytest.raises(errors.BadRequestError) as info:
        run(shell, "%%llm bailian -m Qwen-Plus\nhi")
    assert "Did you mean 'qwen-plus'?" in str(info.value)
    fake_provider("deepseek")
    captured = run(shell, "%%llm deepseek bailian:qwen-pluss\nhi")
    assert "Did you mean 'qwen-plus'?" in final(captured)["text/markdown"]
    assert bailian.requests


def test_budget_trait_must_be_positive(shell):
    with pytest.raises(TraitError, match="must be positive"):
        shell.magics_manager.registry["LLMMagics"].max_tokens_per_session = 0
    with pytest.raises(UsageError):
        run(shell, "%%llm deepseek bailian -m x\nhi")
