"""What a data set looks like: schema, class balance, distributions, relation to the label.

Pure functions over (frame, info), used by the Data explorer page and usable from notebooks.
Anything that touches every row of a large data set either is a vectorized count or works on a
seeded random sample, and says how many rows it used.

Over 400 lines as one idea: one small function per profile the explorer shows, none of them
sharing state with another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data.registry import DatasetInfo

MISSING_LABEL = "(no label)"
MISSING_VALUE = "(missing)"
OTHER_VALUES = "(other values)"
RELATION_SAMPLE_ROWS = 25_000
TEXT_SAMPLE_ROWS = 50_000
HISTOGRAM_BINS = 40
MAX_CATEGORY_CODES = 50  # rarer categories share one code, so ids do not look informative


@dataclass(frozen=True)
class Overview:
    rows: int
    columns: int
    missing_cells: int
    labelled_rows: int
    class_count: int
    positive_class: str | None  # None for multi-class data sets
    positive_rows: int | None


@dataclass(frozen=True)
class Relation:
    table: pd.DataFrame  # feature, type, mutual_information (bits), sorted high to low
    rows_used: int
    skipped: tuple[str, ...]  # text features: mutual information needs numbers or categories


@dataclass(frozen=True)
class Histogram:
    table: pd.DataFrame  # label, bin_start, bin_end, bin_center, rows, share (of the class)
    low: float
    high: float
    outside: int  # values outside [low, high], left out so the bulk stays readable


# --- labels and overview -------------------------------------------------------------------------


def label_strings(frame: pd.DataFrame, info: DatasetInfo) -> pd.Series:
    """The label as strings, <NA> where missing (Book-Crossing's implicit ratings)."""
    return frame[info.label_column].astype("string")


def is_binary(info: DatasetInfo) -> bool:
    return len(info.classes) == 2


def overview(frame: pd.DataFrame, info: DatasetInfo) -> Overview:
    labels = label_strings(frame, info)
    positive = info.positive if is_binary(info) else None
    return Overview(
        rows=len(frame),
        columns=frame.shape[1],
        missing_cells=int(frame.isna().sum().sum()),
        labelled_rows=int(labels.notna().sum()),
        class_count=len(info.classes),
        positive_class=positive,
        positive_rows=int((labels == positive).sum()) if positive is not None else None,
    )


def class_balance(frame: pd.DataFrame, info: DatasetInfo) -> pd.DataFrame:
    """Rows per class in `info.classes` order, then unlabelled rows if there are any."""
    labels = label_strings(frame, info)
    counts = labels.value_counts()
    names = list(info.classes) + [str(v) for v in counts.index if v not in info.classes]
    table = pd.DataFrame({"class": names, "rows": [int(counts.get(n, 0)) for n in names]})
    missing = int(labels.isna().sum())
    if missing:
        table.loc[len(table)] = [MISSING_LABEL, missing]
    table["share"] = table["rows"] / max(len(frame), 1)
    return table


# --- schema --------------------------------------------------------------------------------------


def column_roles(info: DatasetInfo) -> dict[str, str]:
    roles = {name: "feature" for name in info.feature_names}
    for column, role in (
        (info.user_column, "user"),
        (info.item_column, "item"),
        (info.rating_column, "rating"),
        (info.label_column, "label"),
    ):
        if column:
            roles[column] = role
    if info.item_title_column:
        roles.setdefault(info.item_title_column, "item title")
    return roles


def schema_table(frame: pd.DataFrame, info: DatasetInfo) -> pd.DataFrame:
    """One row per column: role, dtype, feature type, description (what prompts may call it),
    missing values, distinct values, example."""
    roles = column_roles(info)
    types = {feature.name: feature.type for feature in info.features}
    descriptions = {feature.name: feature.readable or "" for feature in info.features}
    rows = []
    for column in frame.columns:
        series = frame[column]
        present = series.dropna()
        rows.append(
            {
                "column": str(column),
                "role": roles.get(column, "other"),
                "dtype": str(series.dtype),
                "type": types.get(column, ""),
                "description": descriptions.get(column, ""),
                "missing": int(series.isna().sum()),
                "missing %": round(100 * (1 - len(present) / max(len(series), 1)), 1),
                "distinct": _distinct(series),
                "example": _shorten(present.iloc[0]) if len(present) else "",
            }
        )
    return pd.DataFrame(rows)


def _distinct(series: pd.Series) -> int:
    try:
        return int(series.nunique(dropna=True))
    except TypeError:  # unhashable cells
        return int(series.astype(str).nunique(dropna=True))


def _shorten(value: object, limit: int = 60) -> str:
    text = f"{value:.6g}" if isinstance(value, (float, np.floating)) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(value: object) -> str:
    return "" if value is None or pd.isna(value) else _shorten(value, 80)


def numeric_summary(frame: pd.DataFrame, info: DatasetInfo) -> pd.DataFrame:
    """count, mean, std, min, quartiles and max of each numeric feature (one row each)."""
    columns = [f.name for f in info.features if f.type == "numeric" and f.name in frame]
    if not columns:
        return pd.DataFrame()
    numbers = frame[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    numbers = numbers.replace([np.inf, -np.inf], np.nan)
    summary = numbers.describe().T
    summary.insert(1, "missing", numbers.isna().sum())
    summary.index.name = "feature"
    return summary.reset_index()


# --- features and the label ----------------------------------------------------------------------


def sample_positions(length: int, rows: int, seed: int = 0) -> np.ndarray:
    """Sorted random row positions (all rows when there are not more than `rows`)."""
    if length <= rows:
        return np.arange(length)
    return np.sort(np.random.default_rng(seed).choice(length, size=rows, replace=False))


def feature_relation(
    frame: pd.DataFrame, info: DatasetInfo, sample_rows: int = RELATION_SAMPLE_ROWS, seed: int = 0
) -> Relation:
    """Mutual information between each feature and the label, in bits (0: unrelated).

    Numeric features use scikit-learn's nearest-neighbour estimate (missing values: the median);
    categorical ones their most frequent categories as codes. Rows without a label are left out.
    """
    from sklearn.feature_selection import mutual_info_classif

    labels = label_strings(frame, info)
    labelled = np.flatnonzero(labels.notna().to_numpy())
    rows = labelled[sample_positions(len(labelled), sample_rows, seed)]
    usable = [f for f in info.features if f.type != "text" and f.name in frame]
    skipped = tuple(f.name for f in info.features if f.type == "text")
    if not usable or len(rows) < 3 or labels.iloc[rows].nunique() < 2:
        empty = pd.DataFrame(columns=["feature", "type", "mutual_information"])
        return Relation(empty, len(rows), skipped)
    subset = frame.iloc[rows]
    matrix = np.column_stack([_encoded(subset[f.name], f.type) for f in usable])
    discrete = np.array([f.type == "categorical" for f in usable])
    scores = mutual_info_classif(
        matrix, labels.iloc[rows].to_numpy(dtype=str), discrete_features=discrete,
        random_state=seed,
    )
    table = pd.DataFrame(
        {
            "feature": [f.name for f in usable],
            "type": [f.type for f in usable],
            "mutual_information": np.maximum(scores, 0.0) / np.log(2),  # nats -> bits
        }
    ).sort_values("mutual_information", ascending=False, ignore_index=True)
    return Relation(table, len(rows), skipped)


def _encoded(series: pd.Series, feature_type: str) -> np.ndarray:
    if feature_type == "numeric":
        values = pd.to_numeric(series, errors="coerce").astype(float)
        values = values.replace([np.inf, -np.inf], np.nan)
        fill = values.median() if values.notna().any() else 0.0
        return values.fillna(fill).to_numpy()
    keys = _category_keys(series)
    frequent = keys.value_counts().index[:MAX_CATEGORY_CODES]
    return pd.Categorical(keys.where(keys.isin(frequent), OTHER_VALUES)).codes.astype(float)


def _category_keys(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna(MISSING_VALUE)


def numeric_histogram(
    frame: pd.DataFrame, info: DatasetInfo, feature: str, bins: int = HISTOGRAM_BINS
) -> Histogram:
    """The distribution of a numeric feature in each class (see `histogram_by_label`)."""
    values = pd.to_numeric(frame[feature], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    labels = label_strings(frame, info).fillna(MISSING_LABEL).to_numpy(dtype=str)
    return histogram_by_label(values, labels, label_order(info, labels), bins)


def histogram_by_label(
    values: np.ndarray, labels: np.ndarray, order: list[str], bins: int = HISTOGRAM_BINS
) -> Histogram:
    """Counts per bin and class; each class's shares sum to 1 over its values in range.

    The range is the 0.5th to 99.5th percentile, so a few extreme values do not squeeze the
    bulk into one bar. Whole numbers spanning a short range get one bar per number.
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return Histogram(pd.DataFrame(columns=_HISTOGRAM_COLUMNS), np.nan, np.nan, 0)
    low, high = np.quantile(values[finite], [0.005, 0.995])
    edges = _bin_edges(values[finite], float(low), float(high), bins)
    inside = finite & (values >= edges[0]) & (values <= edges[-1])
    parts = []
    for label in order:
        counts, _ = np.histogram(values[inside & (labels == label)], edges)
        parts.append(
            pd.DataFrame(
                {
                    "label": label,
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "bin_center": (edges[:-1] + edges[1:]) / 2,
                    "rows": counts,
                    "share": counts / max(counts.sum(), 1),
                }
            )
        )
    outside = int((finite & ~inside).sum())
    table = pd.concat(parts, ignore_index=True)
    return Histogram(table, float(edges[0]), float(edges[-1]), outside)


_HISTOGRAM_COLUMNS = ["label", "bin_start", "bin_end", "bin_center", "rows", "share"]


def _bin_edges(values: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    whole = np.all(values == np.round(values))
    if whole and high - low <= 60:
        return np.arange(np.floor(low) - 0.5, np.ceil(high) + 1.0, 1.0)
    if high <= low:
        return np.array([low - 0.5, low + 0.5])
    return np.linspace(low, high, bins + 1)


def label_order(info: DatasetInfo, labels: np.ndarray) -> list[str]:
    """Classes present, in `info.classes` order, then other values, then unlabelled rows."""
    present = set(np.unique(labels).tolist())
    ordered = [c for c in info.classes if c in present]
    extra = sorted(present - set(ordered) - {MISSING_LABEL})
    return ordered + extra + ([MISSING_LABEL] if MISSING_LABEL in present else [])


def category_label_shares(
    frame: pd.DataFrame, info: DatasetInfo, feature: str, top: int = 15
) -> pd.DataFrame:
    """For the `top` most frequent values of a feature: rows, and the share of each class.

    Long form: category, label, rows (of the category), share (of the class in it).
    Unlabelled rows are left out.
    """
    labels = label_strings(frame, info)
    keep = labels.notna().to_numpy()
    keys = _category_keys(frame[feature])[keep]
    frequent = keys.value_counts().index[:top]
    keys = keys.where(keys.isin(frequent), OTHER_VALUES)
    table = pd.crosstab(keys.to_numpy(), labels[keep].to_numpy())
    table = table.reindex(columns=[c for c in info.classes if c in table.columns] + [
        c for c in table.columns if c not in info.classes
    ])
    totals = table.sum(axis=1)
    order = list(frequent) + ([OTHER_VALUES] if OTHER_VALUES in table.index else [])
    shares = table.div(totals, axis=0).loc[order]
    long = shares.reset_index(names="category").melt(
        id_vars="category", var_name="label", value_name="share"
    )
    long["rows"] = long["category"].map(totals).astype(int)
    return long[["category", "label", "rows", "share"]]


# --- rows ----------------------------------------------------------------------------------------


def sample_rows(frame: pd.DataFrame, rows: int = 20, seed: int = 0) -> pd.DataFrame:
    return frame.iloc[sample_positions(len(frame), rows, seed)]


def examples_per_class(
    frame: pd.DataFrame, info: DatasetInfo, per_class: int = 3, seed: int = 0
) -> pd.DataFrame:
    """A few random rows of each class, classes in `info.classes` order."""
    labels = label_strings(frame, info)
    rng = np.random.default_rng(seed)
    picked = []
    for label in info.classes:
        positions = np.flatnonzero((labels == label).fillna(False).to_numpy())
        if len(positions):
            chosen = rng.choice(positions, min(per_class, len(positions)), replace=False)
            picked.extend(sorted(chosen))
    return frame.iloc[picked]


# --- text ----------------------------------------------------------------------------------------


def text_lengths(
    frame: pd.DataFrame, info: DatasetInfo, column: str | None = None,
    sample_rows: int = TEXT_SAMPLE_ROWS, seed: int = 0,
) -> pd.DataFrame:
    """Characters and words of a text column per row (a sample of large data sets), with label."""
    column = column or info.text_column
    if column is None:
        raise ValueError(f"{info.name} has no text column")
    rows = sample_positions(len(frame), sample_rows, seed)
    texts = frame[column].iloc[rows].astype("string").fillna("")
    return pd.DataFrame(
        {
            "label": label_strings(frame, info).iloc[rows].fillna(MISSING_LABEL).to_numpy(),
            "characters": texts.str.len().to_numpy(dtype=int),
            "words": texts.str.split().str.len().fillna(0).to_numpy(dtype=int),
        }
    )


@dataclass(frozen=True)
class TextLengths:
    histogram: Histogram  # words per text, by class
    summary: pd.DataFrame  # see text_length_summary
    rows_used: int


def text_length_profile(
    frame: pd.DataFrame, info: DatasetInfo, column: str | None = None,
    sample_rows: int = TEXT_SAMPLE_ROWS,
) -> TextLengths:
    lengths = text_lengths(frame, info, column, sample_rows)
    labels = lengths["label"].to_numpy(dtype=str)
    histogram = histogram_by_label(lengths["words"].to_numpy(), labels, label_order(info, labels))
    return TextLengths(histogram, text_length_summary(lengths), len(lengths))


def text_length_summary(lengths: pd.DataFrame) -> pd.DataFrame:
    """Per class: rows, and the median, mean, 95th percentile and maximum of words."""
    grouped = lengths.groupby("label", sort=False)["words"]
    summary = pd.DataFrame(
        {
            "rows": grouped.size(),
            "median": grouped.median(),
            "mean": grouped.mean().round(1),
            "95th pct": grouped.quantile(0.95),
            "max": grouped.max(),
        }
    )
    return summary.reset_index()


# --- recommendation ------------------------------------------------------------------------------


def rating_counts(frame: pd.DataFrame, column: str) -> pd.Series:
    """Rows per user (or per item), largest first."""
    counts = frame[column].value_counts()
    return counts[counts > 0]


def log_binned_counts(counts: pd.Series) -> pd.DataFrame:
    """How many users (or items) have 1, 2, 3-4, 5-9, 10-19, 20-49, ... rows.

    Rating counts are heavy-tailed: equal-width bins put nearly everyone in the first bar.
    Empty bins before the first non-empty one are left out.
    """
    values = counts.to_numpy()
    if not len(values):
        return pd.DataFrame(columns=["bin", "low", "high", "count"])
    edges = _one_two_five(int(values.max()))
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        number = int(((values >= low) & (values < high)).sum())
        if number or rows:
            label = str(low) if high - low == 1 else f"{low:,}–{high - 1:,}"
            rows.append({"bin": label, "low": low, "high": high - 1, "count": number})
    return pd.DataFrame(rows)


def _one_two_five(maximum: int) -> list[int]:
    """1, 2, 3, 5, 10, 20, 50, 100, ... up to the first edge above `maximum`."""
    edges = [1, 2, 3, 5]
    scale = 10
    while edges[-1] <= maximum:
        edges += [scale, 2 * scale, 5 * scale]
        scale *= 10
    while edges[-2] > maximum:  # keep exactly one edge above the maximum
        edges.pop()
    return edges


@dataclass(frozen=True)
class RecommendationSummary:
    users: int
    items: int
    ratings: int
    density: float  # ratings / (users * items)
    median_per_user: float
    median_per_item: float


def recommendation_summary(frame: pd.DataFrame, info: DatasetInfo) -> RecommendationSummary:
    per_user = rating_counts(frame, info.user_column)
    per_item = rating_counts(frame, info.item_column)
    return RecommendationSummary(
        users=len(per_user),
        items=len(per_item),
        ratings=len(frame),
        density=len(frame) / max(len(per_user) * len(per_item), 1),
        median_per_user=float(per_user.median()),
        median_per_item=float(per_item.median()),
    )


def rating_distribution(frame: pd.DataFrame, info: DatasetInfo) -> pd.DataFrame:
    counts = frame[info.rating_column].value_counts().sort_index()
    return pd.DataFrame({"rating": counts.index.astype(float), "rows": counts.to_numpy()})


def top_items(frame: pd.DataFrame, info: DatasetInfo, count: int = 20) -> pd.DataFrame:
    """The most rated items: rows, share liked and mean rating (over rows with a label)."""
    item = info.item_column or info.item_title_column
    counts = rating_counts(frame, item).head(count)
    chosen = frame[frame[item].isin(counts.index)]
    labels = label_strings(chosen, info)
    labelled = chosen[labels.notna().to_numpy()]
    liked = (labels[labels.notna()] == info.positive).groupby(labelled[item].to_numpy()).mean()
    table = pd.DataFrame({"item": counts.index.astype(str), "ratings": counts.to_numpy()})
    if info.item_title_column and info.item_title_column != item:
        titles = chosen.drop_duplicates(item).set_index(item)[info.item_title_column]
        table.insert(1, "title", [_title(titles.get(i)) for i in counts.index])
    table["liked share"] = [liked.get(i, np.nan) for i in counts.index]
    if info.rating_column:
        means = labelled.groupby(item, observed=True)[info.rating_column].mean()
        table["mean rating"] = [means.get(i, np.nan) for i in counts.index]
    return table
