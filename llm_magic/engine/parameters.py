"""Send the sampling parameters under the names, and with the values, the model accepts.

The rules are data on the adapters (``Provider.parameter_rules``, per model-name pattern); this
module applies them where the body is built (``request.draft_request``). A parameter the model
would answer with HTTP 400 is never sent: it is left out with a one-line note, or the call is
refused before sending (``settings.unsupported_parameters``).
"""

from __future__ import annotations

from typing import Any

from ..config import settings
from ..errors import ConfigurationError
from ..i18n import Text
from ..providers import Provider

#: how a cell spells each parameter, for the notes
OPTION_OF = {"temperature": "-t", "top_p": "--top-p", "max_tokens": "--max-tokens"}


def adapt_parameters(provider: Provider, model: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[Text]]:
    """``params`` as ``model`` takes them, and a note for each one left out."""
    rule = provider.parameter_rule(model)
    if rule is None:
        return params, []
    adapted = dict(params)
    if adapted.get("max_tokens") is not None and rule.max_tokens_as != "max_tokens":
        adapted[rule.max_tokens_as] = adapted.pop("max_tokens")
    notes = []
    for name, accepted in rule.only_default:
        value = adapted.get(name)
        if value is None or value == accepted:
            continue
        if settings.unsupported_parameters == "refuse":
            raise _refused(provider, model, name, value, accepted)
        del adapted[name]
        notes.append(_dropped(model, name, value, accepted))
    return adapted, notes


def _dropped(model: str, name: str, value: Any, accepted: float) -> Text:
    option = OPTION_OF.get(name, name)
    return Text(
        f"{model} accepts only the default {name} ({accepted:g}): {option} {value:g} was left out, "
        "as the provider answers any other value with HTTP 400.",
        f"{model} 只接受默认的 {name}（{accepted:g}）：已去掉 {option} {value:g}，"
        "因为服务商对其他取值会返回 HTTP 400。")


def _refused(provider: Provider, model: str, name: str, value: Any, accepted: float) -> ConfigurationError:
    option = OPTION_OF.get(name, name)
    return ConfigurationError(
        Text(f"{model} accepts only the default {name} ({accepted:g}), not {value:g}; nothing was sent.",
             f"{model} 只接受默认的 {name}（{accepted:g}），不接受 {value:g}；请求没有发送。"),
        hint=Text(f"Leave {option} out, or let llm_magic leave it out with a note: "
                  "%config LLMMagics.unsupported_parameters = 'drop'.",
                  f"请去掉 {option}，或让 llm_magic 自动去掉并提示："
                  "%config LLMMagics.unsupported_parameters = 'drop'。"),
        provider=provider.name)
