"""Ollama on this computer: OpenAI-compatible, no key."""

from collections.abc import Mapping

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, FREE, DefaultModel, Embeddings, Price, StructuredOutput, Vision


class Ollama(Provider):
    name = "ollama"
    display_name = "Ollama"
    needs_key = False
    default_base_url = "http://localhost:11434/v1"
    base_url_var = "OLLAMA_BASE_URL"
    default = DefaultModel("qwen3", checked="2026-11", source="https://ollama.com/library/qwen3")
    prices: Mapping[str, Price] = {ANY_MODEL: FREE}
    vision = Vision(models=("qwen2.5vl", "gemma3", "llava", "llama3.2-vision"), checked="2026-12",
                    source="https://ollama.com/search?c=vision")
    structured = StructuredOutput(json_object=True, json_schema=True,
                                  source="https://github.com/ollama/ollama/blob/main/docs/openai.md")
    embeddings = Embeddings(DefaultModel("nomic-embed-text", checked="2026-12",
                                         source="https://ollama.com/library/nomic-embed-text"),
                            batch_limit=256, source="https://github.com/ollama/ollama/blob/main/docs/openai.md")

    def key_hint(self) -> Text:
        return Text("Ollama needs no key; start it with `ollama serve`.",
                    "Ollama 不需要 Key；请先运行 `ollama serve`。")
