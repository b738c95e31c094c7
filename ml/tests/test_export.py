"""ONNX export parity with LightGBM, on the fixture model and on every
committed version under ml/models/guard."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from fintra_ml import export

COMMITTED = Path(__file__).resolve().parents[1] / "models" / "guard"


def committed_versions() -> list[Path]:
    if not COMMITTED.is_dir():
        return []
    return sorted(p for p in COMMITTED.iterdir() if p.is_dir() and not p.name.startswith("."))


def check_version_dir(directory: Path) -> None:
    meta = json.loads((directory / "meta.json").read_text())
    parity = json.loads((directory / "parity.json").read_text())
    booster = lgb.Booster(model_file=str(directory / "model.txt"))
    session = export.onnx_session((directory / "model.onnx").read_bytes())
    vectors = np.asarray(parity["features"], dtype=np.float64)

    assert meta["version"] == directory.name
    assert booster.feature_name() == meta["features"]
    assert vectors.shape[1] == len(meta["features"]) and 150 <= len(vectors) <= 250
    # The vectors are float32-exact, so every runtime sees the same numbers.
    assert np.array_equal(vectors, vectors.astype(np.float32).astype(np.float64))

    lightgbm_now = booster.predict(vectors)
    onnx_now = export.onnx_fraud_probability(session, vectors)
    # The recorded numbers are what this model computes today...
    np.testing.assert_allclose(lightgbm_now, parity["lightgbm"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(onnx_now, parity["onnx"], rtol=0, atol=1e-6)
    # ...and ONNX agrees with LightGBM.
    assert np.max(np.abs(onnx_now - lightgbm_now)) <= export.PARITY_TOLERANCE
    # Parity means something only if the vectors reach different leaves.
    assert np.ptp(lightgbm_now) > 0.05
    assert (directory / "model.txt").stat().st_size + (directory / "model.onnx").stat().st_size < 1_000_000


def test_fixture_export_parity(trained_models):
    root, _ = trained_models
    check_version_dir(root / "fixture-1")


@pytest.mark.parametrize("directory", committed_versions(), ids=lambda p: p.name)
def test_committed_export_parity(directory):
    check_version_dir(directory)


def test_committed_current_names_a_version():
    versions = committed_versions()
    if not versions:
        pytest.skip(f"no committed model under {COMMITTED} yet: `ml/run.sh train` writes them")
    current = (COMMITTED / export.CURRENT_FILE).read_text().strip()
    assert current in [p.name for p in versions]


def test_parity_vectors_cover_edges():
    rng = np.random.default_rng(3)
    features = rng.normal(size=(500, 4)) * [1, 10, 100, 1000]
    vectors = export.parity_vectors(features)
    assert len(vectors) == export.PARITY_ROWS
    assert np.isfinite(vectors).all()
    assert (vectors == 0).all(axis=1).any()
    assert np.allclose(
        vectors.max(axis=0), features.max(axis=0) + 10 * (features.max(axis=0) - features.min(axis=0)), rtol=1e-6
    )


def test_set_current_refuses_a_missing_version(tmp_path):
    with pytest.raises(export.ExportError, match="holds no exported model"):
        export.set_current(tmp_path, "nope")
