"""Embeddings: texts in, vectors out, over each provider's own endpoint, in batches it accepts.

``embed("bailian", ["我喜欢猫", "我很喜欢猫"])`` returns plain lists of floats (numpy is not
needed; ``cosine`` accepts numpy arrays too). Lists longer than the provider's batch limit go in
several requests, in order; every request's usage is recorded in the session's ledger.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..answer import Answer
from ..config import settings
from ..errors import ConfigurationError, ResponseFormatError
from ..i18n import Text
from ..providers import Provider, get_provider
from ..secrets import Secret
from ..wire import transport
from . import usage
from .assemble import normalise_usage
from .errormap import Context, error_for_status
from .request import resolve_endpoint
from .target import split_spec
from .validate import NOTHING_SENT, bad_option

__all__ = ["cosine", "embed", "embedding_model", "similarities"]


def embedding_model(adapter: Provider, model: str | None = None) -> str:
    """The model asked for, else the course's (``settings.embedding_models``), else the declared default."""
    if adapter.embeddings is None:
        raise ConfigurationError(
            Text(f"{adapter.display_name} has no embeddings endpoint.",
                 f"{adapter.display_name} 没有 embeddings 接口。"),
            hint=Text("Use bailian (text-embedding-v4), chatanywhere or openai (text-embedding-3-small), "
                      "huggingface, ollama, or demo offline.",
                      "请改用 bailian（text-embedding-v4）、chatanywhere 或 openai（text-embedding-3-small）、"
                      "huggingface、ollama，离线时可用 demo。") + NOTHING_SENT,
            provider=adapter.name)
    chosen = (model or settings.embedding_models.get(adapter.name) or adapter.embeddings.default.name).strip()
    if not chosen or any(ch.isspace() for ch in chosen):
        raise bad_option(f"{chosen!r} is not a model name.", f"{chosen!r} 不是有效的模型名。", adapter.name)
    return chosen


def _texts(texts: str | Iterable[str]) -> list[str]:
    listed = [texts] if isinstance(texts, str) else list(texts)
    if not listed:
        raise bad_option("There is no text to embed.", "没有要计算向量的文本。")
    for text in listed:
        if not isinstance(text, str) or not text.strip():
            raise bad_option(f"Each text must be a non-empty string, not {text!r}.",
                             f"每条文本都必须是非空字符串，而不是 {text!r}。")
    return [str(text) for text in listed]


def _vectors(adapter: Provider, body: bytes, count: int) -> tuple[list[list[float]], dict[str, Any] | None]:
    try:
        data = json.loads(body.decode("utf-8", errors="replace").strip())
    except (ValueError, RecursionError):
        data = None
    vectors, raw_usage = adapter.vectors_of(data)
    if len(vectors) != count or not all(isinstance(v, list) and v and all(
            isinstance(x, (int, float)) for x in v) for v in vectors):
        raise ResponseFormatError(
            Text(f"{adapter.display_name} did not return {count} embedding vectors.",
                 f"{adapter.display_name} 没有返回 {count} 个向量。"),
            hint=Text("Check the model: it must be a sentence-embedding model (one vector per text).",
                      "请检查模型：应当是句向量模型（每条文本一个向量）。"),
            provider=adapter.name)
    return [[float(x) for x in vector] for vector in vectors], normalise_usage(raw_usage) if raw_usage else None


def _one_batch(adapter: Provider, url: str, key: Secret | None, model: str, texts: list[str],
               timeout: float) -> list[list[float]]:
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    response = transport.post(transport.session_for(adapter.name), url, adapter.embeddings_payload(model, texts),
                              provider=adapter.name, key=key, stream=False,
                              connect_timeout=min(settings.connect_timeout, timeout),
                              read_timeout=min(settings.read_timeout, timeout))
    try:
        body = b"".join(transport.read_chunks(response, provider=adapter.name, deadline=deadline, timeout=timeout))
    finally:
        response.close()
    if response.status_code >= 400:
        raise error_for_status(response.status_code, body, Context(adapter, model, url, key), response.headers)
    vectors, used = _vectors(adapter, body, len(texts))
    usage.ledger.record(Answer("", usage=used, model=model, provider=adapter.name,
                               elapsed=time.monotonic() - started))
    return vectors


def embed(provider: str | Provider, texts: str | Iterable[str], *, model: str | None = None,
          key: str | Secret | None = None,
          base_url: str | None = None, timeout: float | None = None) -> list[list[float]]:
    """One vector per text, in order; ``provider`` may be ``"name:model"``."""
    if isinstance(provider, str):
        name, in_spec = split_spec(provider)
        model = model or in_spec
        provider = get_provider(name)
    chosen = embedding_model(provider, model)  # DeepSeek is told it has none before any key is asked for
    listed = _texts(texts)
    adapter, base, found_key = resolve_endpoint(provider, key=key, base_url=base_url)
    del key  # only the Secret stays in this frame
    assert adapter.embeddings is not None  # embedding_model refused it otherwise
    usage.ledger.check_budget()
    limit = max(1, adapter.embeddings.batch_limit)
    url = adapter.embeddings_url(base, chosen)
    wait = settings.timeout if timeout is None else timeout
    vectors: list[list[float]] = []
    for start in range(0, len(listed), limit):
        vectors.extend(_one_batch(adapter, url, found_key, chosen, listed[start:start + limit], wait))
    return vectors


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (lists, tuples or numpy arrays): 1 same direction, 0 unrelated."""
    dot = sum(float(x) * float(y) for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(float(x) ** 2 for x in a)) * math.sqrt(sum(float(y) ** 2 for y in b))
    return dot / norms if norms else 0.0


def similarities(vectors: Sequence[Sequence[float]]) -> list[list[float]]:
    """The table of cosine similarities between every pair of vectors."""
    return [[cosine(a, b) for b in vectors] for a in vectors]
