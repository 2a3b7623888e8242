"""DeepSeek: reasoning_content, a thinking switch, usage on the final chunk, keep-alive comments."""

from __future__ import annotations

from typing import Any

from .base import Provider


class DeepSeek(Provider):
    name = "deepseek"
    display_name = "DeepSeek"
    key_vars = ("DEEPSEEK_API_KEY",)
    default_base_url = "https://api.deepseek.com"
    base_url_var = "DEEPSEEK_BASE_URL"
    key_url = "https://platform.deepseek.com/api_keys"
    billing_url = "https://platform.deepseek.com/top_up"
    key_prefixes = ("sk-",)

    def apply_thinking(self, payload: dict[str, Any], think: bool | None, stream: bool) -> None:
        # V4 models think by default; the switch is {"thinking": {"type": ...}}.
        if think is not None:
            payload["thinking"] = {"type": "enabled" if think else "disabled"}
