"""Process-wide settings of the engine; the magics' traitlets write into these."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import DEFAULT_MODELS


@dataclass
class Settings:
    """Knobs a teacher may turn for a whole course. Timeouts are in seconds."""

    #: seconds to open a connection
    connect_timeout: float = 10.0
    #: longest silence allowed between two pieces of the answer
    read_timeout: float = 60.0
    #: the whole call, keep-alive comments included, may not take longer than this
    timeout: float = 300.0
    #: retries for 429, 5xx and failed connections, only before any answer text arrived
    max_retries: int = 2
    #: never wait longer than this before a retry, whatever Retry-After says
    max_retry_wait: float = 20.0
    #: first backoff step; doubles each retry, with jitter
    backoff: float = 0.5
    #: Bailian region: "cn" (Beijing), "intl" (Singapore), "us" (Virginia), "hk" (Hong Kong)
    bailian_region: str = "cn"
    #: ChatAnywhere host: "cn" (api.chatanywhere.tech, inside China) or "global" (.org)
    chatanywhere_host: str = "cn"
    #: a prompt longer than this is refused before sending: most likely a mistake
    max_prompt_chars: int = 2_000_000
    #: default model per provider; see models.py
    models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    #: base URL per provider, below the explicit argument and the *_BASE_URL variable
    base_urls: dict[str, str] = field(default_factory=dict)


settings = Settings()
