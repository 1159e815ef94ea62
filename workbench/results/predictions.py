"""A run's stored predictions, read and checked, and metrics recomputed from them on any rows.

`source` arguments are anything with `.predictions(run_id) -> DataFrame`: a Store, or a page's
cached view of one."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.metrics import MetricsError, classification_metrics


class ResultsError(WorkbenchError):
    """Stored runs that cannot be compared as asked (missing or damaged files, no shared rows)."""


class NoSharedRowsError(ResultsError):
    """Two runs were scored on different test rows: there is nothing to join."""


class PredictionSource(Protocol):
    def predictions(self, run_id: str) -> pd.DataFrame: ...


def read_predictions(source: PredictionSource, run_id: str) -> pd.DataFrame:
    """A run's predictions, checked: a missing or damaged file is a ResultsError that says so."""
    try:
        frame = source.predictions(run_id)
    except WorkbenchError as error:
        raise ResultsError(f"Run {run_id}: {error}") from None
    except Exception as error:  # noqa: BLE001 - a truncated or foreign file: pyarrow raises many kinds
        raise ResultsError(
            f"Run {run_id}: its predictions file cannot be read ({type(error).__name__}: "
            f"{str(error)[:200]}). It may be damaged; run the spec again (--force) to rewrite it."
        ) from None
    missing = [c for c in ("row_id", "label", "predicted") if c not in frame.columns]
    if missing or len(class_names_of(frame)) < 2:
        raise ResultsError(
            f"Run {run_id}: its predictions file lacks "
            + (", ".join(missing) if missing else "a probability column per class (p_<class>)")
            + "."
        )
    return frame


def class_names_of(predictions: pd.DataFrame) -> list[str]:
    """Class names in the order of the p_<class> columns (the data set's order)."""
    return [str(column)[2:] for column in predictions.columns if str(column).startswith("p_")]


def labels_and_probabilities(
    frame: pd.DataFrame, classes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    index = {name: i for i, name in enumerate(classes)}
    labels = frame["label"].astype(str).map(index)
    if labels.isna().any():
        unknown = sorted(set(frame["label"].astype(str)) - set(index))[:5]
        raise ResultsError(f"Labels {unknown} are not among the classes {classes}.")
    probabilities = frame[[f"p_{name}" for name in classes]].to_numpy(dtype=np.float64)
    return labels.to_numpy(dtype=np.int64), probabilities


def score_rows(
    predictions: pd.DataFrame, row_ids: np.ndarray | None = None, n_bootstrap: int = 1000
) -> dict:
    """Test metrics of stored predictions, on `row_ids` only when given (the same bootstrap
    settings as a run's own metrics, so the numbers match when the rows do)."""
    frame = predictions if row_ids is None else predictions[predictions["row_id"].isin(row_ids)]
    classes = class_names_of(frame)
    labels, probabilities = labels_and_probabilities(frame, classes)
    try:
        return classification_metrics(labels, probabilities, classes, n_bootstrap=n_bootstrap)
    except MetricsError as error:
        raise ResultsError(str(error)) from None
