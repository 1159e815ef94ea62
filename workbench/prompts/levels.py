"""Number levels: each number followed by where it stands among the training rows.

    scales = level_scales(train, ["MedInc", "HouseAge"])  # sorted training values per column
    level_word(scales["MedInc"], 8.33)                    # "very high"

A template with `number_levels` writes "- MedInc: 8.33 (very high)": a small language model
reads "very high" far more easily than it learns what 8.33 means for a median income in tens of
thousands of dollars. A value's level is its quintile by mid-rank among the training rows (ties
count half below, half above: a column that is mostly 0 calls 0 "medium", not "very high"); the
scales come from the training rows only, so test rows leak nothing.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from workbench.prompts.values import is_missing

LEVEL_WORDS = ("very low", "low", "medium", "high", "very high")  # quintiles


def level_scales(train: pd.DataFrame, columns: Iterable[str]) -> dict[str, np.ndarray]:
    """The sorted training values of each numeric (not boolean) column that has values."""
    scales = {}
    for column in columns:
        if column not in train.columns:
            continue
        values = train[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        present = values.dropna().to_numpy(dtype=float)
        if len(present):
            scales[column] = np.sort(present)
    return scales


def level_word(scale: np.ndarray, value: Any) -> str | None:
    """The value's quintile in the sorted training values; None when missing or not a number."""
    if is_missing(value) or isinstance(value, (bool, np.bool_)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    below = np.searchsorted(scale, number, side="left")
    at_most = np.searchsorted(scale, number, side="right")
    share = (below + at_most) / 2 / len(scale)
    return LEVEL_WORDS[min(int(share * len(LEVEL_WORDS)), len(LEVEL_WORDS) - 1)]
