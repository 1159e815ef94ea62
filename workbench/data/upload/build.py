"""An uploaded table as a data set: the label as class names, typed features, notes; TALLRec
records through the TALLRec reader."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from workbench.data import tallrec
from workbench.data.registry import DatasetInfo, Feature, FeatureType
from workbench.data.upload.labels import default_positive, is_missing, label_strings
from workbench.data.upload.limits import MAX_CLASSES, SMALL_CLASS_ROWS
from workbench.errors import DataValidationError

TEXT_MIN_MEAN_CHARS = 40  # string columns longer than this on average are free text
ONE_VS_REST_NEGATIVE = "other"
TALLREC_QUESTION = 'by answering "Yes." or "No."'  # in every TALLRec instruction


def looks_like_tallrec(frame: pd.DataFrame) -> bool:
    """Instruction / input / output records whose outputs are mostly "Yes." or "No.", or records
    with TALLRec's instruction (then the TALLRec reader names any field that is missing)."""
    if "instruction" not in frame.columns:
        return False
    if set(tallrec.FIELDS) <= set(frame.columns):
        answers = frame["output"].astype(str).str.strip()
        if answers.isin(tuple(tallrec.OUTPUT_LABELS)).mean() >= 0.9:
            return True
    instructions = frame["instruction"].head(1_000).astype(str)
    return bool(instructions.str.contains(TALLREC_QUESTION, regex=False).mean() >= 0.9)


def build_upload_dataset(
    frame: pd.DataFrame,
    label_column: str,
    positive_class: str | None,
    name: str = "upload",
    title: str = "Your upload",
) -> tuple[pd.DataFrame, DatasetInfo, list[str]]:
    """The uploaded table as a data set: label as class names, typed features, notes.

    Two label values: classes are (the other value, positive). More than two: with a positive
    class the task becomes that class against "other"; without one the names are kept.
    """
    if looks_like_tallrec(frame) and label_column == "output":
        return build_tallrec_dataset(frame, title)
    if label_column not in frame.columns:
        raise DataValidationError(f"There is no column '{label_column}' in the table.")
    notes: list[str] = []
    labels = label_strings(frame[label_column])
    missing = int(labels.isna().sum())
    if missing == len(frame):
        raise DataValidationError(f"The label column '{label_column}' has no values at all.")
    if missing:
        notes.append(
            f"Dropped {missing:,} of {len(frame):,} rows whose label '{label_column}' is missing."
        )
    keep = labels.notna().to_numpy()
    data = frame.loc[keep].reset_index(drop=True).copy()
    data[label_column] = labels[keep].to_numpy()
    classes, positive = _classes(data, label_column, positive_class)
    data[label_column] = _apply_one_vs_rest(data[label_column], classes, positive)
    features = tuple(
        _feature(data, column, notes) for column in data.columns if column != label_column
    )
    notes += _small_class_notes(data[label_column])
    text_features = [f.name for f in features if f.type == "text"]
    info = DatasetInfo(
        name=name,
        title=title,
        kind="text" if text_features else "tabular",
        description=f"Uploaded table: {len(data):,} rows with a label, {len(features)} features.",
        source="your upload",
        license="yours",
        label_column=label_column,
        classes=classes,
        features=features,
        loader=lambda: data,
        positive_class=positive,
        text_column=_longest_text(data, text_features),
        label_rule=_label_rule(label_column, classes, positive),
    )
    return data, info, notes


def _classes(
    data: pd.DataFrame, label_column: str, positive_class: str | None
) -> tuple[tuple[str, ...], str | None]:
    values = sorted(data[label_column].unique().tolist())
    if len(values) < 2:
        raise DataValidationError(
            f"The label column '{label_column}' has only one value ('{values[0]}') in the rows "
            "that have a label: a classifier needs at least two classes. Pick another column."
        )
    if len(values) > MAX_CLASSES:
        raise DataValidationError(
            f"The label column '{label_column}' has {len(values):,} different values; a label "
            f"can have at most {MAX_CLASSES} classes. Pick a column of categories (for a number, "
            "a yes/no column such as 'price above median' works)."
        )
    if positive_class is not None and positive_class not in values:
        raise DataValidationError(
            f"'{positive_class}' is not a value of the label column '{label_column}'. "
            "Pick the positive class from its values."
        )
    if len(values) == 2:
        positive = positive_class or default_positive(values)
        return (next(v for v in values if v != positive), positive), positive
    if positive_class is None:
        return tuple(values), None
    negative = ONE_VS_REST_NEGATIVE
    if negative in values:
        negative = f"not {positive_class}"
    return (negative, positive_class), positive_class


