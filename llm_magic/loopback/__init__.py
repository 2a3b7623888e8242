"""A fake LLM provider on 127.0.0.1 for tests, benchmarks and the offline ``demo`` provider.

Importing this package starts nothing and imports no HTTP machinery; the names below load
on first use.  Typical test::

    with FakeProvider("deepseek") as fake:
        fake.queue(Reply.answer("你好", delay=0.05), Reply.error("rate_limit"))
        requests.post(fake.url("/chat/completions"), json={..., "stream": True},
                      headers={"Authorization": f"Bearer {fake.key}"})
        assert fake.requests[0].body["stream"] is True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .demo import DEMO_MODELS, ensure_demo_server
    from .error_bodies import ERROR_KINDS, ErrorResponse, error_body
    from .flavours import FLAVOURS
    from .script import FAULTS, ChatRequest, Reply
    from .server import FLAVOUR_KEY, FakeProvider, RecordedRequest

_EXPORTS = {
    "FakeProvider": "server", "RecordedRequest": "server", "FLAVOUR_KEY": "server",
    "Reply": "script", "ChatRequest": "script", "FAULTS": "script",
    "error_body": "error_bodies", "ErrorResponse": "error_bodies", "ERROR_KINDS": "error_bodies",
    "FLAVOURS": "flavours", "ensure_demo_server": "demo", "DEMO_MODELS": "demo",
}
__all__ = [
    "DEMO_MODELS", "ERROR_KINDS", "FAULTS", "FLAVOURS", "FLAVOUR_KEY", "ChatRequest",
    "ErrorResponse", "FakeProvider", "RecordedRequest", "Reply", "ensure_demo_server",
    "error_body",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
