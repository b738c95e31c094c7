"""The service through FastAPI's TestClient, on a model trained on the fixture."""

from __future__ import annotations

import json
import shutil
import time

import lightgbm as lgb
import numpy as np
import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURE_FEATURES
from fintra_ml import registry, service


@pytest.fixture(scope="module")
def client(trained_models):
    root, _ = trained_models
    with TestClient(service.create_app(root, threads=1)) as c:
        yield c


@pytest.fixture(scope="module")
def parity(trained_models):
    root, _ = trained_models
    return json.loads((root / "fixture-1" / "parity.json").read_text())


def test_scores_equal_lightgbm(client, parity):
    response = client.post("/v1/score", json={"features": parity["features"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "fixture-1"
    np.testing.assert_allclose(body["scores"], parity["lightgbm"], rtol=0, atol=1e-5)
    assert set(body["decisions"]) <= {"approve", "review", "decline"}


def test_rows_by_name_score_the_same(client, parity):
    rows = [dict(zip(FIXTURE_FEATURES, row, strict=True)) for row in parity["features"][:20]]
    rows = [dict(reversed(list(row.items()))) for row in rows]  # key order does not matter
    body = client.post("/v1/score", json={"model": "fixture-1", "features": rows}).json()
    np.testing.assert_allclose(body["scores"], parity["lightgbm"][:20], rtol=0, atol=1e-5)


def test_decisions_follow_thresholds(client, trained_models):
    root, _ = trained_models
    meta = json.loads((root / "fixture-1" / "meta.json").read_text())
    booster = lgb.Booster(model_file=str(root / "fixture-1" / "model.txt"))
    rows = np.random.default_rng(5).normal([3.5, 1, 0.2, 0.4, 12, 900], [2, 2, 0.4, 0.3, 6, 500], (500, 6))
    rows = rows.astype(np.float32).astype(np.float64)
    body = client.post("/v1/score", json={"features": rows.tolist()}).json()
    scores = np.asarray(body["scores"])
    np.testing.assert_allclose(scores, booster.predict(rows), atol=1e-5)
    for s, d in zip(scores, body["decisions"], strict=True):
        want = (
            "decline"
            if s >= meta["thresholds"]["decline"]
            else "review"
            if s >= meta["thresholds"]["review"]
            else "approve"
        )
        assert d == want


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"features": [[1, 2, 3]]}, 422, "row 0 has 3 values; model fixture-1 takes 6 features"),
        ({"features": [[0] * 6, [0] * 7]}, 422, "row 1 has 7 values"),
        ({"features": [{"amount_log": 1, "bogus": 2}]}, 422, "unknown features ['bogus']"),
        ({"features": [{"amount_log": 1}]}, 422, "missing features ['velocity_1h'"),
        ({"features": []}, 422, "features is empty"),
        ({"features": [["a"] * 6]}, 422, "valid number"),
        ({"rows": [[0] * 6]}, 422, "features"),
        ({"model": "nope", "features": [[0] * 6]}, 404, "model 'nope' is not loaded; available: ['fixture-1']"),
    ],
)
def test_bad_requests_name_the_problem(client, body, status, message):
    response = client.post("/v1/score", json=body)
    assert response.status_code == status, response.text
    assert message in response.text


def test_non_finite_values_are_refused(client):
    response = client.post(
        "/v1/score", content='{"features": [[NaN, 0, 0, 0, 0, 0]]}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "finite" in response.text


def test_models_and_health(client):
    listing = client.get("/v1/models").json()
    assert listing["default"] == "fixture-1"
    (model,) = listing["models"]
    assert model["version"] == "fixture-1"
    assert model["features"] == FIXTURE_FEATURES
    assert set(model["thresholds"]) == {"review", "decline"}
    assert "roc_auc" in model["metrics"]["held_out"]
    assert client.get("/healthz").json() == {"status": "ok", "default": "fixture-1", "models": 1, "embed": None}


def test_reload_picks_up_a_new_version(tmp_path, trained_models):
    root, _ = trained_models
    models = tmp_path / "guard"
    shutil.copytree(root, models)
    with TestClient(service.create_app(models, threads=1)) as c:
        shutil.copytree(models / "fixture-1", models / "fixture-2")
        meta = json.loads((models / "fixture-2" / "meta.json").read_text())
        (models / "fixture-2" / "meta.json").write_text(json.dumps(dict(meta, version="fixture-2")))
        listing = c.post("/v1/models/reload").json()
        assert [m["version"] for m in listing["models"]] == ["fixture-1", "fixture-2"]
        assert c.post("/v1/score", json={"model": "fixture-2", "features": [[0] * 6]}).json()["model"] == "fixture-2"
        (models / "CURRENT").write_text("gone\n")
        response = c.post("/v1/models/reload")
        assert response.status_code == 409 and "'gone'" in response.text
        assert c.get("/healthz").json()["models"] == 2


def test_broken_version_is_skipped(tmp_path, trained_models):
    root, _ = trained_models
    models = tmp_path / "guard"
    shutil.copytree(root, models)
    (models / "broken").mkdir()
    (models / "broken" / "meta.json").write_text("{}")
    loaded = registry.load(models, threads=1)
    assert sorted(loaded.models) == ["fixture-1"]


def test_missing_root_says_how_to_fix(tmp_path):
    with pytest.raises(registry.RegistryError, match="FINTRA_ML_MODELS"):
        registry.load(tmp_path / "nowhere")


def test_batch_throughput(trained_models):
    """Prints rows/s for a 10k-row batch through HTTP (JSON in and out,
    validation, ONNX Runtime) and for ONNX Runtime alone, on the committed
    default model (the fixture's when none is committed). Measured, not
    asserted: the machine is shared."""
    from test_export import COMMITTED, committed_versions

    root = COMMITTED if committed_versions() else trained_models[0]
    model = registry.load(root, threads=1).get(None)
    rng = np.random.default_rng(9)
    parity = np.asarray(json.loads((root / model.version / "parity.json").read_text())["features"])
    rows = parity[rng.integers(0, len(parity), 10_000)].tolist()
    with TestClient(service.create_app(root, threads=1)) as client:
        client.post("/v1/score", json={"features": rows[:100]})  # warm up
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            response = client.post("/v1/score", json={"features": rows})
            runs.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json()["scores"]) == 10_000
    matrix = np.asarray(rows, dtype=np.float32)
    start = time.perf_counter()
    model.score(matrix)
    onnx_only = time.perf_counter() - start
    print(
        f"\nservice batch throughput, model {model.version} ({len(model.features)} features, "
        f"{model.meta['metrics']['trees']} trees), 10000 rows: "
        f"{10_000 / min(runs):,.0f} rows/s through POST /v1/score (best of 3, {min(runs) * 1000:.0f} ms), "
        f"{10_000 / onnx_only:,.0f} rows/s ONNX Runtime alone (1 thread)"
    )


def test_committed_models_through_the_service():
    """The service over the committed model root scores every version's
    parity vectors as LightGBM does."""
    from test_export import COMMITTED, committed_versions

    versions = committed_versions()
    if not versions:
        pytest.skip(f"no committed model under {COMMITTED} yet")
    with TestClient(service.create_app(COMMITTED, threads=1)) as c:
        listing = c.get("/v1/models").json()
        assert sorted(m["version"] for m in listing["models"]) == [p.name for p in versions]
        for directory in versions:
            parity = json.loads((directory / "parity.json").read_text())
            body = c.post("/v1/score", json={"model": directory.name, "features": parity["features"]}).json()
            np.testing.assert_allclose(body["scores"], parity["lightgbm"], rtol=0, atol=1e-5)
