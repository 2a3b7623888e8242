"""Default model for each provider, in one place: providers rename and retire models often.

Change one for a whole course with ``%config LLMMagics.models = {"deepseek": "deepseek-v4-pro"}``
or ``llm_magic.settings.models["deepseek"] = "deepseek-v4-pro"``. Read on 2026-11.
"""

DEFAULT_MODELS: dict[str, str] = {
    # deepseek-chat / deepseek-reasoner were retired on 2026-07-24; deepseek-flash replaced v4-flash.
    "deepseek": "deepseek-flash",
    # qwen-turbo was retired on 2026-10-10; qwen-plus is what the official thinking examples use.
    "bailian": "qwen-plus",
    # 200 calls a day on a free ChatAnywhere key.
    "chatanywhere": "gpt-4o-mini",
    # small, not gated, routed to the cheapest provider: kind to the free monthly credits.
    "huggingface": "openai/gpt-oss-20b:cheapest",
    "openai": "gpt-5-mini",
    "ollama": "qwen3",
    "demo": "demo-chat",
}
