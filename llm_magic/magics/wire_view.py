"""``--show-code`` and ``--show-raw``: what a cell sends and what comes back, shown as a student would write it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import Text, say

if TYPE_CHECKING:
    from ..engine.exchange import Exchange, WireRequest
    from ..render.show import CallInfo

#: --show-code LANGUAGE → (fence language, what the code uses)
LANGUAGES = {"python": ("python", "Python · requests"), "curl": ("bash", "curl"),
             "r": ("r", "R · httr2"), "js": ("javascript", "JavaScript · fetch")}


def wire_request(call: CallInfo) -> WireRequest:
    """The request of a prepared call, or of a drafted one (a replay) at the provider's base URL."""
    from ..engine.exchange import request_of
    from ..engine.request import DraftRequest, PreparedCall
    from ..keys.lookup import lookup_key

    if isinstance(call, PreparedCall):
        variable = (lookup_key(call.provider).variable or call.provider.builtin_key_variable()) if call.key else None
        return request_of(call.provider, call.url, call.payload, stream=call.stream, has_key=bool(call.key),
                          key_var=variable)
    assert isinstance(call, DraftRequest)
    url = f"{call.provider.base_url()}/chat/completions"
    return request_of(call.provider, url, call.payload, stream=call.stream, has_key=call.provider.needs_key)


def show_request(call: CallInfo, language: str) -> None:
    """The request this cell sends, as runnable code; the key is read from its environment variable."""
    from ..engine.snippets import code_for
    from ..render.code import show_code

    request = wire_request(call)
    fence, tool = LANGUAGES[language]
    from ..providers import Provider

    builtin = call.provider.builtin_key_variable() if isinstance(call.provider, Provider) else None
    if request.key_var and request.key_var == builtin:
        title = Text(f"The request this cell sends, as code ({tool}); the demo needs no key, only the token of "
                     f"its server on this computer, read from {request.key_var}:",
                     f"这个单元格发送的请求，写成代码（{tool}）；演示不需要 Key，只需要本机演示服务器的令牌，"
                     f"它从环境变量 {request.key_var} 读取：")
    elif request.key_var:
        title = Text(f"The request this cell sends, as code ({tool}); the key is read from {request.key_var}:",
                     f"这个单元格发送的请求，写成代码（{tool}）；Key 从环境变量 {request.key_var} 读取：")
    else:
        title = Text(f"The request this cell sends, as code ({tool}); this provider needs no key:",
                     f"这个单元格发送的请求，写成代码（{tool}）；这个服务商不需要 Key：")
    show_code(code_for(request, language), fence, say(title))


def show_reply(before: Exchange | None) -> None:
    """The raw reply of this cell's request; says so when nothing was sent (a replay, a refusal)."""
    from ..engine.exchange import last_exchange
    from ..render.code import show_code

    record = last_exchange()
    if record is None or record is before:
        show_code(say(Text("Nothing was sent, so there is no raw reply (a replayed answer, or the call was "
                           "refused before sending).",
                           "这次没有发送请求，所以没有原始回复（回答来自回放缓存，或者请求在发送前就被拒绝了）。")))
        return
    title = Text("The raw reply, as it came over the wire:", "服务器返回的原始回复：")
    show_code(record.explained(), "text", say(title))
