"""FakeProvider: a real HTTP server on 127.0.0.1 that answers like a chosen LLM provider."""

from __future__ import annotations

import enum
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

from .connection import Connection
from .embeddings import embeddings_body, texts_of
from .error_bodies import error_body
from .faults import play_fault
from .flavours import Flavour, get_flavour, wants_reasoning
from .httpd import LoopbackHTTPServer
from .legacy import as_chat, send_legacy
from .playback import Exchange, play_answer, resolve_error
from .rules import bearer_key, refuse_chat
from .script import Answer, ChatRequest, ErrorReply, Reply, default_answer
from .wire import json_bytes, model_entry, model_list

#: a fixed reply, or a function choosing one per request (the demo's way)
DefaultReply = Reply | Callable[[ChatRequest], Reply] | None


#: and GET /models/{id}; /completions is the older shape (``prompt`` → ``choices[0].text``), for teaching
_ENDPOINTS = {"/chat/completions": "POST", "/completions": "POST", "/models": "GET", "/embeddings": "POST"}
#: Hugging Face's embeddings route sits outside /v1, at the router's root
_FEATURE_EXTRACTION = re.compile(r"^/hf-inference/models/(?P<model>.+)/pipeline/feature-extraction/?$")


def play(exchange: Exchange, reply: Reply) -> None:
    """Send ``reply``: an answer, an error in the flavour's envelope, or a scripted fault."""
    payload = reply.payload
    if isinstance(payload, Answer):
        play_answer(exchange, payload)
    elif isinstance(payload, ErrorReply):
        exchange.send_error(resolve_error(exchange, payload))
    else:
        play_fault(exchange, payload)


class _Key(enum.Enum):
    FLAVOUR = "the flavour's test key"


