"""check_table: what is worth knowing about an uploaded table before using it (none of it fatal)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def check_table(frame: pd.DataFrame) -> list[str]:
    """Things about an uploaded table worth knowing before using it; none of them is fatal."""
    notes = []
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    if unnamed:
        notes.append(
            f"{len(unnamed)} column(s) have no name in the header and are shown as "
            + ", ".join(f"'{c}'" for c in unnamed[:3]) + " (often a saved row index)."
        )
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        notes.append("Empty columns (every value missing): " + _names(empty) + ".")
    for column, count in _infinite_counts(frame).items():
        notes.append(
            f"Column '{column}' has {count:,} infinite value(s); they are treated as missing."
        )
    constant = [c for c in frame.columns if c not in empty and frame[c].nunique(dropna=True) == 1]
    if constant:
        notes.append(
            "Columns with one value in every row (no information): " + _names(constant) + "."
        )
    duplicates = int(frame.duplicated().sum()) if len(frame) <= 2_000_000 else 0
    if duplicates:
        notes.append(f"{duplicates:,} row(s) are exact copies of an earlier row.")
    return notes


def _names(columns: list) -> str:
    shown = ", ".join(f"'{c}'" for c in columns[:5])
    return shown + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")


def _infinite_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_float_dtype(series):
            count = int(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).sum())
            if count:
                counts[column] = count
    return counts
