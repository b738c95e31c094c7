"""Reading the guard training CSV and splitting it by event time.

The CSV is written by `fintra guard features` (the Go side owns the feature
definitions): header `id,account_id,event_time,label,<features...>`, event_time
RFC 3339 UTC, label 1/0/empty (empty = unknown, never trained or scored on),
rows in event-time order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

KEY_COLUMNS = ("id", "account_id", "event_time", "label")


class DatasetError(ValueError):
    """A training CSV that cannot be used, with the reason and the fix."""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Labelled rows only, sorted by event time.

    features is float64 (LightGBM's own precision); event_time is
    datetime64[us] UTC.
    """

    feature_names: list[str]
    ids: np.ndarray
    account_ids: np.ndarray
    event_time: np.ndarray
    label: np.ndarray
    features: np.ndarray
    unlabelled_rows: int

    def __len__(self) -> int:
        return len(self.label)

    def take(self, index: np.ndarray) -> "Dataset":
        return dataclasses.replace(
            self,
            ids=self.ids[index],
            account_ids=self.account_ids[index],
            event_time=self.event_time[index],
            label=self.label[index],
            features=self.features[index],
        )

    @property
    def positives(self) -> int:
        return int(self.label.sum())


def load(path: str | Path) -> Dataset:
    """Reads a training CSV; rows with an empty label are counted and dropped."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(
            f"{path}: no such file; produce it with "
            "`go run ./cmd/fintra guard features --source synth|aws-fraud-csv --out FILE.csv`"
        )
    with path.open("rb") as f:
        header = f.readline().decode("utf-8").strip().split(",")
    if tuple(header[: len(KEY_COLUMNS)]) != KEY_COLUMNS:
        raise DatasetError(
            f"{path}: header starts {header[: len(KEY_COLUMNS)]}, want {list(KEY_COLUMNS)} "
            "followed by the feature columns"
        )
    feature_names = header[len(KEY_COLUMNS) :]
    if not feature_names:
        raise DatasetError(f"{path}: no feature columns after {list(KEY_COLUMNS)}")
    duplicates = sorted({n for n in feature_names if feature_names.count(n) > 1})
    if duplicates:
        raise DatasetError(f"{path}: feature columns {duplicates} appear more than once")

    column_types = {"id": pa.string(), "account_id": pa.string(), "event_time": pa.string(), "label": pa.string()}
    column_types.update({name: pa.float64() for name in feature_names})
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as err:
        raise DatasetError(f"{path}: {err}; every feature column must be a number") from err

    label_text = table.column("label")
    known = pc.is_valid(label_text)
    bad_labels = pc.and_(known, pc.invert(pc.is_in(label_text, pa.array(["0", "1"]))))
    if pc.any(bad_labels).as_py():
        first = pc.filter(label_text, bad_labels)[0].as_py()
        raise DatasetError(f"{path}: label {first!r}; a label is 1 (fraud), 0 (legitimate) or empty (unknown)")
    unlabelled = len(table) - pc.sum(known.cast(pa.int64())).as_py() if len(table) else 0
    table = table.filter(known)

    try:
        event_time = pc.strptime(
            pc.replace_substring(table.column("event_time"), "Z", "+0000"),
            format="%Y-%m-%dT%H:%M:%S%z",
            unit="us",
        )
    except pa.ArrowInvalid:
        # Fractional seconds: Arrow's cast parses full RFC 3339 into a UTC timestamp.
        try:
            event_time = pc.cast(table.column("event_time"), pa.timestamp("us", tz="UTC"))
        except pa.ArrowInvalid as err:
            raise DatasetError(f"{path}: event_time: {err}; write RFC 3339 in UTC, e.g. 2026-01-02T15:04:05Z") from err

    features = (
        np.column_stack(
            [table.column(name).to_numpy(zero_copy_only=False).astype(np.float64) for name in feature_names]
        )
        if len(table)
        else np.empty((0, len(feature_names)))
    )
    if len(table) and np.isnan(features).any():
        row, col = np.argwhere(np.isnan(features))[0]
        raise DatasetError(
            f"{path}: labelled row {row} has no value for feature {feature_names[col]!r}; "
            "the features command writes every feature for every row"
        )

    times = event_time.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    order = np.argsort(times, kind="stable")
    label = np.asarray([int(v) for v in table.column("label").to_pylist()], dtype=np.int32)
    return Dataset(
        feature_names=feature_names,
        ids=np.asarray(table.column("id").to_pylist(), dtype=object)[order],
        account_ids=np.asarray(table.column("account_id").to_pylist(), dtype=object)[order],
        event_time=times[order],
        label=label[order],
        features=features[order],
        unlabelled_rows=int(unlabelled),
    )


@dataclasses.dataclass(frozen=True)
class TimeSplit:
    """fit and valid partition the train period (valid is its latest part);
    test is everything at or after split_time."""

    fit: Dataset
    valid: Dataset
    test: Dataset
    valid_from: np.datetime64
    split_time: np.datetime64


def split_by_time(
    data: Dataset,
    test_fraction: float = 0.25,
    valid_fraction: float = 0.2,
    split_time: np.datetime64 | None = None,
) -> TimeSplit:
    """Splits at event-time boundaries, never at random: the model is judged on
    transactions later than any it learned from, as in production. A boundary
    falls between distinct timestamps, so rows sharing one stay together."""
    if len(data) == 0:
        raise DatasetError("no labelled rows: every label is empty")
    if not 0 < test_fraction < 1 or not 0 < valid_fraction < 1:
        raise DatasetError(f"test_fraction {test_fraction} and valid_fraction {valid_fraction} must be in (0, 1)")
    times = data.event_time
    if split_time is None:
        split_time = times[min(int(len(times) * (1 - test_fraction)), len(times) - 1)]
    split_time = np.datetime64(split_time, "us")
    train_end = int(np.searchsorted(times, split_time, side="left"))
    valid_from = times[min(int(train_end * (1 - valid_fraction)), max(train_end - 1, 0))]
    fit_end = int(np.searchsorted(times, valid_from, side="left"))

    parts = {
        "fit": data.take(np.arange(0, fit_end)),
        "valid": data.take(np.arange(fit_end, train_end)),
        "test": data.take(np.arange(train_end, len(data))),
    }
    for name, part in parts.items():
        if len(part) == 0 or part.positives == 0 or part.positives == len(part):
            raise DatasetError(
                f"the {name} slice has {len(part)} rows and {part.positives} positives; every slice needs both "
                f"classes (split at {split_time}, validation from {valid_from}): "
                "use more data or move --split-time"
            )
    return TimeSplit(valid_from=valid_from, split_time=split_time, **parts)
