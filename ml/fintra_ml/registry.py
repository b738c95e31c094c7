"""The model versions under a model root (ml/models/guard): each
<version>/ with meta.json and model.onnx, and CURRENT naming the default."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from fintra_ml import export

log = logging.getLogger("fintra_ml.registry")


class RegistryError(RuntimeError):
    """A model root the service cannot serve from."""


@dataclasses.dataclass(frozen=True)
class GuardModel:
    version: str
    features: list[str]
    thresholds: dict
    meta: dict
    session: ort.InferenceSession

    @property
    def feature_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.features)}

    def score(self, features: np.ndarray) -> np.ndarray:
        """Fraud probabilities for an [N, F] batch, in one ONNX Runtime call."""
        return export.onnx_fraud_probability(self.session, features)

    def decide(self, scores: np.ndarray) -> list[str]:
        decisions = np.full(len(scores), "approve", dtype=object)
        decisions[scores >= self.thresholds["review"]] = "review"
        decisions[scores >= self.thresholds["decline"]] = "decline"
        return decisions.tolist()

    def describe(self) -> dict:
        keys = ("features", "thresholds", "metrics", "trained_on", "lightgbm_version", "created_from_commit")
        return {"version": self.version, **{k: self.meta.get(k) for k in keys}}


@dataclasses.dataclass(frozen=True)
class Registry:
    root: Path
    models: dict[str, GuardModel]
    default: str

    def get(self, version: str | None) -> GuardModel:
        return self.models[version or self.default]


def load_model(directory: Path, threads: int) -> GuardModel:
    meta_path, onnx_path = directory / "meta.json", directory / "model.onnx"
    for path in (meta_path, onnx_path):
        if not path.is_file():
            raise RegistryError(f"{directory}: no {path.name}; export versions with `python -m fintra_ml.train`")
    meta = json.loads(meta_path.read_text())
    for key in ("features", "thresholds"):
        if key not in meta:
            raise RegistryError(f"{meta_path}: no {key!r}; re-export the version with `python -m fintra_ml.train`")
    session = export.onnx_session(onnx_path.read_bytes(), threads)
    (model_input,) = session.get_inputs()
    if model_input.shape[1] != len(meta["features"]):
        raise RegistryError(
            f"{directory}: model.onnx takes {model_input.shape[1]} features, meta.json names {len(meta['features'])}; "
            "the two files come from different exports"
        )
    return GuardModel(directory.name, list(meta["features"]), dict(meta["thresholds"]), meta, session)


def load(root: Path, threads: int = 0) -> Registry:
    """Loads every version under root. A broken version is logged and
    skipped, so one bad export does not take the others down; the default
    (CURRENT, or the only version) must load."""
    if not root.is_dir():
        raise RegistryError(f"model root {root} does not exist; set FINTRA_ML_MODELS or train with `ml/run.sh train`")
    models: dict[str, GuardModel] = {}
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            models[directory.name] = load_model(directory, threads)
        except (RegistryError, OSError, ValueError, RuntimeError) as err:
            log.error("skipping model version %s: %s", directory.name, err)
    current = root / export.CURRENT_FILE
    if current.is_file():
        default = current.read_text().strip()
    elif len(models) == 1:
        default = next(iter(models))
    else:
        raise RegistryError(
            f"{root}: no {export.CURRENT_FILE} file and {len(models)} versions ({sorted(models)}); "
            f"write the default version's name into {current}"
        )
    if default not in models:
        raise RegistryError(f"{current} names {default!r}, which did not load; loaded: {sorted(models)}")
    return Registry(root, models, default)
