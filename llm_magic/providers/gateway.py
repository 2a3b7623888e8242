"""A school's gateway: an OpenAI-compatible proxy (LiteLLM's) with one virtual key per student.

The teacher runs the gateway in front of DeepSeek, Bailian, ChatAnywhere or Hugging Face and hands
each student a virtual key with a budget; students only ever see that key and the gateway's
address. Model names are the gateway's own (the aliases in its config.yaml), so this adapter
declares none: ``%llm_models gateway`` lists them. docs/classroom.md is the teacher's side.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config import settings
from ..errors import ConfigurationError
from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, Price

#: LiteLLM's proxy, read in its source (litellm 1.82.6 and 1.110.2,
#: litellm/proxy/management_endpoints/key_management_endpoints.py, ``info_key_fn``): GET /key/info
#: with the key in the Authorization header (no ``?key=``, which access logs would keep) answers
#: {"key": …, "info": {"spend", "max_budget", "budget_duration", "budget_reset_at", …}}; spend and
#: budgets are in US dollars. It is served at the proxy's root, beside /v1.
KEY_INFO_PATH = "/key/info"
LITELLM_SOURCE = "https://github.com/BerriAI/litellm (key_management_endpoints.py, read 2026-12-02)"

_DURATION = re.compile(r"^(\d{1,4})(s|m|h|d|w|mo)$")
_UNITS = {"s": ("second", "秒"), "m": ("minute", "分钟"), "h": ("hour", "小时"), "d": ("day", "天"),
          "w": ("week", "周"), "mo": ("month", "个月")}


@dataclass(frozen=True)
class KeyBudget:
    """What the gateway says a virtual key has spent and may spend, in US dollars."""

    spent: float
    #: None: the key has no budget of its own
    limit: float | None = None
    #: when the spend goes back to 0 (None: never, or not said)
    resets_at: _dt.datetime | None = None
    #: how often it resets, as LiteLLM writes it ("30d", "1h"); None: never
    every: str | None = None

    @property
    def left(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)

    def described(self) -> Text:
        """``Budget of this key: $0.42 spent of $2.00, $1.58 left; it resets …``."""
        if self.limit is None:
            said = Text(f"This key has no budget limit on the gateway; ${self.spent:.2f} spent so far.",
                        f"网关没有给这个 Key 设额度上限；目前已用 ${self.spent:.2f}。")
        else:
            left = self.left or 0.0
            said = Text(f"Budget of this key: ${self.spent:.2f} spent of ${self.limit:.2f}, ${left:.2f} left.",
                        f"这个 Key 的额度：共 ${self.limit:.2f}，已用 ${self.spent:.2f}，还剩 ${left:.2f}。")
        return said + self._reset_text() if self.resets_at or self.every else said

    def _reset_text(self) -> Text:
        period = _period(self.every) if self.every else None
        when = self.resets_at.strftime("%Y-%m-%d %H:%M UTC") if self.resets_at else None
        if when and period:
            return Text(f"It resets every {period.en}, next on {when}.", f"每 {period.zh}重置一次，下次在 {when}。")
        if when:
            return Text(f"It resets on {when}.", f"将在 {when} 重置。")
        assert period is not None
        return Text(f"It resets every {period.en}.", f"每 {period.zh}重置一次。")


def _period(duration: str) -> Text:
    """``"30d"`` → "30 days" / "30 天"; anything else is shown as the gateway wrote it."""
    found = _DURATION.match(duration)
    if not found:
        return Text(duration, duration)
    count, (unit, unit_zh) = int(found.group(1)), _UNITS[found.group(2)]
    return Text(f"{count} {unit}{'' if count == 1 else 's'}", f"{count} {unit_zh}")


def _money(value: Any) -> float | None:
    """A finite, non-negative amount (the reply is untrusted: no NaN, no strings, no booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _moment(value: Any) -> _dt.datetime | None:
    """An ISO 8601 time as UTC, or None for anything else."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc)


def key_budget_of(body: Any) -> KeyBudget | None:
    """The budget in a LiteLLM ``/key/info`` reply, or None when the reply says nothing usable.

    Only numbers, a date and a short duration are read: the reply also echoes the key (or its
    hash), which is never kept.
    """
    info = body.get("info") if isinstance(body, Mapping) else None
    if not isinstance(info, Mapping):
        return None
    spent = _money(info.get("spend"))
    if spent is None:
        return None
    every = info.get("budget_duration")
    every = every if isinstance(every, str) and _DURATION.match(every) else None
    return KeyBudget(spent, _money(info.get("max_budget")), _moment(info.get("budget_reset_at")), every)


class Gateway(Provider):
    name = "gateway"
    display_name = "Gateway"  # a name, as DeepSeek is: it stands in Chinese sentences too
    aliases = ("litellm", "school")
    key_vars = ("LLM_GATEWAY_API_KEY",)
    #: no default: only the teacher knows the address
    default_base_url = ""
    base_url_var = "LLM_GATEWAY_BASE_URL"
    #: the model used when a cell names none, below ``%config LLMMagics.models = {"gateway": …}``
    model_var = "LLM_GATEWAY_MODEL"
    # Prices are the gateway's business: it meters each key against its budget (%llm_key gateway --check).
    prices: Mapping[str, Price] = {ANY_MODEL: Price(None, None, source="the gateway keeps each key's spend")}

    def builtin_base_url(self) -> str:
        raise ConfigurationError(
            Text("The school gateway's address is not set.", "还没有设置学校网关的地址。"),
            hint=Text(f"Set {self.base_url_var} to the address your teacher gave you (e.g. "
                      "%env LLM_GATEWAY_BASE_URL=https://llm.example.edu/v1), or run "
                      "%config LLMMagics.base_urls = {'gateway': 'https://llm.example.edu/v1'}.",
                      f"请把环境变量 {self.base_url_var} 设为老师给的地址（例如 "
                      "%env LLM_GATEWAY_BASE_URL=https://llm.example.edu/v1），或运行 "
                      "%config LLMMagics.base_urls = {'gateway': 'https://llm.example.edu/v1'}。"),
            provider=self.name)

    def default_model(self) -> str:
        return settings.models.get(self.name) or os.environ.get(self.model_var, "").strip()

    def key_info_url(self, base_url: str) -> str:
        """Where the gateway tells a key's budget: LiteLLM serves /key/info at its root, not under /v1."""
        root = base_url[:-3] if base_url.endswith("/v1") else base_url
        return root + KEY_INFO_PATH

    @staticmethod
    def key_budget(body: Any) -> KeyBudget | None:
        return key_budget_of(body)

    def key_hint(self) -> Text:
        return Text("Your teacher gives each student a gateway key: put LLM_GATEWAY_API_KEY=… in a .env file "
                    "or run %llm_key gateway and paste it.",
                    "老师会给每位同学一个网关 Key：请把 LLM_GATEWAY_API_KEY=… 写进 .env 文件，"
                    "或运行 %llm_key gateway 后粘贴。")

    def auth_hint(self, key: str | None) -> Text:
        return Text("The gateway does not know this key, or it was revoked or has expired: check that you "
                    "pasted the whole key your teacher gave you (%llm_key gateway), or ask your teacher for a new one.",
                    "网关不认识这个 Key，或者它已被停用、已过期：请确认完整粘贴了老师给的 Key"
                    "（%llm_key gateway），或请老师重新发一个。")

    def forbidden_hint(self, message: str) -> Text:
        return Text("This key may not use this model: %llm_models gateway lists the ones it may use.",
                    "这个 Key 无权使用该模型：%llm_models gateway 会列出它能用的模型。")

    def balance_hint(self) -> Text:
        return Text("The money is the school's: ask your teacher.", "费用由学校承担：请联系老师。")

    def budget_hint(self) -> Text:
        """What a student does when the gateway says the key's budget is spent."""
        return Text("The class budget for this key is used up; nothing more can be sent with it. Ask your teacher "
                    "to raise it or wait until it resets (%llm_key gateway --check shows when).",
                    "这个 Key 的课堂额度已经用完，暂时不能再发送请求。请联系老师提高额度，"
                    "或等额度重置后再试（%llm_key gateway --check 会显示重置时间）。")
