"""Train, validation and test splits: positions into a frame, deterministic from a seed.

The test split is drawn first from all labelled rows, then validation from the rest. With
stratify=False and no groups, the test split is exactly scikit-learn's
`train_test_split(range(n), test_size=test_fraction, random_state=seed)`: the seed notebook's
protocol, so its numbers can be reproduced. Fractions are of the labelled rows (of the groups when
splitting by group): 0.2 test and 0.1 validation leave 0.7 for training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from workbench.data.registry import DatasetInfo
from workbench.errors import DataValidationError

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True, eq=False)
class Splits:
    """Positions (for `frame.iloc`) of the train, validation and test rows."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    seed: int
    stratified: bool
    group_column: str | None = None
    warnings: tuple[str, ...] = ()  # what was done differently from what was asked, and why

    def __post_init__(self) -> None:
        for name in SPLIT_NAMES:
            getattr(self, name).setflags(write=False)

    @property
    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in SPLIT_NAMES}

    def frames(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return tuple(frame.iloc[getattr(self, name)] for name in SPLIT_NAMES)


def make_splits(
    frame: pd.DataFrame,
    info: DatasetInfo,
    seed: int = 42,
    test_fraction: float = 0.2,
    val_fraction: float = 0.1,
    stratify: bool = True,
    group_column: str | None = None,
) -> Splits:
    """Split the labelled rows of `frame`; rows with a missing label are in no split.

    With `group_column` (e.g. the user of a recommendation data set) every group lands in one
    split only, and the splits are not stratified.
    """
    check_fractions(test_fraction, val_fraction)
    labels = label_values(frame, info)
    rows = np.flatnonzero(pd.notna(labels))
    if group_column is not None:
        return group_splits(frame, rows, group_column, seed, test_fraction, val_fraction, stratify)
    return row_splits(labels, rows, seed, test_fraction, val_fraction, stratify)


def check_fractions(test_fraction: float, val_fraction: float) -> None:
    if not 0 < test_fraction < 1:
        raise DataValidationError(
            f"The test fraction must be between 0 and 1, not {test_fraction}."
        )
    if val_fraction < 0 or test_fraction + val_fraction >= 1:
        raise DataValidationError(
            f"The validation fraction ({val_fraction}) must be at least 0 and leave rows for "
            f"training after the test fraction ({test_fraction})."
        )


def label_values(frame: pd.DataFrame, info: DatasetInfo) -> np.ndarray:
    if info.label_column not in frame.columns:
        raise DataValidationError(
            f"The frame has no label column {info.label_column!r} (data set {info.name})."
        )
    return frame[info.label_column].to_numpy(dtype=object, na_value=None)


def share_of_rest(test_fraction: float, val_fraction: float) -> float:
    """The validation fraction of all rows, as a fraction of the rows left after the test split."""
    return val_fraction / (1 - test_fraction)


# --- by row --------------------------------------------------------------------------------------


def row_splits(
    labels: np.ndarray,
    rows: np.ndarray,
    seed: int,
    test_fraction: float,
    val_fraction: float,
    stratify: bool,
) -> Splits:
    notes: list[str] = []
    rest, test = split_rows(rows, labels, test_fraction, seed, stratify, "test", notes)
    if val_fraction > 0:
        val_share = share_of_rest(test_fraction, val_fraction)
        train, val = split_rows(rest, labels, val_share, seed, stratify, "validation", notes)
    else:
        train, val = rest, np.empty(0, dtype=rows.dtype)
    return Splits(
        train, val, test, seed, stratified=stratify and not notes, warnings=tuple(notes)
    )


def split_rows(
    rows: np.ndarray,
    labels: np.ndarray,
    fraction: float,
    seed: int,
    stratify: bool,
    name: str,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, taken): `fraction` of `rows` taken, stratified by label when the classes allow it."""
    taken = math.ceil(fraction * len(rows))  # as scikit-learn rounds a test fraction
    check_not_empty(len(rows), taken, name, "labelled rows")
    row_labels = labels[rows]
    problem = stratification_problem(row_labels, taken) if stratify else None
    if problem:
        notes.append(f"The {name} split is not stratified: {problem}.")
    kept, drawn = train_test_split(
        rows,
        test_size=fraction,
        random_state=seed,
        stratify=row_labels if stratify and not problem else None,
    )
    return kept, drawn


def check_not_empty(available: int, taken: int, name: str, unit: str) -> None:
    if taken < 1 or available - taken < 1:
        raise DataValidationError(
            f"Only {available} {unit}: too few for a {name} split that leaves some for the "
            "other splits. Use more data or smaller fractions."
        )


def stratification_problem(row_labels: np.ndarray, taken: int) -> str | None:
    """Why scikit-learn could not stratify this split, or None if it can."""
    classes, counts = np.unique(row_labels.astype(str), return_counts=True)
    rarest = counts.argmin()
    if counts[rarest] < 2:
        return f"class {str(classes[rarest])!r} has only 1 row"
    if taken < len(classes) or len(row_labels) - taken < len(classes):
        return (
            f"{taken} of {len(row_labels)} rows cannot hold all {len(classes)} classes on each side"
        )
    return None


# --- by group ------------------------------------------------------------------------------------


def group_splits(
    frame: pd.DataFrame,
    rows: np.ndarray,
    group_column: str,
    seed: int,
    test_fraction: float,
    val_fraction: float,
    stratify: bool,
) -> Splits:
    groups = group_values(frame, rows, group_column)
    rest, test = split_groups(rows, groups[rows], test_fraction, seed, "test")
    if val_fraction > 0:
        val_share = share_of_rest(test_fraction, val_fraction)
        train, val = split_groups(rest, groups[rest], val_share, seed, "validation")
    else:
        train, val = rest, np.empty(0, dtype=rows.dtype)
    notes = ()
    if stratify:
        notes = (f"Split by {group_column}: whole groups go to one split, so not stratified.",)
    return Splits(
        train, val, test, seed, stratified=False, group_column=group_column, warnings=notes
    )


def group_values(frame: pd.DataFrame, rows: np.ndarray, group_column: str) -> np.ndarray:
    """The whole group column, checked to have a group for every row to split."""
    if group_column not in frame.columns:
        raise DataValidationError(f"The frame has no group column {group_column!r}.")
    groups = frame[group_column].to_numpy()
    if pd.isna(groups[rows]).any():
        raise DataValidationError(f"Some labelled rows have no {group_column}: fill or drop them.")
    return groups


def split_groups(
    rows: np.ndarray, row_groups: np.ndarray, fraction: float, seed: int, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, taken): `fraction` of the groups taken, each with all its rows."""
    group_count = len(pd.unique(row_groups))
    check_not_empty(group_count, math.ceil(fraction * group_count), name, "groups")
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    kept, taken = next(splitter.split(rows, groups=row_groups))
    return rows[kept], rows[taken]
