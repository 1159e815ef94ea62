"""The label column of an upload: its values as text, the column that looks like a label, the
value that looks like the positive class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import DataValidationError

LABEL_NAMES = ("label", "target", "class", "y", "outcome", "output", "liked")
POSITIVE_NAMES = ("yes", "1", "true", "positive", "pos", "y", "1.0")


def suggest_label_column(frame: pd.DataFrame) -> str:
    """A column the page accepts as the label, named or shaped like one
    (workbench.data.columns.suggest_label_column)."""
    from workbench.data.columns import suggest_label_column as suggest

    return suggest(frame)


def label_values(frame: pd.DataFrame, label_column: str) -> list[str]:
    """The distinct label values as strings, most frequent first."""
    if label_column not in frame.columns:
        raise DataValidationError(f"There is no column '{label_column}' in the table.")
    labels = label_strings(frame[label_column]).dropna()
    return labels.value_counts().index.tolist()


def default_positive(values: list[str]) -> str | None:
    """For two values: one named like a positive answer, else the rarer one; else None."""
    if len(values) != 2:
        return None
    for value in values:
        if value.strip().lower() in POSITIVE_NAMES:
            return value
    return values[-1]


def label_strings(series: pd.Series) -> pd.Series:
    """Label values as stripped strings; 1.0 becomes "1"; blanks and NaN become missing."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).astype(object)
    if pd.api.types.is_float_dtype(series):
        values = series.replace([np.inf, -np.inf], np.nan)
        whole = values.dropna()
        if len(whole) and (whole == whole.round()).all():
            return values.map(lambda v: None if pd.isna(v) else str(int(v))).astype(object)
        return values.map(lambda v: None if pd.isna(v) else repr(float(v))).astype(object)
    strings = series.map(lambda v: None if is_missing(v) else str(v).strip()).astype(object)
    return strings.where(strings != "", None)


def is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
