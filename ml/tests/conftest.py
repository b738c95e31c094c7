"""Shared fixtures: a small, generated training CSV with a known fraud signal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

FIXTURE_FEATURES = ["amount_log", "velocity_1h", "new_merchant", "category_risk", "hour_of_day", "account_age_days"]


def write_fixture_csv(path: Path, rows: int = 3000, seed: int = 1, unlabelled_every: int = 10) -> Path:
    """Rows in event-time order over 30 days; fraud (~6%) is likelier with a
    large amount, high velocity, a new merchant and a risky category, with
    noise, so the model has something real but imperfect to learn."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    offsets = np.sort(rng.integers(0, 30 * 86400, rows))
    amount_log = rng.normal(3.5, 1.2, rows)
    velocity = rng.poisson(1.0, rows).astype(float)
    new_merchant = (rng.random(rows) < 0.2).astype(float)
    category_risk = rng.choice([0.05, 0.1, 0.3, 0.6, 0.95], rows)
    hour = ((offsets // 3600) % 24).astype(float)
    age = rng.integers(1, 2000, rows).astype(float)
    logit = -5.2 + 0.7 * (amount_log - 3.5) + 0.6 * velocity + 1.2 * new_merchant + 2.0 * category_risk
    logit += rng.normal(0, 0.8, rows)
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    lines = ["id,account_id,event_time,label," + ",".join(FIXTURE_FEATURES)]
    for i in range(rows):
        when = (start + dt.timedelta(seconds=int(offsets[i]))).strftime("%Y-%m-%dT%H:%M:%SZ")
        text_label = "" if unlabelled_every and i % unlabelled_every == 0 else str(label[i])
        values = [amount_log[i], velocity[i], new_merchant[i], category_risk[i], hour[i], age[i]]
        lines.append(f"tx-{i},acct-{i % 200},{when},{text_label}," + ",".join(f"{v:.6g}" for v in values))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def fixture_csv(tmp_path_factory) -> Path:
    return write_fixture_csv(tmp_path_factory.mktemp("data") / "fixture.csv")


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory, fixture_csv):
    """A model root with one version trained on the fixture, made CURRENT."""
    from fintra_ml import export, train

    root = tmp_path_factory.mktemp("models")
    result = train.train(fixture_csv, root, "fixture-1")
    export.set_current(root, "fixture-1")
    return root, result
