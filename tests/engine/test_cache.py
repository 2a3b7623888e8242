"""Replay cache: record once over loopback HTTP, replay with the server stopped and no key."""

from __future__ import annotations

import threading

import pytest

from llm_magic import errors as e
from llm_magic.answer import Answer
from llm_magic.engine import cache
from llm_magic.engine.request import prepare_call
from llm_magic.events import Finished, ReasoningDelta, TextDelta
from llm_magic.loopback import Reply


@pytest.fixture(autouse=True)
def default_location():
    cache.configure(None)
    yield
    cache.configure(None)


def run(spec: str, prompt: str, **options) -> list:
    return list(cache.cached_stream(spec, prompt, **options))


def test_replays_with_the_server_stopped_and_no_key(fake_provider, monkeypatch, tmp_path):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("梯度下降沿着负梯度方向更新参数。", reasoning="先回忆定义。"))
    live = run("deepseek", "什么是梯度下降？", think=True, temperature=0.2)
    assert server.request_count == 1 and not live[-1].answer.replayed
    assert (tmp_path / ".llm_magic_cache.sqlite").exists()

    server.stop()
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    monkeypatch.delenv("DEEPSEEK_BASE_URL")
    replay = run("deepseek", "什么是梯度下降？", think=True, temperature=0.2)
    answer = replay[-1].answer
    assert isinstance(replay[-1], Finished) and answer.replayed
    assert answer == "梯度下降沿着负梯度方向更新参数。" and answer.reasoning == "先回忆定义。"
    assert answer.usage == live[-1].answer.usage and answer.model == "deepseek-flash"
    assert answer.finish_reason == "stop" and answer.provider == "deepseek"
    assert "".join(ev.text for ev in replay if isinstance(ev, TextDelta)) == answer.text
    assert "".join(ev.text for ev in replay if isinstance(ev, ReasoningDelta)) == answer.reasoning
    assert len([ev for ev in replay if isinstance(ev, TextDelta)]) > 1  # streamed in pieces
    kinds = [type(ev) for ev in replay]
    assert kinds.index(TextDelta) > max(i for i, k in enumerate(kinds) if k is ReasoningDelta)
    # a miss with no key still fails as usual, when the call is attempted
    assert cache.cached_answer("deepseek", "another question") is None
    with pytest.raises(e.MissingKeyError):
        run("deepseek", "another question")


BASE = {"system": "be brief", "temperature": 0.5, "max_tokens": 100}


@pytest.mark.parametrize("change", [
    {"prompt": "a different prompt"}, {"system": "be verbose"}, {"temperature": 0.6},
    {"max_tokens": 101}, {"top_p": 0.9}, {"model": "deepseek-v4-pro"}, {"think": False},
    {"extra_body": {"seed": 7}}, {"spec": "bailian"},
])
def test_any_change_of_parameter_is_a_miss(fake_provider, change):
    deepseek, bailian = fake_provider("deepseek"), fake_provider("bailian")
    run("deepseek", "the prompt", **BASE)
    options = {**BASE, **change}
    spec, prompt = options.pop("spec", "deepseek"), options.pop("prompt", "the prompt")
    replayed = run(spec, prompt, **options)[-1].answer.replayed
    assert not replayed and deepseek.request_count + bailian.request_count == 2


def test_the_same_call_is_a_hit_whatever_the_option_order_or_timeout(fake_provider):
    server = fake_provider("deepseek")
    run("deepseek", "q", temperature=0.5, max_tokens=100, timeout=30)
    assert run("deepseek:deepseek-flash", "q", max_tokens=100, temperature=0.5, timeout=99)[-1].answer.replayed
    assert server.request_count == 1


def test_refresh_calls_again_and_overwrites(fake_provider):
    server = fake_provider("deepseek")
    server.queue(Reply.answer("first"), Reply.answer("second"))
    run("deepseek", "q")
    assert run("deepseek", "q", refresh=True)[-1].answer == "second"
    assert server.request_count == 2
    hit = run("deepseek", "q")[-1].answer
    assert hit == "second" and hit.replayed and server.request_count == 2


