"""Scoring an exported version on a training CSV it may not have seen.

    python -m fintra_ml.evaluate --model ml/models/guard/synthetic-20261125 \\
        --data build/data/aws-cnp.csv [--from 2023-01-01T00:00:00Z]

Prints the same held-out metrics train writes (PR-AUC, ROC AUC with its
bootstrap interval, recall at 1% FPR, and the version's own thresholds'
precision and recall) as JSON. Used to check whether one dataset's model
carries over to another (docs/ml.md, "One model or two").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np

from fintra_ml import dataset as ds
from fintra_ml import train


class EvaluateError(ValueError):
    pass


def evaluate(version_dir: Path, data_path: Path, start: np.datetime64 | None = None) -> dict:
    meta = json.loads((version_dir / "meta.json").read_text())
    data = ds.load(data_path)
    if data.feature_names != meta["features"]:
        raise EvaluateError(
            f"{data_path} has features {data.feature_names}, {version_dir.name} takes {meta['features']}: "
            "regenerate the CSV with the fintra that trained the model"
        )
    if start is not None:
        data = data.take(np.nonzero(data.event_time >= start)[0])
    if not 0 < data.positives < len(data):
        raise EvaluateError(f"{len(data)} labelled rows with {data.positives} fraud: metrics need both classes")
    booster = lgb.Booster(model_file=str(version_dir / "model.txt"))
    scores = booster.predict(data.features)
    return {
        "model_version": meta["version"],
        "data": data_path.name,
        "from": train.isoformat(data.event_time[0]),
        **train.slice_metrics(data.label, scores, meta["thresholds"], seed=train.Config.seed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fintra_ml.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", required=True, type=Path, help="a version directory, e.g. ml/models/guard/cnp-20261125"
    )
    parser.add_argument("--data", required=True, type=Path, help="training CSV from `fintra guard features`")
    parser.add_argument("--from", dest="start", type=train.parse_time, help="only rows at or after this time")
    args = parser.parse_args(argv)
    try:
        result = evaluate(args.model, args.data, args.start)
    except (ds.DatasetError, EvaluateError, OSError) as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
