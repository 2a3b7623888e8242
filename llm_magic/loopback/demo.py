"""The offline ``demo`` provider: a process-wide loopback server, so students without a key
still see a real streamed answer, and teaching notebooks can act out each kind of failure."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .demo_answers import answer_for, is_chinese, reasoning_for
from .demo_media import OFF_SCHEMA_MODEL, describe_images, json_answer
from .script import ChatRequest, Reply

if TYPE_CHECKING:
    from .server import FakeProvider

DEMO_MODELS = ("demo-chat", "demo-reasoner", OFF_SCHEMA_MODEL)
DELAY_ENV = "LLM_MAGIC_DEMO_DELAY"
#: seconds per token: about 40 tokens per second, a pleasant reading pace
DEFAULT_DELAY = 0.025

#: model names that act out a failure, in DeepSeek's envelopes (the demo speaks DeepSeek)
DEMO_ERROR_MODELS: Mapping[str, Callable[[str], Reply]] = {
    "error-401": lambda _: Reply.error("auth"),
    "error-402": lambda _: Reply.error("balance"),
    "error-403": lambda _: Reply.error("forbidden"),
    "error-429": lambda _: Reply.error("rate_limit", headers={"Retry-After": "1"}),
    "error-500": lambda _: Reply.error("server"),
    "error-503": lambda _: Reply.error("unavailable"),
    "content-filter": lambda _: Reply.error("content_filter"),
    # longer than any sane timeout, yet stop() or the client hanging up ends it at once
    "timeout": lambda _: Reply.fault("stall_before_first_byte", seconds=24 * 3600),
    "cut": lambda text: Reply.fault("close_mid_event", text=text, after=12,
                                    delay=token_delay()),
}

_lock = threading.Lock()
_server: FakeProvider | None = None


def token_delay() -> float:
    """Seconds per streamed token, from ``LLM_MAGIC_DEMO_DELAY`` (0 for fast tests)."""
    try:
        return max(0.0, float(os.environ.get(DELAY_ENV, DEFAULT_DELAY)))
    except ValueError:
        return DEFAULT_DELAY


def demo_reply(request: ChatRequest) -> Reply:
    """The demo's reply to one request: an answer, or the failure its model name asks for."""
    prompt = request.prompt
    text = _text_for(request)
    acted = DEMO_ERROR_MODELS.get(request.model)
    if acted is not None:
        return acted(text)
    delay = token_delay()
    return Reply.answer(
        text,
        reasoning=reasoning_for(prompt) if request.model == "demo-reasoner" else None,
        chunk_size_words=2 if is_chinese(prompt) else 1,
        first_delay=min(0.4, delay * 12),
        delay=delay,
    )


def _text_for(request: ChatRequest) -> str:
    """JSON when JSON was asked for, a description of the images when there are any, else an answer."""
    urls = request.image_urls
    if request.response_format is not None and request.response_format.get("type") != "text":
        return json_answer(request.response_format, request.prompt, urls, request.model)
    if urls:
        return describe_images(urls, is_chinese(request.prompt))
    return answer_for(request.prompt)


#: requests the demo keeps (a flood of bodies must not grow the kernel); its largest body
DEMO_HISTORY, DEMO_MAX_BODY = 32, 8 << 20


def make_demo_server(port: int = 0, token: str | None = None) -> FakeProvider:
    """A demo server, not yet started: the demo's models and answers, a random token as its key.

    On a shared machine (a school JupyterHub) any local user can reach a 127.0.0.1 port; the
    token (new for each kernel, sent by the demo provider) keeps them out, and the server keeps
    only the last few requests and refuses a huge body before reading it.
    """
    from .server import FakeProvider

    return FakeProvider("demo", key=token or secrets.token_urlsafe(24), models=(*DEMO_MODELS, *DEMO_ERROR_MODELS),
                        default_reply=demo_reply, port=port, history=DEMO_HISTORY, max_body=DEMO_MAX_BODY)


#: the variable that holds the running demo server's token, so that code printed by --show-code
#: (and a ``!curl`` in the notebook, which inherits the kernel's environment) can call it too
DEMO_TOKEN_VARIABLE = "LLM_MAGIC_DEMO_TOKEN"


def _running() -> FakeProvider:
    global _server
    with _lock:
        if _server is None or not _server.running:
            _server = make_demo_server().start()
            assert _server.key is not None  # make_demo_server always sets one
            os.environ[DEMO_TOKEN_VARIABLE] = _server.key  # this kernel's processes only; gone with it
        return _server


def ensure_demo_server() -> str:
    """Start the process-wide demo server on first use and return its base URL."""
    return _running().base_url


def demo_token() -> str:
    """The running demo server's token (starting it if needed): the demo provider's key."""
    token = _running().key
    assert token is not None  # make_demo_server always sets one
    return token
