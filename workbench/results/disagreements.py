"""Row-level comparison of two runs: the shared test rows where they predict different labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.results.predictions import (
    NoSharedRowsError, PredictionSource, ResultsError, class_names_of, read_predictions,
)


@dataclass(frozen=True)
class Disagreement:
    run_a: str
    run_b: str
    shared: int  # test rows both runs scored
    rows: pd.DataFrame = field(repr=False)  # the shared rows where the predicted labels differ

    @property
    def count(self) -> int:
        return len(self.rows)

    def right(self, who: str) -> int:
        return int((self.rows["right"] == who).sum())

    def summary(self) -> str:
        text = (f"disagree on {self.count:,} of {self.shared:,} shared rows; A right on "
                f"{self.right('A'):,}, B right on {self.right('B'):,}")
        neither = self.right("neither")
        return text + (f", neither on {neither:,}" if neither else "")


def disagreements(source: PredictionSource, run_a: str, run_b: str) -> Disagreement:
    """The shared test rows where runs A and B predict different labels, with both probabilities
    and the true label, and which run was right."""
    a, b = read_predictions(source, run_a), read_predictions(source, run_b)
    classes = class_names_of(a)
    if class_names_of(b) != classes:
        raise ResultsError(
            f"Runs {run_a} and {run_b} predict different classes ({classes} and "
            f"{class_names_of(b)}): they are not the same task."
        )
    joined = a.merge(b, on="row_id", suffixes=(" A", " B"))
    if joined.empty:
        raise NoSharedRowsError(
            f"Runs {run_a} and {run_b} share no test rows: they were scored on different splits "
            "or samples. Pick two runs with the same 'test rows' in the leaderboard."
        )
    if (joined["label A"].astype(str) != joined["label B"].astype(str)).any():
        raise ResultsError(
            f"Runs {run_a} and {run_b} give different true labels to the same rows: they used "
            "different versions of the data set."
        )
    differ = joined[joined["predicted A"].astype(str) != joined["predicted B"].astype(str)]
    return Disagreement(run_a, run_b, len(joined), _disagreement_rows(differ, classes))


def most_different_pair(
    source: PredictionSource, run_ids: Sequence[str], candidates: int = 8
) -> tuple[str, str] | None:
    """Of the first `candidates` runs, the two whose predicted labels differ on the largest
    share of their shared test rows (the higher-ranked pair on a tie); None when no two of them
    can be compared row by row."""
    ranked = list(run_ids)[:candidates]
    best, best_share = None, -1.0
    for first_index, first in enumerate(ranked):
        for second in ranked[first_index + 1:]:
            try:
                found = disagreements(source, first, second)
            except WorkbenchError:
                continue
            share = found.count / found.shared if found.shared else 0.0
            if share > best_share:
                best, best_share = (first, second), share
    return best


def _disagreement_rows(joined: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    label = joined["label A"].astype(str)
    a_right = joined["predicted A"].astype(str) == label
    b_right = joined["predicted B"].astype(str) == label
    # Binary: the positive class's probability reads best; multi-class: the true label's.
    shown = [classes[-1]] if len(classes) == 2 else classes
    rows = pd.DataFrame({
        "row_id": joined["row_id"].to_numpy(),
        "label": label.to_numpy(),
        "A predicted": joined["predicted A"].to_numpy(),
        "B predicted": joined["predicted B"].to_numpy(),
    })
    for name in shown:
        rows[f"A p({name})"] = joined[f"p_{name} A"].to_numpy()
        rows[f"B p({name})"] = joined[f"p_{name} B"].to_numpy()
    rows["right"] = np.select([a_right.to_numpy(), b_right.to_numpy()], ["A", "B"], "neither")
    return rows.sort_values("row_id").reset_index(drop=True)


def with_features(
    rows: pd.DataFrame, frame: pd.DataFrame, label_column: str | None = None
) -> pd.DataFrame:
    """Disagreement rows with the data set's columns: row_id is the row's position in `frame`."""
    ids = rows["row_id"].to_numpy(dtype=np.int64)
    if len(ids) and (ids.min() < 0 or ids.max() >= len(frame)):
        raise ResultsError(
            f"Row ids up to {ids.max():,} do not fit the data set's {len(frame):,} rows: the runs "
            "used another version of it."
        )
    features = frame.iloc[ids].reset_index(drop=True)
    if label_column in features.columns:
        features = features.drop(columns=label_column)
    clashing = [c for c in features.columns if c in rows.columns]
    features = features.rename(columns={c: f"{c} (feature)" for c in clashing})
    return pd.concat([rows.reset_index(drop=True), features], axis=1)
