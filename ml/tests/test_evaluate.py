"""fintra_ml.evaluate reproduces train's held-out numbers and refuses a CSV
with other features."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fintra_ml import evaluate


def test_reproduces_held_out_metrics(trained_models, fixture_csv):
    root, result = trained_models
    held_out = result.meta["metrics"]["held_out"]
    got = evaluate.evaluate(root / "fixture-1", fixture_csv, result.split.split_time)
    assert got["rows"] == held_out["rows"] and got["positives"] == held_out["positives"]
    assert got["roc_auc"] == pytest.approx(held_out["roc_auc"])
    assert got["pr_auc"] == pytest.approx(held_out["pr_auc"])
    assert got["review"] == held_out["review"]


def test_cli_prints_json(trained_models, fixture_csv, capsys):
    root, _ = trained_models
    assert evaluate.main(["--model", str(root / "fixture-1"), "--data", str(fixture_csv)]) == 0
    assert json.loads(capsys.readouterr().out)["model_version"] == "fixture-1"


def test_other_features_are_refused(tmp_path, trained_models):
    root, _ = trained_models
    path = tmp_path / "other.csv"
    path.write_text("id,account_id,event_time,label,x\na,b,2026-01-01T00:00:00Z,1,1\nc,d,2026-01-01T00:00:01Z,0,2\n")
    with pytest.raises(evaluate.EvaluateError, match="regenerate the CSV"):
        evaluate.evaluate(root / "fixture-1", path)


def test_a_slice_without_both_classes_is_refused(trained_models, fixture_csv):
    root, _ = trained_models
    with pytest.raises(evaluate.EvaluateError, match="need both classes"):
        evaluate.evaluate(root / "fixture-1", fixture_csv, np.datetime64("2027-01-01T00:00:00"))