@pytest.mark.parametrize("spec,options", [
    ("deepseek", {}), ("deepseek", {"think": True, "stream": False, "temperature": 1.0, "extra_body": {"seed": 3}}),
    ("bailian:qwen3-32b", {"stream": False}), ("bailian", {"think": True, "system": "s"}),
    ("hf:openai/gpt-oss-20b:cheapest", {"top_p": 0.5}), ("chatanywhere", {"messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "reasoning_content": "x"}]}),
])
def test_key_without_a_key_matches_the_prepared_call(fake_provider, spec, options):
    for name in ("deepseek", "bailian", "huggingface", "chatanywhere"):
        fake_provider(name)
    prepared = prepare_call(spec, "prompt", **options)
    assert cache.key_for(prepared) == cache.request_key(spec, "prompt", **options)


def test_the_cache_file_never_contains_a_key(fake_provider, tmp_path):
    server = fake_provider("deepseek")
    run("deepseek", "hello", key=None)
    run("deepseek", "hello again", key=server.key)
    path = tmp_path / ".llm_magic_cache.sqlite"
    cache.get_cache().close()
    data = path.read_bytes()
    assert len(cache.get_cache()) == 2
    assert server.key.encode() not in data and server.key[3:].encode() not in data
    assert server.key[-8:].encode() not in data


def test_configured_path_and_interrupted_answers(tmp_path):
    cache.configure(tmp_path / "course" / "replay.sqlite")
    store = cache.get_cache()
    assert store.path == (tmp_path / "course" / "replay.sqlite").resolve()
    assert not store.store("k", Answer("half", interrupted=True))
    assert store.lookup("k") is None
    assert store.store("k", Answer("whole", provider="demo", finish_reason="stop"))
    assert store.lookup("k") == "whole" and store.lookup("k").replayed
    assert (tmp_path / "course" / "replay.sqlite").exists()


def test_safe_from_several_threads(tmp_path):
    store = cache.ReplayCache(tmp_path / "threads.sqlite")
    failures = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                store.store(f"{n}-{i}", Answer(f"answer {n} {i}", usage={"prompt_tokens": i}))
                assert store.lookup(f"{n}-{i}") == f"answer {n} {i}"
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(store) == 120


def test_replay_events_with_a_delay_streams_piece_by_piece():
    answer = Answer("机器学习 is fun", reasoning="think", model="m", provider="demo")
    events = list(cache.replay_events(answer, delay=0.001))
    assert [ev.text for ev in events if isinstance(ev, TextDelta)] == ["机", "器", "学", "习", " is", " fun"]
    assert events[-1].answer.replayed and events[-1].answer.model == "m"


# -- images and JSON in the key ------------------------------------------------------------------
def test_the_key_holds_the_image_bytes(tmp_path):
    from tests.harness.images import png_bytes

    red, blue = png_bytes(2, 2, (255, 0, 0)), png_bytes(2, 2, (0, 0, 255))
    on_disk = tmp_path / "red.png"
    on_disk.write_bytes(red)
    key = cache.request_key("demo", "what colour?", images=[red])
    assert key == cache.request_key("demo", "what colour?", images=[str(on_disk)])  # same bytes, same key
    assert key != cache.request_key("demo", "what colour?", images=[blue])
    assert key != cache.request_key("demo", "what colour?")
    assert key != cache.request_key("demo", "what colour?", images=[red, red])
    assert cache.request_key("demo", "x", json=True) != cache.request_key("demo", "x")
    assert cache.request_key("demo", "x", schema="a int") != cache.request_key("demo", "x", schema="a str")


def test_a_replayed_image_call_needs_no_server_and_a_json_replay_is_parsed_again(fake_provider, monkeypatch):
    from tests.harness.images import png_bytes

    server = fake_provider("bailian")
    server.queue(Reply.answer('{"colour": "red"}'))
    live = run("bailian:qwen3-vl-plus", "colour?", images=[png_bytes()], schema="colour")
    assert live[-1].answer.data == {"colour": "red"}
    server.stop()
    monkeypatch.delenv("BAILIAN_API_KEY")
    replay = run("bailian:qwen3-vl-plus", "colour?", images=[png_bytes()], schema="colour")
    assert replay[-1].answer.replayed and replay[-1].answer.data == {"colour": "red"}
    with pytest.raises(e.MissingKeyError):  # another image is another call
        run("bailian:qwen3-vl-plus", "colour?", images=[png_bytes(3, 3)], schema="colour")
