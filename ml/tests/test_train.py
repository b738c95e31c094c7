"""Training on the generated fixture: time-split, deterministic, sane metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import FIXTURE_FEATURES, write_fixture_csv
from fintra_ml import dataset, train


def test_load_drops_unlabelled_rows_and_keeps_feature_order(fixture_csv):
    data = dataset.load(fixture_csv)
    assert data.feature_names == FIXTURE_FEATURES
    assert data.unlabelled_rows == 300
    assert len(data) == 2700
    assert np.all(np.diff(data.event_time.astype(np.int64)) >= 0)


def test_split_is_by_event_time(fixture_csv):
    split = dataset.split_by_time(dataset.load(fixture_csv))
    assert split.fit.event_time.max() < split.valid.event_time.min()
    assert split.valid.event_time.max() < split.test.event_time.min()
    assert split.test.event_time.min() >= split.split_time
    assert 0.2 < len(split.test) / 2700 < 0.3


def test_split_time_flag_moves_the_boundary(fixture_csv):
    split = dataset.split_by_time(dataset.load(fixture_csv), split_time=np.datetime64("2026-01-25T00:00:00"))
    assert split.test.event_time.min() >= np.datetime64("2026-01-25T00:00:00")
    assert split.valid.event_time.max() < np.datetime64("2026-01-25T00:00:00")


def test_training_is_deterministic(tmp_path, fixture_csv, trained_models):
    _, first = trained_models
    second = train.train(fixture_csv, tmp_path, "fixture-again")
    assert first.booster.model_to_string() == second.booster.model_to_string()
    assert first.meta["thresholds"] == second.meta["thresholds"]
    assert first.meta["metrics"] == second.meta["metrics"]


def test_metrics_and_thresholds(trained_models):
    root, result = trained_models
    meta = json.loads((root / "fixture-1" / "meta.json").read_text())
    held_out = meta["metrics"]["held_out"]
    # The fixture's signal is real but noisy: clearly better than chance.
    assert held_out["roc_auc"] > 0.75
    assert held_out["pr_auc"] > 0.15
    assert 0 <= held_out["recall_at_1pct_fpr"] <= 1
    assert 0 < meta["thresholds"]["review"] <= meta["thresholds"]["decline"] < 1
    assert meta["features"] == FIXTURE_FEATURES
    assert meta["version"] == "fixture-1"
    assert meta["lightgbm_version"] == "4.6.0"
    assert meta["metrics"]["unlabelled_rows_excluded"] == 300
    selection = meta["metrics"]["model_selection"]
    assert selection["chosen"] in train.CANDIDATES and selection["folds"] == train.CV_FOLDS
    assert meta["params"]["num_leaves"] == train.CANDIDATES[selection["chosen"]].get("num_leaves", 15)
    # Validation false positives stay within the review target.
    assert meta["metrics"]["validation"]["review"]["fpr"] <= train.REVIEW_MAX_FPR


def test_results_file_keeps_other_datasets(tmp_path, trained_models):
    _, result = trained_models
    results = tmp_path / "guard.json"
    results.write_text(json.dumps({"aws_cnp": {"rows": 1}}))
    train.write_results(results, "synthetic", result)
    written = json.loads(results.read_text())
    assert written["aws_cnp"] == {"rows": 1}
    entry = written["synthetic"]
    assert entry["model_version"] == "fixture-1"
    assert entry["rows"] == 2700 and entry["positives"] > 0
    assert set(entry["metrics"]) >= {"pr_auc", "roc_auc", "recall_at_1pct_fpr"}
    assert entry["machine"] and entry["commit"]


def test_cli_writes_current_and_results(tmp_path, fixture_csv):
    out = tmp_path / "models"
    code = train.main(
        [
            "--data",
            str(fixture_csv),
            "--out",
            str(out),
            "--version",
            "cli-1",
            "--dataset",
            "synthetic",
            "--results",
            str(tmp_path / "guard.json"),
        ]
    )
    assert code == 0
    assert (out / "CURRENT").read_text().strip() == "cli-1"
    assert sorted(p.name for p in (out / "cli-1").iterdir()) == ["meta.json", "model.onnx", "model.txt", "parity.json"]
    assert "synthetic" in json.loads((tmp_path / "guard.json").read_text())


@pytest.mark.parametrize(
    "header, body, message",
    [
        ("id,account,event_time,label,a", "", "header starts"),
        ("id,account_id,event_time,label", "", "no feature columns"),
        ("id,account_id,event_time,label,a,a", "", "more than once"),
        ("id,account_id,event_time,label,a", "x,y,2026-01-01T00:00:00Z,yes,1\n", "label 'yes'"),
        ("id,account_id,event_time,label,a", "x,y,2026-01-01T00:00:00Z,1,abc\n", "must be a number"),
        ("id,account_id,event_time,label,a", "x,y,2026-01-01T00:00:00Z,1,\n", "no value for feature 'a'"),
        ("id,account_id,event_time,label,a", "x,y,yesterday,1,1\n", "RFC 3339"),
    ],
)
def test_bad_csv_names_the_problem(tmp_path, header, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(header + "\n" + body)
    with pytest.raises(dataset.DatasetError, match=message):
        dataset.load(path)


def test_a_slice_without_fraud_is_refused(tmp_path):
    path = write_fixture_csv(tmp_path / "tiny.csv", rows=40)
    with pytest.raises(dataset.DatasetError, match="needs both classes"):
        dataset.split_by_time(dataset.load(path))


def test_bad_version_name(tmp_path, fixture_csv):
    assert train.main(["--data", str(fixture_csv), "--out", str(tmp_path), "--version", "../up"]) == 2


def test_time_folds_score_later_rows_than_they_learn_from(fixture_csv):
    data = dataset.load(fixture_csv)
    folds = train.time_folds(data, 3, 0.2)
    assert len(folds) == 3
    for fold in folds:
        assert fold.fit.event_time.max() <= fold.valid.event_time.min()
        assert fold.valid.event_time.max() <= fold.test.event_time.min()
