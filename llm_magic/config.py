"""Process-wide settings: the one store that the magics' traitlets and ``%config`` write into.

Every layer reads its knobs here; nothing else keeps a copy. Timeouts are in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Settings:
    """Knobs a teacher may turn for a whole course."""

    #: seconds to open a connection
    connect_timeout: float = 10.0
    #: the longest wait for an answer to begin: its first token (text or reasoning) when streamed, the
    #: first byte that is not blank of a whole one; keep-alive comments, empty events and DeepSeek's
    #: blank lines do not count, retries happen inside it (``wire/patience.py``). Five minutes: a
    #: queue under load, a model loading or a long hidden reasoning all come before the first token
    timeout: float = 300.0
    #: the longest silence between two tokens once the answer has begun (never more than ``timeout``).
    #: A minute: healthy streams pause for seconds at most (reasoning streams as tokens too), and a stream
    #: that stalls mid-answer does not recover (DeepSeek's stalls keep sending keep-alives), so a minute
    #: tells a stall from a hiccup while costing a student one minute, not five
    idle_timeout: float = 60.0
    #: the whole call, retries included, at most this long (``--max-time``); None: no cap, so an answer
    #: that keeps coming is never cut
    max_time: float | None = None
    #: retries for 429, 5xx and failed connections, only before any answer text arrived
    max_retries: int = 2
    #: never wait longer than this before a retry, whatever Retry-After says
    max_retry_wait: float = 20.0
    #: first backoff step; doubles each retry, with jitter
    backoff: float = 0.5
    #: Bailian region: "cn" (Beijing), "intl" (Singapore), "us" (Virginia), "hk" (Hong Kong),
    #: "tokyo" (Japan, served only on workspace-dedicated hosts)
    bailian_region: str = "cn"
    #: Bailian workspace id: calls then go to the workspace-dedicated host of the region,
    #: https://{workspace}.{region}.maas.aliyuncs.com/compatible-mode/v1; None: the shared host
    bailian_workspace: str | None = None
    #: ChatAnywhere host: "cn" (api.chatanywhere.tech, inside China) or "global" (.org)
    chatanywhere_host: str = "cn"
    #: a prompt longer than this is refused before sending: most likely a mistake
    max_prompt_chars: int = 2_000_000
    #: reading stops with AnswerTooLargeError past this many bytes of one answer (decoded), keeping
    #: what arrived: real answers are kilobytes, and a runaway server must not exhaust the kernel's memory
    max_answer_bytes: int = 64 * 1024 * 1024
    #: the course's default model per provider, over the model each provider declares
    #: (``llm_magic.get_provider(name).default_model()`` gives the one in force)
    models: dict[str, str] = field(default_factory=dict)
    #: the course's embeddings model per provider (``llm_magic.embed``, ``%llm_embed``), over the declared one
    embedding_models: dict[str, str] = field(default_factory=dict)
    #: base URL per provider, below the explicit argument and the *_BASE_URL variable
    base_urls: dict[str, str] = field(default_factory=dict)
    #: language of messages: "auto" (follow the locale), "en", "zh" or "both"
    language: str = "auto"
    #: total tokens (in + out) one kernel session may use; None: no limit
    max_tokens_per_session: int | None = None
    #: warn before sending a prompt estimated above this many tokens; None: never warn
    long_prompt_tokens: int | None = 4_000
    #: the replay cache file; None: .llm_magic_cache.sqlite in the working directory
    cache_path: str | None = None
    #: a -t / --top-p the model does not accept (GPT-5 and newer reasoning models): "drop" it with
    #: a one-line note, or "refuse" to send the call; either way it is never sent to earn a 400
    unsupported_parameters: str = "drop"
    #: %%llm warns (once per model and session) this many days before a model's shutdown date
    shutdown_warning_days: int = 30

    @property
    def read_timeout(self) -> float:
        """The old name of :attr:`idle_timeout`; also the socket's read timeout of calls without tokens
        (``/models``, embeddings)."""
        return self.idle_timeout

    @read_timeout.setter
    def read_timeout(self, seconds: float) -> None:
        self.idle_timeout = seconds


settings = Settings()
