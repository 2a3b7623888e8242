"""What a school gateway says about a virtual key's budget (LiteLLM's ``GET /key/info``)."""

from __future__ import annotations

import json
import time

from ..config import settings
from ..errors import LLMError
from ..providers import Provider
from ..providers.gateway import Gateway, KeyBudget
from ..secrets import Secret
from ..wire import transport
from .request import resolve_endpoint

#: a key's row is a few kilobytes; past this the reply is not one
_INFO_LIMIT = 256 * 1024
#: the budget is a courtesy after the key checked out: a gateway that hangs on it must not hold --check for minutes
_INFO_TIMEOUT = 30.0


def key_budget(provider: str | Provider, *, key: str | Secret | None = None, base_url: str | None = None,
               timeout: float | None = None) -> KeyBudget | None:
    """The budget the gateway reports for the key in use, or None when it reports none.

    Only the gateway provider asks (same host and key as its chat calls; the key goes in the
    Authorization header, never in the URL). Any failure means "not reported": the key itself
    was already checked with ``GET /models``.
    """
    adapter, base, secret = resolve_endpoint(provider, key=key, base_url=base_url)
    if not isinstance(adapter, Gateway):
        return None
    timeout = min(settings.timeout, _INFO_TIMEOUT) if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        response = transport.get(transport.session_for(adapter.name), adapter.key_info_url(base),
                                 provider=adapter.name, key=secret, connect_timeout=settings.connect_timeout,
                                 read_timeout=min(settings.read_timeout, timeout), deadline=deadline,
                                 timeout=timeout)
        try:
            if response.status_code != 200:
                return None
            body = b"".join(transport.read_chunks(response, provider=adapter.name, deadline=deadline,
                                                  timeout=timeout, limit=_INFO_LIMIT))
        finally:
            response.close()
        return adapter.key_budget(json.loads(body.decode("utf-8", errors="replace")))
    except (LLMError, ValueError, RecursionError):
        return None
