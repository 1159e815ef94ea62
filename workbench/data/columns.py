"""What the columns of a user's table are for: which one is the label, and which ones deserve a
second look before a model learns from them.

    suggest_label_column(frame)          # "card": a column that can be a label
    label_problem(frame, "active")       # "... has 35 different values ..." or None
    column_flags(data, "card", classes)  # [ColumnFlag("id", "row id", "every value ...")]

A label can be a column with two to MAX_CLASSES values once missing ones are dropped. The guess
prefers, in this order: a name like label/target/class/y/outcome, a yes/no column, any two-valued
column, a column of a few classes; within each, the last column, then the first (tables keep the
label at one end), then the last that fits.

Flags: a column whose values are all different and count like row numbers (or are named like an
id) looks like a row id; a column that alone predicts the label with an AUC above LEAK_AUC
nearly gives the answer away (often it is recorded after the outcome). Both are offered to be
ignored; neither is ignored without the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import upload
from workbench.data.upload.labels import LABEL_NAMES, label_strings

LEAK_AUC = 0.95
FEW_CLASSES = 10
MIN_FLAG_ROWS = 20  # below this every column looks unique and every AUC is noise
SAMPLE_ROWS = 20_000  # leak AUCs and label counts are taken on a seeded sample of this size
MAX_LEAK_COLUMNS = 200  # a few ms to 50 ms a column: wider tables are checked this far
_YES_NO = ({"yes", "no"}, {"y", "n"}, {"true", "false"}, {"1", "0"})
_ID_NAME = re.compile(r"(^|[\W_])(id|idx|index|key|uuid|guid|row|rownum|row_?number)$", re.I)


@dataclass(frozen=True)
class ColumnFlag:
    column: str
    kind: str  # "row id" or "leak"
    reason: str


# --- the label -----------------------------------------------------------------------------------


def _sample(frame: pd.DataFrame, rows: int = SAMPLE_ROWS) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(rows, random_state=0)


def _class_values(series: pd.Series) -> set[str]:
    return set(label_strings(series).dropna().unique())


def label_problem(frame: pd.DataFrame, column: str) -> str | None:
    """Why `column` cannot be the label, in words, or None when it can."""
    values = _class_values(frame[column])
    if len(values) < 2:
        only = f" ('{next(iter(values))}')" if values else ""
        return (f"'{column}' has {'one value' + only if values else 'no values'} in the rows "
                "that have one: a label needs at least two classes.")
    if len(values) > upload.MAX_CLASSES:
        return (f"'{column}' has {len(values):,} different values; a label can have at most "
                f"{upload.MAX_CLASSES} classes.")
    return None


def _tier(name: str, values: set[str]) -> int | None:
    """Lower is a better guess; None: cannot be the label."""
    if not 2 <= len(values) <= upload.MAX_CLASSES:
        return None
    if name.strip().lower() in LABEL_NAMES:
        return 0
    if len(values) == 2 and {value.strip().lower() for value in values} in _YES_NO:
        return 1
    if len(values) == 2:
        return 2
    return 3 if len(values) <= FEW_CLASSES else None


def suggest_label_column(frame: pd.DataFrame) -> str:
    """A column the page will accept as the label (see the module's docstring); when none can be
    one, a column named like a label or the last one (the page then says why)."""
    columns = list(frame.columns)
    sample = _sample(frame, 5_000)
    tiers: dict[str, int] = {}
    for column in columns:
        if sample[column].nunique(dropna=True) > upload.MAX_CLASSES:
            continue
        tier = _tier(str(column), _class_values(sample[column]))
        if tier is not None:
            tiers[column] = tier
    # The sample ranks; the whole column decides (a rare extra value, or a class outside it).
    for column in sorted(tiers, key=lambda c: (tiers[c], _end_rank(columns, c))):
        if label_problem(frame, column) is None:
            return column
    named = [c for c in columns if str(c).strip().lower() in LABEL_NAMES]
    return named[0] if named else columns[-1]


def _end_rank(columns: list, column) -> tuple[int, int]:
    """The last column first, then the first, then the others from the right."""
    if column == columns[-1]:
        return (0, 0)
    if column == columns[0]:
        return (1, 0)
    return (2, -columns.index(column))


# --- flags ---------------------------------------------------------------------------------------


def row_id_reason(series: pd.Series) -> str | None:
    """Why a column looks like a row id (all values different, counting like row numbers or
    named like an id, short), or None."""
    present = series.dropna()
    if len(series) < MIN_FLAG_ROWS or len(present) < len(series):
        return None
    try:
        if present.nunique() < len(present):
            return None
    except TypeError:
        return None
    name = str(series.name)
    if pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present):
        values = present.to_numpy(dtype=float)
        whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
        if whole and values.max() - values.min() + 1 == len(values):
            return "every value is different and they count up like row numbers"
        if whole and _ID_NAME.search(name):
            return "every value is different and the name says it is an id"
        return None
    text = present.astype(str)
    if _ID_NAME.search(name) or name.startswith("Unnamed: "):
        return "every value is different and the name says it is an id"
    if text.str.len().mean() < upload.TEXT_MIN_MEAN_CHARS and text.str.contains(r"\d").mean() > 0.9:
        return "every value is a different short code"
    return None


def _encoded_categories(values: pd.Series, target: np.ndarray, seed: int = 0) -> np.ndarray:
    """Out-of-fold mean of the target per category: a value seen only in its own fold gets the
    overall mean, so a column of unique values (an id) cannot look predictive."""
    from sklearn.model_selection import KFold

    keys = values.astype(str).fillna("(missing)").to_numpy()
    encoded = np.full(len(keys), target.mean())
    folds = KFold(n_splits=5, shuffle=True, random_state=seed)
    for fit_rows, score_rows in folds.split(keys):
        means = pd.Series(target[fit_rows]).groupby(keys[fit_rows]).mean()
        encoded[score_rows] = pd.Series(keys[score_rows]).map(means).fillna(target.mean()).to_numpy()
    return encoded


def single_feature_auc(series: pd.Series, target: np.ndarray, feature_type: str) -> float | None:
    """The AUC of one feature alone for a 0/1 target, read in whichever direction is better;
    None for text or when it cannot be computed."""
    from sklearn.metrics import roc_auc_score

    if feature_type == "text" or len(np.unique(target)) < 2:
        return None
    if feature_type == "numeric":
        numbers = pd.to_numeric(series, errors="coerce")
        if numbers.notna().sum() < 2:
            return None
        scores = numbers.fillna(numbers.median()).to_numpy(dtype=float)
    else:
        scores = _encoded_categories(series, target)
    auc = float(roc_auc_score(target, scores))
    return max(auc, 1 - auc)


def leak_reason(
    series: pd.Series, labels: pd.Series, classes: tuple[str, ...], feature_type: str
) -> str | None:
    """Why a column nearly gives the label away (its AUC alone, for the class it predicts best),
    or None."""
    if len(series) < MIN_FLAG_ROWS:
        return None
    best, best_class = 0.0, None
    targets = classes[-1:] if len(classes) == 2 else classes
    for name in targets:
        auc = single_feature_auc(series, (labels.astype(str) == name).to_numpy(dtype=int), feature_type)
        if auc is not None and auc > best:
            best, best_class = auc, name
    if best <= LEAK_AUC:
        return None
    against = "the label" if len(classes) == 2 else f"class '{best_class}'"
    return (f"on its own it predicts {against} with AUC {best:.3f}: it may be the label in "
            "another form, or known only after the outcome")


def column_flags(
    data: pd.DataFrame, label_column: str, classes: tuple[str, ...], types: dict[str, str]
) -> list[ColumnFlag]:
    """Row-id-like and label-leaking columns among `types` (feature -> numeric/categorical/text)."""
    sample = _sample(data)
    flags = []
    for position, (column, feature_type) in enumerate(types.items()):
        reason = row_id_reason(data[column])
        if reason:
            flags.append(ColumnFlag(column, "row id", reason))
            continue
        if position >= MAX_LEAK_COLUMNS:
            continue
        reason = leak_reason(sample[column], sample[label_column], classes, feature_type)
        if reason:
            flags.append(ColumnFlag(column, "leak", reason))
    return flags
