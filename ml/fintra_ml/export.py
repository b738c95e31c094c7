"""Exporting a trained booster: the LightGBM text model (read by the Go
scorer), the ONNX model (read by the service), and the parity vectors both
sides are checked against.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnx
import onnxruntime as ort
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType

# The ONNX input and output names the service relies on.
ONNX_INPUT = "features"
ONNX_PROBABILITIES = "probabilities"
# Opset 15 for the default domain: old enough for every onnxruntime of the
# last years (and the Go onnxruntime bindings), new enough for the converter.
ONNX_TARGET_OPSET = 15
PARITY_TOLERANCE = 1e-5
PARITY_ROWS = 200

CURRENT_FILE = "CURRENT"


class ExportError(RuntimeError):
    """An export whose result does not match the booster it came from."""


def to_onnx(booster: lgb.Booster) -> onnx.ModelProto:
    """Converts the booster into a model with one float32 input `features`
    [N, F] and a plain probability tensor `probabilities` [N, 2] (zipmap off,
    so no list of dicts per row)."""
    n_features = booster.num_feature()
    model = convert_lightgbm(
        booster,
        name="fintra-guard",
        initial_types=[(ONNX_INPUT, FloatTensorType([None, n_features]))],
        zipmap=False,
        target_opset=ONNX_TARGET_OPSET,
    )
    outputs = [o.name for o in model.graph.output]
    if ONNX_PROBABILITIES not in outputs:
        raise ExportError(f"converted model has outputs {outputs}, want {ONNX_PROBABILITIES!r}")
    onnx.checker.check_model(model)
    return model


def onnx_session(model_bytes: bytes, threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])


def onnx_fraud_probability(session: ort.InferenceSession, features: np.ndarray) -> np.ndarray:
    (probabilities,) = session.run([ONNX_PROBABILITIES], {ONNX_INPUT: np.asarray(features, dtype=np.float32)})
    return probabilities[:, 1].astype(np.float64)


def parity_vectors(features: np.ndarray, seed: int = 7, rows: int = PARITY_ROWS) -> np.ndarray:
    """About `rows` vectors: every feature at zero, at its observed minimum and
    maximum (all at once, and one at a time on top of the median row), far
    outside the observed range (finite), and the rest sampled from real rows.

    Values are rounded to float32 first: ONNX Runtime scores float32, LightGBM
    and the Go scorer float64, and a value that is not exactly representable
    in float32 could land on the other side of a split. With float32-exact
    inputs all three see the same number.
    """
    low, high = features.min(axis=0), features.max(axis=0)
    median = np.median(features, axis=0)
    span = np.maximum(high - low, 1.0)
    edges = [np.zeros_like(median), low, high, median, low - 10 * span, high + 10 * span]
    for column in range(features.shape[1]):
        for value in (low[column], high[column], 0.0):
            row = median.copy()
            row[column] = value
            edges.append(row)
    edges = np.vstack(edges)
    sample_count = max(rows - len(edges), 0)
    rng = np.random.default_rng(seed)
    sample = features[rng.choice(len(features), size=min(sample_count, len(features)), replace=False)]
    return np.vstack([edges, sample]).astype(np.float32).astype(np.float64)


def check_parity(booster: lgb.Booster, session: ort.InferenceSession, vectors: np.ndarray) -> dict:
    lightgbm_scores = booster.predict(vectors)
    onnx_scores = onnx_fraud_probability(session, vectors)
    worst = float(np.max(np.abs(lightgbm_scores - onnx_scores)))
    if worst > PARITY_TOLERANCE:
        row = int(np.argmax(np.abs(lightgbm_scores - onnx_scores)))
        raise ExportError(
            f"ONNX and LightGBM disagree by {worst:.3g} on parity row {row} "
            f"(tolerance {PARITY_TOLERANCE}); the converter mistranslated the model"
        )
    return {
        "features": vectors.tolist(),
        "lightgbm": lightgbm_scores.tolist(),
        "onnx": onnx_scores.tolist(),
        "max_abs_difference": worst,
    }


def write_version(out_dir: Path, version: str, booster: lgb.Booster, meta: dict, parity_from: np.ndarray) -> Path:
    """Writes <out_dir>/<version>/{model.txt, model.onnx, meta.json,
    parity.json} into a temporary directory first and renames it into place,
    so a watcher of out_dir never sees half a version. An existing version of
    the same name is replaced."""
    validate_version_name(version)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=out_dir))
    try:
        (staging / "model.txt").write_text(booster.model_to_string())
        # Everything downstream is checked against the model as saved, not the
        # in-memory one, so a lossy save would show up here.
        saved = lgb.Booster(model_file=str(staging / "model.txt"))
        model = to_onnx(saved)
        model_bytes = model.SerializeToString()
        (staging / "model.onnx").write_bytes(model_bytes)
        parity = check_parity(saved, onnx_session(model_bytes), parity_vectors(parity_from))
        meta = dict(meta, parity_max_abs_difference=parity["max_abs_difference"])
        (staging / "parity.json").write_text(json.dumps(parity) + "\n")
        (staging / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        staging.chmod(0o755)  # mkdtemp makes it private; the artifacts are not secret
        final = out_dir / version
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
        return final
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def set_current(out_dir: Path, version: str) -> None:
    """Names the default version, atomically (write, then rename)."""
    if not (out_dir / version / "meta.json").is_file():
        raise ExportError(f"cannot make {version!r} current: {out_dir / version} holds no exported model")
    staging = out_dir / f".{CURRENT_FILE}.tmp"
    staging.write_text(version + "\n")
    os.replace(staging, out_dir / CURRENT_FILE)


def validate_version_name(version: str) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not version or version.startswith(".") or set(version) - allowed:
        raise ExportError(
            f"version {version!r}: use letters, digits, '-', '_' and '.', not starting with '.', "
            "e.g. synthetic-20261125"
        )
