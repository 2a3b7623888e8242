"""A chat request as it travels, minus its key: what ``--show-code`` writes out as code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..providers import Provider


@dataclass(frozen=True)
class WireRequest:
    """A chat request as it travels, minus the key: method, URL, headers, JSON body."""

    url: str
    body: dict[str, Any] = field(repr=False)
    stream: bool
    #: the variable printed code reads the key from; None when the provider needs no key
    key_var: str | None
    provider: str = ""
    method: str = "POST"

    @property
    def headers(self) -> dict[str, str]:
        """The headers that matter, with the key shown as the variable that holds it."""
        headers = {"Content-Type": "application/json"}
        if self.stream:
            headers["Accept"] = "text/event-stream"
        if self.key_var:
            headers["Authorization"] = f"Bearer ${self.key_var}"
        return headers


def key_variable(provider: Provider, has_key: bool) -> str | None:
    """The provider's first key variable (or a made-up ``NAME_API_KEY``) when a key is sent."""
    if not has_key and not provider.needs_key:
        return None
    if provider.key_vars:
        return provider.key_vars[0]
    return f"{provider.name.upper().replace('-', '_')}_API_KEY"


def request_of(provider: Provider, url: str, payload: dict[str, Any], *, stream: bool,
               has_key: bool, key_var: str | None = None) -> WireRequest:
    """The request a call sends to ``url`` (``…/chat/completions``), without its key.

    ``key_var`` names the variable the key really came from, when it did come from one.
    """
    variable = key_variable(provider, has_key)
    return WireRequest(url, payload, stream, key_var or variable if variable else None, provider.name)
