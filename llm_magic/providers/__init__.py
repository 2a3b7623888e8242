"""The provider registry: built-in adapters, aliases, and endpoints users register themselves."""

from __future__ import annotations

import difflib

from ..errors import UnknownProviderError
from ..i18n import Text
from .bailian import Bailian
from .base import Provider
from .chatanywhere import ChatAnywhere
from .deepseek import DeepSeek
from .demo import Demo
from .facts import DefaultModel
from .gateway import Gateway
from .huggingface import HuggingFace
from .ollama import Ollama
from .openai import OpenAI

__all__ = ["Provider", "add_provider", "get_provider", "provider_names", "register_provider", "unregister_provider"]

#: the registry of built-in adapters: a new provider is one module in this folder and one entry here
_BUILTIN = (DeepSeek, Bailian, ChatAnywhere, HuggingFace, OpenAI, Ollama, Demo, Gateway)
_providers: dict[str, Provider] = {}
_aliases: dict[str, str] = {}


def add_provider(provider: Provider) -> Provider:
    """Register an adapter instance (a subclass of :class:`Provider` from any module) under its name."""
    if not provider.name or provider.name != provider.name.strip().lower():
        raise ValueError(f"a provider needs a lower-case name, not {provider.name!r}")
    unregister_provider(provider.name)
    _providers[provider.name] = provider
    for alias in provider.aliases:
        _aliases[alias] = provider.name
    return provider


def _add_builtin() -> None:
    for cls in _BUILTIN:
        add_provider(cls())


def provider_names(*, aliases: bool = False) -> list[str]:
    """Registered provider names (and their aliases when asked)."""
    names = list(_providers)
    return names + list(_aliases) if aliases else names


def get_provider(name: str) -> Provider:
    """The provider called ``name`` or one of its aliases; a typo names the closest match."""
    wanted = (name or "").strip().lower()
    wanted = _aliases.get(wanted, wanted)
    if wanted in _providers:
        return _providers[wanted]
    known = provider_names(aliases=True)
    close = difflib.get_close_matches(wanted, known, n=1, cutoff=0.5)
    listing = ", ".join(provider_names())
    message = Text(f"There is no provider called {name!r}.", f"没有名为 {name!r} 的服务商。")
    if close:
        hint = Text(f"Did you mean {close[0]!r}? Known providers: {listing}.",
                    f"是不是想用 {close[0]!r}？可用的服务商：{listing}。")
    else:
        hint = Text(f"Known providers: {listing}. Add another with llm_magic.register_provider().",
                    f"可用的服务商：{listing}。其他兼容 OpenAI 的服务可用 llm_magic.register_provider() 添加。")
    raise UnknownProviderError(message, hint=hint)


def register_provider(
    name: str,
    base_url: str,
    *,
    key_var: str | tuple[str, ...] | None = None,
    default_model: str | None = None,
    aliases: tuple[str, ...] = (),
    display_name: str | None = None,
    key_url: str | None = None,
) -> Provider:
    """Add any OpenAI-compatible endpoint (Moonshot, Zhipu, vLLM, a school's gateway) by name.

    ``base_url`` is what ``/chat/completions`` and ``/models`` are appended to. Without
    ``key_var`` the endpoint is called without a key.
    """
    name = name.strip().lower()
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"a provider name is letters, digits, '-' and '_', not {name!r}")
    key_vars = (key_var,) if isinstance(key_var, str) else tuple(key_var or ())
    provider = Provider(
        name=name,
        display_name=display_name or name,
        aliases=tuple(alias.lower() for alias in aliases),
        key_vars=key_vars,
        needs_key=bool(key_vars),
        default_base_url=base_url.rstrip("/"),
        base_url_var=f"{name.upper().replace('-', '_')}_BASE_URL",
        key_url=key_url,
        default=DefaultModel(default_model) if default_model else None,
    )
    return add_provider(provider)


def unregister_provider(name: str) -> None:
    """Remove a provider registered with :func:`register_provider` or :func:`add_provider` (built-ins stay)."""
    provider = _providers.get(name)
    if provider is None:
        return
    if type(provider) in _BUILTIN:
        raise ValueError(f"{name!r} is built in and cannot be removed")
    del _providers[name]
    for alias in provider.aliases:
        _aliases.pop(alias, None)


_add_builtin()
