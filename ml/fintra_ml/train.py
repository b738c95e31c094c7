"""Training the guard fraud model.

    python -m fintra_ml.train --data FILE.csv --out ml/models/guard --version NAME
        [--dataset synthetic|aws_cnp] [--split-time 2026-01-20T00:00:00Z] [--set-current]

Time-based evaluation: the latest slice of the data (by event time) is held
out and never seen during training or tuning; the latest part of the rest is
the validation slice for early stopping and for choosing the thresholds.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from fintra_ml import dataset as ds
from fintra_ml import export

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = REPO_DIR / "benchmarks" / "results" / "guard.json"

# Decision thresholds, chosen on the validation slice (docs/ml.md).
REVIEW_MAX_FPR = 0.01  # review: at most ~1% of legitimate transactions land in the queue
DECLINE_MIN_PRECISION = 0.9  # decline: at least 9 in 10 declines are fraud
DECLINE_FALLBACK_FPR = 0.001  # when no threshold reaches that precision


@dataclasses.dataclass(frozen=True)
class Config:
    """Training knobs. The defaults keep the model small (tens to a few
    hundred KB) and regularized enough for a few hundred labelled rows."""

    seed: int = 20261125  # every random choice in LightGBM derives from it
    threads: int = 1  # fixed, together with deterministic=True, for bit-identical models
    learning_rate: float = 0.05
    num_leaves: int = 15
    max_rounds: int = 250
    early_stopping_rounds: int = 30
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    test_fraction: float = 0.25
    valid_fraction: float = 0.2


# Model capacity candidates, chosen per dataset by time-ordered cross-validation
# inside the training period (select_config): the default suits tens of
# thousands of rows; a few hundred labelled rows (the AWS sample) over-fit it,
# and shallower, more regularized trees, down to stumps (an additive model),
# may generalize better. The held-out slice plays no part in the choice.
CANDIDATES = {
    "leaves15": {},
    "leaves4": {"num_leaves": 4, "min_data_in_leaf": 10, "lambda_l2": 5.0},
    "stumps": {"num_leaves": 2, "min_data_in_leaf": 10, "lambda_l2": 5.0},
}
CV_FOLDS = 3


def lightgbm_params(config: Config, fit: ds.Dataset) -> dict:
    negatives = len(fit) - fit.positives
    return {
        "objective": "binary",
        "metric": "binary_logloss",  # smoother than AUC on a validation slice with few positives
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "min_data_in_leaf": min(config.min_data_in_leaf, max(5, len(fit) // 20)),
        "feature_fraction": config.feature_fraction,
        "bagging_fraction": config.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": config.lambda_l2,
        # Fraud is rare: weigh positives up, by the square root of the imbalance
        # rather than all of it, which over-fits the few positives and pushes
        # every probability up. Thresholds are chosen on validation scores, so
        # the scale shift does not change decisions.
        "scale_pos_weight": math.sqrt(negatives / max(fit.positives, 1)),
        "seed": config.seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": config.threads,
        "verbosity": -1,
    }


def train_booster(split: ds.TimeSplit, config: Config) -> lgb.Booster:
    names = split.fit.feature_names
    fit_set = lgb.Dataset(split.fit.features, label=split.fit.label, feature_name=names, free_raw_data=False)
    valid_set = lgb.Dataset(split.valid.features, label=split.valid.label, reference=fit_set)
    booster = lgb.train(
        lightgbm_params(config, split.fit),
        fit_set,
        num_boost_round=config.max_rounds,
        valid_sets=[valid_set],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )
    # Keep only the trees up to the best validation round.
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))


def time_folds(train_period: ds.Dataset, folds: int, valid_fraction: float) -> list[ds.TimeSplit]:
    """Expanding-window folds over the train period: fold k trains on the
    first k blocks (its latest part for early stopping) and is scored on
    block k+1, so every score is on rows later than the ones learned from."""
    bounds = np.linspace(0, len(train_period), folds + 2).astype(int)
    splits = []
    for k in range(1, folds + 1):
        before, after = (
            train_period.take(np.arange(0, bounds[k])),
            train_period.take(np.arange(bounds[k], bounds[k + 1])),
        )
        valid_from = int(len(before) * (1 - valid_fraction))
        parts = {
            "fit": before.take(np.arange(0, valid_from)),
            "valid": before.take(np.arange(valid_from, len(before))),
            "test": after,
        }
        if all(0 < part.positives < len(part) for part in parts.values()):
            splits.append(
                ds.TimeSplit(valid_from=before.event_time[valid_from], split_time=after.event_time[0], **parts)
            )
    return splits


def select_config(split: ds.TimeSplit, config: Config) -> tuple[Config, dict]:
    """The candidate with the best mean ROC AUC over time-ordered folds of
    the train period (fit + valid); the default when no fold has both classes."""
    train_period = ds.Dataset(
        feature_names=split.fit.feature_names,
        ids=np.concatenate([split.fit.ids, split.valid.ids]),
        account_ids=np.concatenate([split.fit.account_ids, split.valid.account_ids]),
        event_time=np.concatenate([split.fit.event_time, split.valid.event_time]),
        label=np.concatenate([split.fit.label, split.valid.label]),
        features=np.vstack([split.fit.features, split.valid.features]),
        unlabelled_rows=0,
    )
    folds = time_folds(train_period, CV_FOLDS, config.valid_fraction)
    scores = {}
    for name, overrides in CANDIDATES.items():
        candidate = dataclasses.replace(config, **overrides)
        aucs = [roc_auc_score(f.test.label, train_booster(f, candidate).predict(f.test.features)) for f in folds]
        scores[name] = round(float(np.mean(aucs)), 4) if aucs else None
    best = max((n for n in scores if scores[n] is not None), key=lambda n: scores[n], default="leaves15")
    return dataclasses.replace(config, **CANDIDATES[best]), {
        "chosen": best,
        "cv_roc_auc": scores,
        "folds": len(folds),
        "rule": f"best mean ROC AUC over {CV_FOLDS} expanding time folds of the train period",
    }


def recall_at_fpr(labels: np.ndarray, scores: np.ndarray, max_fpr: float) -> float:
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(tpr[fpr <= max_fpr].max())


def threshold_at_fpr(labels: np.ndarray, scores: np.ndarray, max_fpr: float) -> float:
    """The lowest score threshold (score >= threshold flags) that flags at most
    max_fpr of the negatives."""
    negatives = np.sort(scores[labels == 0])[::-1]
    allowed = int(math.floor(max_fpr * len(negatives)))
    if allowed >= len(negatives):
        return 0.0
    return float(np.nextafter(negatives[allowed], np.inf))


def choose_thresholds(labels: np.ndarray, scores: np.ndarray) -> dict:
    review = threshold_at_fpr(labels, scores, REVIEW_MAX_FPR)
    precision, _, thresholds = precision_recall_curve(labels, scores)
    precision = precision[:-1]  # the last point has no threshold
    # The lowest threshold above which precision never drops below the target
    # again: robust to a lucky single point low in the curve.
    below = np.nonzero(precision < DECLINE_MIN_PRECISION)[0]
    start = below[-1] + 1 if len(below) else 0
    if start < len(thresholds):
        decline, rule = float(thresholds[start]), f"precision >= {DECLINE_MIN_PRECISION} on validation"
    else:
        decline = threshold_at_fpr(labels, scores, DECLINE_FALLBACK_FPR)
        rule = f"FPR <= {DECLINE_FALLBACK_FPR} on validation (precision {DECLINE_MIN_PRECISION} unreachable)"
    decline = max(decline, review)
    return {
        "review": review,
        "decline": decline,
        "rules": {"review": f"FPR <= {REVIEW_MAX_FPR} on validation", "decline": rule},
    }


def decision_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    flagged = scores >= threshold
    tp = int(np.sum(flagged & (labels == 1)))
    fp = int(np.sum(flagged & (labels == 0)))
    positives, negatives = int(labels.sum()), int(len(labels) - labels.sum())
    return {
        "flagged": int(flagged.sum()),
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / positives if positives else None,
        "fpr": fp / negatives if negatives else None,
    }


def bootstrap_roc_auc(labels: np.ndarray, scores: np.ndarray, seed: int, rounds: int = 1000) -> list[float]:
    """A 95% percentile interval of ROC AUC over resamples of the held-out
    slice: how much the number would move with a different sample of the
    same size."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        index = rng.integers(0, len(labels), len(labels))
        if 0 < labels[index].sum() < len(index):
            values.append(roc_auc_score(labels[index], scores[index]))
    low, high = np.percentile(values, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def slice_metrics(labels: np.ndarray, scores: np.ndarray, thresholds: dict, seed: int) -> dict:
    return {
        "rows": int(len(labels)),
        "positives": int(labels.sum()),
        "pr_auc": float(average_precision_score(labels, scores)),
        "roc_auc": float(roc_auc_score(labels, scores)),
        "roc_auc_95ci": bootstrap_roc_auc(labels, scores, seed),
        "recall_at_1pct_fpr": recall_at_fpr(labels, scores, 0.01),
        "review": decision_metrics(labels, scores, thresholds["review"]),
        "decline": decision_metrics(labels, scores, thresholds["decline"]),
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def isoformat(t: np.datetime64) -> str:
    return np.datetime_as_string(t, unit="s") + "Z"


@dataclasses.dataclass
class Result:
    version_dir: Path
    meta: dict
    booster: lgb.Booster
    split: ds.TimeSplit


def train(
    data_path: Path,
    out_dir: Path,
    version: str,
    config: Config | None = None,
    split_time: np.datetime64 | None = None,
    dataset_name: str | None = None,
) -> Result:
    config = config or Config()
    export.validate_version_name(version)
    data = ds.load(data_path)
    split = ds.split_by_time(data, config.test_fraction, config.valid_fraction, split_time)
    config, selection = select_config(split, config)
    booster = train_booster(split, config)

    valid_scores = booster.predict(split.valid.features)
    thresholds = choose_thresholds(split.valid.label, valid_scores)
    test_scores = booster.predict(split.test.features)
    held_out = slice_metrics(split.test.label, test_scores, thresholds, config.seed)
    metrics = {
        "held_out": held_out,
        "validation": slice_metrics(split.valid.label, valid_scores, thresholds, config.seed),
        "fit": {"rows": len(split.fit), "positives": split.fit.positives},
        "unlabelled_rows_excluded": data.unlabelled_rows,
        "split_time": isoformat(split.split_time),
        "validation_from": isoformat(split.valid_from),
        "trees": booster.num_trees(),
        "model_selection": selection,
    }
    meta = {
        "version": version,
        "features": data.feature_names,
        "thresholds": {"review": thresholds["review"], "decline": thresholds["decline"]},
        "threshold_rules": thresholds["rules"],
        "metrics": metrics,
        "trained_on": (
            f"{dataset_name or data_path.name}: {len(data)} labelled rows ({data.positives} fraud) "
            f"from {isoformat(data.event_time[0])} to {isoformat(data.event_time[-1])}, file {data_path.name}"
        ),
        "lightgbm_version": lgb.__version__,
        "created_from_commit": git_commit(),
        "params": lightgbm_params(config, split.fit),
    }
    # Parity vectors come from the training rows' ranges and samples: the
    # held-out rows stay out of every artifact.
    train_features = np.vstack([split.fit.features, split.valid.features])
    version_dir = export.write_version(out_dir, version, booster, meta, train_features)
    return Result(version_dir, meta, booster, split)


def write_results(path: Path, dataset_name: str, result: Result) -> None:
    """Merges one dataset's entry into benchmarks/results/guard.json."""
    held_out = result.meta["metrics"]["held_out"]
    data = result.split
    entry = {
        "rows": len(data.fit) + len(data.valid) + len(data.test),
        "positives": data.fit.positives + data.valid.positives + data.test.positives,
        "held_out_rows": held_out["rows"],
        "held_out_positives": held_out["positives"],
        "metrics": {
            k: held_out[k] for k in ("pr_auc", "roc_auc", "roc_auc_95ci", "recall_at_1pct_fpr", "review", "decline")
        },
        "thresholds": result.meta["thresholds"],
        "model_version": result.meta["version"],
        "commit": result.meta["created_from_commit"],
        "machine": machine(),
        "measured_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    existing = json.loads(path.read_text()) if path.is_file() else {}
    existing[dataset_name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")


def parse_time(text: str) -> np.datetime64:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: want RFC 3339, e.g. 2026-01-20T00:00:00Z") from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return np.datetime64(parsed.astimezone(dt.timezone.utc).replace(tzinfo=None), "us")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fintra_ml.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="training CSV from `fintra guard features`")
    parser.add_argument("--out", required=True, type=Path, help="model root, e.g. ml/models/guard")
    parser.add_argument("--version", required=True, help="version directory name, e.g. synthetic-20261125")
    parser.add_argument("--split-time", type=parse_time, help="held-out slice starts here (default: latest 25%%)")
    parser.add_argument("--dataset", help="record held-out metrics under this name in --results")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="default: %(default)s")
    parser.add_argument("--set-current", action="store_true", help="make this version the default (CURRENT)")
    args = parser.parse_args(argv)
    try:
        result = train(args.data, args.out, args.version, split_time=args.split_time, dataset_name=args.dataset)
        if args.set_current or not (args.out / export.CURRENT_FILE).exists():
            export.set_current(args.out, args.version)
        if args.dataset:
            write_results(args.results, args.dataset, result)
    except (ds.DatasetError, export.ExportError) as err:
        print(f"train: {err}", file=sys.stderr)
        return 2
    held_out, thresholds = result.meta["metrics"]["held_out"], result.meta["thresholds"]
    print(
        f"train: {args.version}: held-out {held_out['rows']} rows ({held_out['positives']} fraud): "
        f"PR-AUC {held_out['pr_auc']:.4f}, ROC AUC {held_out['roc_auc']:.4f} "
        f"(95% CI {held_out['roc_auc_95ci'][0]:.3f}-{held_out['roc_auc_95ci'][1]:.3f}), "
        f"recall at 1% FPR {held_out['recall_at_1pct_fpr']:.4f}; "
        f"thresholds review {thresholds['review']:.4f} decline {thresholds['decline']:.4f}; "
        f"written to {result.version_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
