"""A key pasted into a prompt is caught before it is sent.

A student who pastes a key into a cell (or fills ``{key}`` from a variable) would send it to the
provider, where it lands in logs, and keep it in the notebook file. The whole request body (the
prompt after ``{name}`` interpolation, the history, the system prompt, ``extra_body``) is looked
through for a key this kernel knows (entered, in the environment or in the nearest ``.env``) and
for strings shaped like a provider key (``sk-`` + 32 characters or more, ``hf_`` + 30 or more).
``allow_secrets=True`` (``--allow-secrets``) sends it anyway.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text
from ..keys.lookup import every_key
from ..secrets import keys_in, remember


def refuse_pasted_keys(payload: dict[str, Any], provider: str, *, allow: bool = False) -> None:
    """Raise before sending when ``payload`` carries something that is, or looks like, a key.

    With ``allow`` the call goes ahead, and what was found is remembered as a key: every later
    output, ``_llm``, the replay cache and the history show it masked.
    """
    found = keys_in(json.dumps(payload, ensure_ascii=False), every_key())
    if allow or not found:
        for key in found:
            remember(key)
        return
    masks = [key.masked for key in found]
    shown = "、".join(masks)
    raise ConfigurationError(
        Text(f"The prompt contains what looks like an API Key ({', '.join(masks)}); it was not sent. "
             "A key in a prompt reaches the provider's logs and stays in the notebook file.",
             f"提示词中含有疑似 API Key 的内容（{shown}），这次没有发送。"
             "写进提示词的 Key 会进入服务商的日志，也会留在 notebook 文件里。"),
        hint=Text("Remove it from the prompt (and from the variable you inserted with {name}). To send it anyway, "
                  "add --allow-secrets (allow_secrets=True in Python).",
                  "请把它从提示词中删除（如果是用 {变量名} 插入的，也请检查那个变量）。如果确实要发送，"
                  "请加上 --allow-secrets（Python 中为 allow_secrets=True）。"),
        provider=provider)