def _apply_one_vs_rest(
    labels: pd.Series, classes: tuple[str, ...], positive: str | None
) -> pd.Series:
    if positive is None or set(labels.unique()) <= set(classes):
        return labels
    return labels.where(labels == positive, classes[0])


def _label_rule(label_column: str, classes: tuple[str, ...], positive: str | None) -> str:
    if positive is None:
        return f"'{label_column}' as it is ({len(classes)} classes)"
    return f"'{label_column}' = '{positive}' is the positive class; '{classes[0]}' the other"


def _small_class_notes(labels: pd.Series) -> list[str]:
    counts = labels.value_counts()
    small = counts[counts < SMALL_CLASS_ROWS]
    return [
        f"Class '{value}' has only {count} row(s): too few to train and test on."
        for value, count in small.items()
    ]


def _feature(data: pd.DataFrame, column: str, notes: list[str]) -> Feature:
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        return Feature(column, "categorical")
    if pd.api.types.is_numeric_dtype(series):
        infinite = np.isinf(series.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            data[column] = series.mask(infinite)  # charts and models cannot use inf
        return Feature(column, "numeric")
    numbers = _mostly_numbers(series)
    if numbers is not None:
        bad = series.notna() & numbers.isna()
        if bad.any():
            examples = ", ".join(f"'{v}'" for v in series[bad].astype(str).unique()[:3])
            notes.append(
                f"Column '{column}' holds numbers except {int(bad.sum()):,} value(s) such as "
                f"{examples}; those are treated as missing."
            )
        data[column] = numbers
        return Feature(column, "numeric")
    return Feature(column, _string_type(series))


def _mostly_numbers(series: pd.Series) -> pd.Series | None:
    """Numbers with a few markers such as '?' or 'n/a' (95% or more parse): the numbers."""
    present = series.dropna()
    if present.empty:
        return None
    numbers = pd.to_numeric(series.astype(str).str.strip().where(series.notna()), errors="coerce")
    return numbers if numbers.notna().sum() >= 0.95 * len(present) else None


def _string_type(series: pd.Series) -> FeatureType:
    present = series.dropna().astype(str)
    if present.empty:
        return "categorical"
    sample = present.head(5_000)
    long = sample.str.len().mean() >= TEXT_MIN_MEAN_CHARS
    varied = sample.nunique() > 0.5 * len(sample)
    return "text" if long and varied else "categorical"


def _longest_text(data: pd.DataFrame, columns: list[str]) -> str | None:
    if not columns:
        return None
    return max(columns, key=lambda c: data[c].dropna().astype(str).head(5_000).str.len().mean())


def build_tallrec_dataset(
    frame: pd.DataFrame, title: str = "Your TALLRec upload"
) -> tuple[pd.DataFrame, DatasetInfo, list[str]]:
    """TALLRec records through the TALLRec reader: label yes/no plus the parsed item helpers.

    The reader checks every record, so there are no notes to return."""
    data = tallrec.records_frame(tallrec.validate_records(_tallrec_records(frame)))
    domain = tallrec.detect_domain(data)
    if data[tallrec.LABEL].nunique() < 2:
        raise DataValidationError(
            f"Every answer in this TALLRec file is '{data['output'].iloc[0]}': "
            "a classifier needs both Yes. and No. answers."
        )
    base = tallrec.tallrec_info(domain or "book")
    description = base.description.replace(" Needs a TALLRec JSON file.", "")
    if domain is None:
        description = (
            "One row per TALLRec question: the items a user liked and disliked, and a target "
            "item. Task: will the user like the target item (answer Yes. or No.)."
        )
    info = replace(
        base,
        name="upload",
        title=title,
        description=description,
        source="your upload, in the format of " + base.source,
        license="as of the uploaded file",
        loader=lambda: data,
        offline=True,
        needs_file=False,
    )
    return data, info, []


def _tallrec_records(frame: pd.DataFrame) -> list[dict]:
    """The records as the file had them: a missing field or value is left out, not NaN, so the
    reader says "Record 3 has no 'output' field"."""
    present = [field for field in tallrec.FIELDS if field in frame.columns]
    return [
        {field: value for field, value in record.items() if not is_missing(value)}
        for record in frame[present].to_dict("records")
    ]
