"""Embeddings over each provider's own endpoint: the request shape, batches split at the provider's
limit, usage recorded, and DeepSeek told it has none before anything is sent."""

from __future__ import annotations

import pytest

import llm_magic
from llm_magic.config import settings
from llm_magic.engine import usage
from llm_magic.engine.embeddings import cosine, similarities
from llm_magic.errors import AuthenticationError, ConfigurationError
from llm_magic.loopback.embeddings import hashed_vector


def _embedding_requests(server):
    return [r for r in server.requests if r.path.endswith(("/embeddings", "/feature-extraction"))]


def test_bailian_batches_of_ten_in_order(fake_provider):
    server = fake_provider("bailian")
    texts = [f"句子 {n}" for n in range(23)]
    vectors = llm_magic.embed("bailian", texts)
    sent = _embedding_requests(server)
    assert [len(r.body["input"]) for r in sent] == [10, 10, 3]
    assert [r.path for r in sent] == ["/compatible-mode/v1/embeddings"] * 3
    assert all(r.body["model"] == "text-embedding-v4" for r in sent)
    assert vectors == [hashed_vector(text) for text in texts]  # the order survives the split


def test_the_loopback_refuses_a_batch_over_the_limit_like_bailian(fake_provider):
    """Why the split matters: eleven texts in one request are a 400."""
    import requests

    server = fake_provider("bailian")
    reply = requests.post(server.url("/embeddings"), json={"model": "text-embedding-v4", "input": ["x"] * 11},
                          headers={"Authorization": f"Bearer {server.key}"}, timeout=10)
    assert reply.status_code == 400 and "larger than 10" in reply.text


def test_openai_shape_and_usage_in_the_ledger(fake_provider):
    server = fake_provider("openai")
    llm_magic.embed("openai", ["I like cats", "I really like cats"])
    assert server.last_request.body == {"model": "text-embedding-3-small",
                                        "input": ["I like cats", "I really like cats"]}
    rows = [row for row in usage.ledger.summary() if row.provider == "openai"]
    assert rows and rows[0].model == "text-embedding-3-small" and rows[0].prompt_tokens > 0


def test_hugging_face_uses_the_hf_inference_feature_extraction_route(fake_provider):
    server = fake_provider("huggingface")
    vectors = llm_magic.embed("huggingface:BAAI/bge-small-en-v1.5", ["hello", "world"])
    request = server.last_request
    assert request.path == "/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction"
    assert request.body == {"inputs": ["hello", "world"]}
    assert request.headers["Authorization"] == f"Bearer {server.key}"
    assert len(vectors) == 2 and len(vectors[0]) == len(hashed_vector("hello"))


def test_deepseek_has_no_embeddings_and_nothing_is_sent(fake_provider):
    server = fake_provider("deepseek")
    with pytest.raises(ConfigurationError, match="no embeddings endpoint") as caught:
        llm_magic.embed("deepseek", ["x"])
    assert "bailian" in caught.value.hint
    assert server.request_count == 0


def test_the_loopback_deepseek_has_no_embeddings_route(fake_provider):
    import requests

    server = fake_provider("deepseek")
    reply = requests.post(server.url("/embeddings"), json={"model": "x", "input": ["x"]}, timeout=10,
                          headers={"Authorization": f"Bearer {server.key}"})
    assert reply.status_code == 404


def test_a_course_chooses_the_model_and_a_rejected_key_is_explained(fake_provider, monkeypatch):
    server = fake_provider("chatanywhere")
    settings.embedding_models["chatanywhere"] = "text-embedding-3-large"
    llm_magic.embed("chatanywhere", "one text")
    assert server.last_request.body == {"model": "text-embedding-3-large", "input": ["one text"]}
    monkeypatch.setenv("CHATANYWHERE_API_KEY", "sk-wrong0key0000000000000000000000000000000000")
    with pytest.raises(AuthenticationError):
        llm_magic.embed("chatanywhere", "one text")


@pytest.mark.parametrize("bad", [[], [""], ["ok", "  "], [3]])
def test_empty_texts_are_refused(bad):
    with pytest.raises(ConfigurationError):
        llm_magic.embed("demo", bad)


def test_similar_sentences_are_close_in_the_demo():
    vectors = llm_magic.embed("demo", ["我喜欢猫", "我很喜欢猫", "今天股市下跌了"])
    table = similarities(vectors)
    assert table[0][1] > 0.6 > table[0][2] and table[0][1] > table[1][2]
    assert vectors == llm_magic.embed("demo", ["我喜欢猫", "我很喜欢猫", "今天股市下跌了"])  # deterministic


def test_cosine_takes_numpy_arrays_too():
    np = pytest.importorskip("numpy")
    assert cosine(np.array([1.0, 0.0]), [1.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 2.0]) == pytest.approx(0.0)
    assert llm_magic.cosine([1, 1], [2, 2]) == pytest.approx(1.0)
