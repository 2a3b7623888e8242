"""Ollama on this computer: OpenAI-compatible, no key."""

from collections.abc import Mapping

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, FREE, DefaultModel, Price


class Ollama(Provider):
    name = "ollama"
    display_name = "Ollama"
    needs_key = False
    default_base_url = "http://localhost:11434/v1"
    base_url_var = "OLLAMA_BASE_URL"
    default = DefaultModel("qwen3", checked="2026-11", source="https://ollama.com/library/qwen3")
    prices: Mapping[str, Price] = {ANY_MODEL: FREE}

    def key_hint(self) -> Text:
        return Text("Ollama needs no key; start it with `ollama serve`.",
                    "Ollama 不需要 Key；请先运行 `ollama serve`。")
