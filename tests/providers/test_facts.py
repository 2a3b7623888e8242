"""The dated facts the adapters declare: defaults, retirements, parameter rules, peak hours, hosts."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from llm_magic.config import settings
from llm_magic.engine import prices
from llm_magic.errors import ConfigurationError
from llm_magic.providers import get_provider
from llm_magic.providers.chatanywhere import FREE_TIER, free_models
from llm_magic.providers.deepseek import PEAK
from llm_magic.providers.facts import BEIJING

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ACCOUNTS = ("deepseek", "bailian", "chatanywhere", "huggingface", "openai")


@pytest.mark.parametrize("name", ACCOUNTS)
def test_every_default_says_when_and_where_it_was_checked(name):
    default = get_provider(name).default
    assert default is not None and ISO_DAY.fullmatch(default.checked or "")
    assert (default.source or "").startswith("http")


@pytest.mark.parametrize("name", ACCOUNTS)
def test_the_default_is_not_already_retired(name):
    adapter = get_provider(name)
    retired = adapter.retirement_of(adapter.default_model())
    assert retired is None or retired.shutdown_day() > dt.date(2026, 12, 1)


def test_openai_moved_off_gpt_5_mini_which_shuts_down_on_dec_11():
    openai = get_provider("openai")
    assert openai.default_model() == "gpt-6.1-terra"
    gone = openai.retirement_of("gpt-5-mini-2025-08-07")
    assert (gone.shutdown, gone.replacement) == ("2026-12-11", "gpt-6.1-terra")
    assert openai.retirement_of("gpt-4.1-nano").shutdown == "2026-10-23"   # the specific line wins
    assert openai.retirement_of("gpt-4.1").shutdown == "2027-01-14"
    assert openai.retirement_of("gpt-5.1") is None                        # not gpt-5, not gpt-5-*


def test_chatanywhere_relays_openai_models_with_their_dates_and_rules():
    relay = get_provider("chatanywhere")
    assert relay.retirement_of("gpt-4o-mini").replacement == "gpt-6-luna"
    assert relay.parameter_rule("gpt-5-mini").max_tokens_as == "max_completion_tokens"
    assert relay.parameter_rule("deepseek-r1") is None
    assert relay.billing_url == "https://api.chatanywhere.tech/#/shop/"


@pytest.mark.parametrize("model", ["gpt-5-mini", "gpt-6.1-terra", "o3", "o4-mini", "GPT-5"])
def test_reasoning_models_have_a_rule(model):
    rule = get_provider("openai").parameter_rule(model)
    assert rule is not None and dict(rule.only_default) == {"temperature": 1.0, "top_p": 1.0}


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4.1", "omni-moderation-latest"])
def test_other_models_keep_max_tokens_and_temperature(model):
    assert get_provider("openai").parameter_rule(model) is None


def test_the_free_tier_hint_lists_only_models_still_served():
    before = {m.name for m in free_models(dt.date(2026, 12, 1))}
    assert "gpt-3.5-turbo" not in before and "gpt-4.1-nano" not in before   # shut down 2026-10-23
    assert {"gpt-4o-mini", "gpt-5-mini", "deepseek-v3"} <= before
    later = {m.name for m in free_models(dt.date(2027, 1, 20))}
    assert "gpt-4o-mini" not in later and "gpt-5-mini" not in later and "deepseek-r1" in later
    assert len(FREE_TIER) == 11


def test_deepseek_peak_hours_are_weekday_daytime_in_beijing():
    def at(day: int, hour: int) -> dt.datetime:  # 2026-12-07 is a Monday
        return dt.datetime(2026, 12, day, hour, 30, tzinfo=BEIJING)

    assert PEAK.applies(at(7, 9)) and PEAK.applies(at(7, 17)) and PEAK.applies(at(11, 14))
    assert not PEAK.applies(at(7, 8)) and not PEAK.applies(at(7, 12)) and not PEAK.applies(at(7, 18))
    assert not PEAK.applies(at(12, 10))                      # Saturday
    utc = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.timezone.utc)   # 10:00 in Beijing
    assert PEAK.applies(utc)


def test_bailian_workspace_hosts_and_the_tokyo_region():
    bailian = get_provider("bailian")
    settings.bailian_workspace = "ws-abc123"
    settings.bailian_region = "tokyo"
    assert bailian.base_url() == "https://ws-abc123.ap-northeast-1.maas.aliyuncs.com/compatible-mode/v1"
    settings.bailian_region = "intl"
    assert bailian.base_url() == "https://ws-abc123.ap-southeast-1.maas.aliyuncs.com/compatible-mode/v1"
    settings.bailian_workspace = None
    assert bailian.base_url() == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    settings.bailian_region = "tokyo"
    with pytest.raises(ConfigurationError) as refused:
        bailian.base_url()
    assert "LLMMagics.bailian_workspace" in refused.value.hint


@pytest.mark.parametrize("workspace", ["evil.example.com/#", "ws abc", "-ws", "ws_1", "a" * 70])
def test_a_workspace_id_cannot_redirect_the_host(workspace):
    settings.bailian_workspace = workspace
    with pytest.raises(ConfigurationError):
        get_provider("bailian").base_url()


def test_bailian_prices_are_beijing_yuan_and_unknown_elsewhere():
    assert prices.price_for("bailian", "qwen-plus").currency == "CNY"
    settings.bailian_region = "intl"
    assert not prices.price_for("bailian", "qwen-plus").known
