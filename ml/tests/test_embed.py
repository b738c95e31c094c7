"""/v1/embed: all-MiniLM-L6-v2 on ONNX Runtime, checked against the
similarity matrix sentence-transformers publishes for the model."""

from __future__ import annotations

import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fintra_ml import embed, service

# sentence-transformers' README quick start, model all-MiniLM-L6-v2:
# model.similarity(embeddings, embeddings) for these three sentences.
REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
REFERENCE_SIMILARITY = [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]


@pytest.fixture(scope="module")
def embedder():
    return embed.Embedder(threads=1)


@pytest.fixture(scope="module")
def client(trained_models, embedder):
    root, _ = trained_models
    with TestClient(service.create_app(root, threads=1, embedder=embedder)) as c:
        yield c


def test_reproduces_the_published_similarity_matrix(embedder):
    vectors = embedder.embed(REFERENCE_SENTENCES)
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(vectors @ vectors.T, REFERENCE_SIMILARITY, atol=1e-4)


def test_padding_does_not_change_a_vector(embedder):
    # A short text batched with a long one is padded; the mask must hide the padding.
    alone = embedder.embed(["UBER TRIP"])
    batched = embedder.embed(["UBER TRIP", "AMAZON MARKETPLACE SEATTLE WA PAYMENT 1234 REF 99812 ORDER 55"])
    np.testing.assert_allclose(alone[0], batched[0], atol=1e-5)


def test_descriptors_land_near_their_merchant(embedder):
    merchants = ["Starbucks coffee", "Shell gas station", "Amazon online shopping", "Uber ride"]
    descriptors = [
        "STARBUCKS STORE #1234 SEATTLE WA",
        "SHELL OIL 57442 HOUSTON TX",
        "AMAZON.COM*2K4L AMZN.COM/BILL",
        "UBER *TRIP HELP.UBER.COM",
    ]
    similarity = embedder.embed(descriptors) @ embedder.embed(merchants).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3]


def test_endpoint(client, embedder):
    body = client.post("/v1/embed", json={"texts": REFERENCE_SENTENCES}).json()
    assert body["model"] == "all-MiniLM-L6-v2" and body["dimensions"] == 384
    vectors = np.asarray(body["embeddings"])
    np.testing.assert_allclose(vectors, embedder.embed(REFERENCE_SENTENCES), atol=1e-6)
    assert client.get("/healthz").json()["embed"] == "all-MiniLM-L6-v2"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"texts": []}, "texts is empty"),
        ({"texts": ["ok", "  "]}, "text 1 is empty or blank"),
        ({"texts": ["x" * 2001]}, "text 0 has 2001 characters"),
        ({"texts": ["a"] * 1025}, "texts has 1025 entries"),
        ({"texts": [1]}, "valid string"),
    ],
)
def test_bad_requests(client, body, message):
    response = client.post("/v1/embed", json=body)
    assert response.status_code == 422 and message in response.text, response.text


def test_unloaded_embedder_answers_503(trained_models):
    root, _ = trained_models
    with TestClient(service.create_app(root, threads=1)) as c:
        response = c.post("/v1/embed", json={"texts": ["x"]})
        assert response.status_code == 503 and "FINTRA_ML_EMBED=1" in response.text


def test_embed_throughput(client):
    """Prints descriptors/s for a batch of 256 through HTTP (1 ONNX thread). Not asserted."""
    texts = [f"SQ *BLUE BOTTLE COFFEE {i} OAKLAND CA" for i in range(256)]
    client.post("/v1/embed", json={"texts": texts[:8]})
    start = time.perf_counter()
    assert client.post("/v1/embed", json={"texts": texts}).status_code == 200
    elapsed = time.perf_counter() - start
    print(f"\nembed throughput: {256 / elapsed:,.0f} descriptors/s through POST /v1/embed (batch 256, 1 thread)")
