"""llm_magic: call DeepSeek, Bailian (Qwen), ChatAnywhere, Hugging Face and others from Jupyter.

In a notebook::

    %load_ext llm_magic
    %llm_key            # where each provider's key comes from (never shown in full)
    %%llm deepseek      # the cell is the prompt; the answer streams in as Markdown

From Python: ``llm_magic.ask("deepseek", "你好")`` returns an :class:`Answer` (a ``str``).
Names are imported on first use, so ``%load_ext llm_magic`` costs almost nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._aliases import install as _install_old_paths
from ._version import __version__

_install_old_paths()  # import llm_magic.prices, .usage, .client, ... still work

_LAZY = {
    "ask": "client", "stream": "client", "stream_events": "client", "list_models": "client",
    "Answer": "answer",
    "settings": "config",
    "set_language": "i18n",
    "register_provider": "providers", "get_provider": "providers", "provider_names": "providers",
    "TextDelta": "events", "ReasoningDelta": "events", "RetryWait": "events", "Finished": "events",
    "ask_many": "compare",
    "embed": "engine.embeddings", "cosine": "engine.embeddings",
    "last_exchange": "engine.exchange",
    "classroom": "stand_ins",
}
_ERRORS = (
    "LLMError", "ConfigurationError", "UnknownProviderError", "MissingKeyError", "SessionBudgetError",
    "AuthenticationError",
    "PermissionDeniedError", "InsufficientBalanceError", "RateLimitError", "BadRequestError",
    "ContentFilterError", "ServerError", "RequestTimeoutError", "NetworkError", "ResponseFormatError",
    "AnswerTooLargeError",
)
_LAZY.update({name: "errors" for name in _ERRORS})

__all__ = [*sorted(_LAZY), "load_ipython_extension", "unload_ipython_extension", "__version__"]

if TYPE_CHECKING:  # for type checkers and editors; at run time names load on first use
    from IPython.core.interactiveshell import InteractiveShell

    from .answer import Answer as Answer
    from .config import settings as settings
    from .engine.client import ask as ask
    from .engine.client import list_models as list_models
    from .engine.client import stream as stream
    from .engine.client import stream_events as stream_events
    from .engine.embeddings import cosine as cosine
    from .engine.embeddings import embed as embed
    from .engine.exchange import last_exchange as last_exchange
    from .errors import *  # noqa: F403
    from .events import Finished as Finished
    from .events import ReasoningDelta as ReasoningDelta
    from .events import RetryWait as RetryWait
    from .events import TextDelta as TextDelta
    from .i18n import set_language as set_language
    from .providers import get_provider as get_provider
    from .providers import provider_names as provider_names
    from .providers import register_provider as register_provider
    from .stand_ins import classroom as classroom


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_magic' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext llm_magic``: register the magics (no network, nothing printed)."""
    from .magics.extension import load

    load(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    from .magics.extension import unload

    unload(ipython)