#: ``FakeProvider(key=FLAVOUR_KEY)`` (the default) checks the flavour's own test key
FLAVOUR_KEY = _Key.FLAVOUR


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; ``received_at`` is ``time.monotonic()``."""

    method: str
    path: str
    headers: Mapping[str, str]
    #: the parsed JSON body, or the raw bytes when it was not JSON
    body: Any
    received_at: float


class FakeProvider:
    """A loopback provider in a daemon thread; use as a context manager or ``start()/stop()``.

    Requests its own checks reject (route, key, model, request rules) do not consume a queued
    reply; the others take the next queued reply, else ``default_reply``, else a deterministic
    echo of the prompt.
    """

    def __init__(
        self,
        flavour: str = "deepseek",
        *,
        key: str | _Key | None = FLAVOUR_KEY,
        models: Iterable[str] | None = None,
        default_reply: DefaultReply = None,
        port: int = 0,
        history: int | None = None,
        max_body: int = 32 << 20,
    ) -> None:
        self.flavour: Flavour = get_flavour(flavour)
        #: the key clients must send as ``Authorization: Bearer <key>``; None accepts anything
        self.key: str | None = self.flavour.test_key if isinstance(key, _Key) else key
        #: the accepted models; None accepts any model name
        self.models: tuple[str, ...] | None = tuple(models) if models is not None else None
        self.default_reply = default_reply
        self._port = port
        self._replies: deque[Reply] = deque()
        #: the last ``history`` requests are kept (all of them when None: tests read them back)
        self._requests: deque[RecordedRequest] = deque(maxlen=history)
        self._received = 0
        #: a larger Content-Length is refused (413) before any of the body is read
        self.max_body = max_body
        self._chat_count = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        """Listen on 127.0.0.1 (port 0: any free port) and serve from a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = LoopbackHTTPServer(self._port, self._handle)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"FakeProvider-{self.flavour.name}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: stalled handlers wake up, and open connections are cut."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeProvider is not running: call start() or use `with`")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What a client appends ``/chat/completions`` and ``/models`` to."""
        return f"http://127.0.0.1:{self.port}{self.flavour.base_path}"

    def url(self, path: str) -> str:
        """``base_url`` + ``path``, e.g. ``url("/chat/completions")``."""
        return self.base_url + path

    # -- scripting and recording ---------------------------------------------------------------
    def queue(self, *replies: Reply) -> FakeProvider:
        """Replies for the next chat requests, consumed in order."""
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"queue() takes Reply values, not {type(reply).__name__}")
        with self._lock:
            self._replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """How many queued replies have not been used yet."""
        with self._lock:
            return len(self._replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._received

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            self._received = 0

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"FakeProvider({self.flavour.name!r}, {where})"

    # -- request handling (runs in the handler's thread) ---------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:  # complex: one branch per route and refusal
        refusal = self._refuse_early(handler)
        if refusal is not None:
            handler.close_connection = True  # the body was not read: the connection cannot be reused
            Exchange(Connection(handler, self._stopping), self.flavour, ChatRequest({}, self.flavour.name),
                     None).send_error(error_body(self.flavour, refusal))
            return
        recorded = self._record(handler)
        route, path_model = self._route(handler.path)
        exchange = Exchange(Connection(handler, self._stopping), self.flavour,
                            ChatRequest({}, self.flavour.name), bearer_key(recorded.headers))
        size = int(recorded.headers.get("Content-Length") or 0)
        if route is None or not (route in _ENDPOINTS or route.startswith("/models/")):
            exchange.send_error(error_body(self.flavour, "not_found"))
        elif self.key is not None and exchange.key != self.key:
            exchange.send_error(error_body(self.flavour, "auth", key=exchange.key))
        elif recorded.method != _ENDPOINTS.get(route, "GET"):
            exchange.send_error(error_body(self.flavour, 405))
        elif self.flavour.max_body is not None and size > self.flavour.max_body:
            exchange.send_error(error_body(self.flavour, 413))
        elif route in ("/chat/completions", "/completions"):
            self._chat(exchange, recorded, legacy=route == "/completions")
        elif route == "/embeddings":
            self._embeddings(exchange, recorded, path_model)
        elif route == "/models":
            exchange.send_body(200, json_bytes(model_list(self.flavour, self._listed)))
        else:
            self._one_model(exchange, route[len("/models/"):])

    def _route(self, path: str) -> tuple[str | None, str | None]:
        """(route, model named in the path): Hugging Face's feature-extraction route maps to /embeddings."""
        if self.flavour.embeddings == "feature-extraction":
            match = _FEATURE_EXTRACTION.match(path.split("?", 1)[0])
            if match:
                return "/embeddings", match.group("model")
        route = self.flavour.route(path)
        if route == "/embeddings" and self.flavour.embeddings != "openai":
            return None, None  # DeepSeek has no embeddings; Hugging Face serves them elsewhere
        return route, None

    def _embeddings(self, exchange: Exchange, recorded: RecordedRequest, path_model: str | None) -> None:
        texts = texts_of(recorded.body, self.flavour)
        if not texts:
            detail = "input must be a non-empty string or list of strings."
            exchange.send_error(error_body(self.flavour, "bad_request", detail=detail))
            return
        limit = self.flavour.embedding_batch
        if limit is not None and len(texts) > limit:
            detail = f"batch size is invalid, it should not be larger than {limit}."
            exchange.send_error(error_body(self.flavour, "bad_request", detail=detail))
            return
        model = path_model or str(recorded.body.get("model") or "")
        exchange.send_body(200, json_bytes(embeddings_body(self.flavour, model, texts)))

    def _refuse_early(self, handler: BaseHTTPRequestHandler) -> int | str | None:
        """413 for a body larger than ``max_body`` and 400 for a bad length, before reading a byte of it;
        with a bounded history (the demo), 401 for a wrong key before reading the body too."""
        declared = handler.headers.get("Content-Length") or "0"
        if not declared.isdigit():
            return 400
        if int(declared) > self.max_body:
            return 413
        bounded = self._requests.maxlen is not None
        if bounded and self.key is not None and bearer_key(dict(handler.headers.items())) != self.key:
            with self._lock:
                self._received += 1
            return "auth"
        return None

    def _record(self, handler: BaseHTTPRequestHandler) -> RecordedRequest:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        recorded = RecordedRequest(handler.command, handler.path, dict(handler.headers.items()),
                                   body, time.monotonic())
        with self._lock:
            self._requests.append(recorded)
            self._received += 1
        return recorded

    @property
    def _listed(self) -> tuple[str, ...]:
        return self.models if self.models is not None else self.flavour.models

    def _one_model(self, exchange: Exchange, model: str) -> None:
        if model in self._listed:
            exchange.send_body(200, json_bytes(model_entry(self.flavour, model)))
        else:
            exchange.send_error(error_body(self.flavour, "model_not_found", model=model))

    def _chat(self, exchange: Exchange, recorded: RecordedRequest, *, legacy: bool = False) -> None:
        if not isinstance(recorded.body, dict):
            detail = "The request body is not a valid JSON object."
            exchange.send_error(error_body(self.flavour, "bad_request", detail=detail))
            return
        request = (as_chat(recorded.body, self.flavour.name) if legacy else
                   ChatRequest(recorded.body, self.flavour.name, wants_reasoning(self.flavour, recorded.body)))
        if request is None:
            detail = "'prompt' is required: the text for the model to continue."
            exchange.send_error(error_body(self.flavour, "bad_request", detail=detail))
            return
        exchange.request = request
        rejection = refuse_chat(self.flavour, self.models, request)
        if rejection is not None:
            exchange.send_error(rejection)
            return
        with self._lock:
            self._chat_count += 1
            exchange.request = replace(request, number=self._chat_count)
            reply = self._replies.popleft() if self._replies else None
        reply = reply or self._default(exchange.request)
        if legacy and isinstance(reply.payload, Answer):
            send_legacy(exchange, reply.payload, recorded.body.get("max_tokens"))
        else:
            play(exchange, reply)

    def _default(self, request: ChatRequest) -> Reply:
        if callable(self.default_reply):
            return self.default_reply(request)
        if self.default_reply is not None:
            return self.default_reply
        reasoning = f"Thinking about: {request.prompt}" if request.reasoning else None
        return Reply.answer(default_answer(request), reasoning=reasoning)
