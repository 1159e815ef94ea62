"""Curves over stored runs: AUC against the labelled training rows (the shots curve, beside the
published reference numbers) and ROC curves."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from workbench.metrics import MetricsError, roc_curve_points
from workbench.results.predictions import (
    PredictionSource, ResultsError, class_names_of, labels_and_probabilities, read_predictions,
    score_rows,
)
from workbench.results.references import REFERENCE_ALL_ROWS, REFERENCE_AUC
from workbench.results.runs import (
    is_complete, method_family, method_label, train_rows, train_rows_label, uses_all_training_rows,
)
from workbench.store import RunRecord

SHOTS_COLUMNS = [
    "series", "family", "n train", "all rows", "x", "AUC", "AUC low", "AUC high", "runs", "band",
    "run ids",
]


def series_name(record: RunRecord) -> str:
    """One line per way of using labelled rows: zero-shot and few-shot of one model and prompt
    are one line (the shots are its x), each baseline is one, each fine-tuning method one."""
    if record.kind == "baseline":
        return method_label(record)
    template = record.spec.get("template") or {}
    prompt = template.get("serializer", "?")
    if template.get("wrapper", "none") != "none":
        prompt += f", {template['wrapper']} wrapper"
    if record.kind == "evaluate":
        return f"{record.model} · prompting ({prompt})"
    return f"{record.model} · {record.method} ({prompt})"


def shots_curve(
    records: Iterable[RunRecord], rescored: Mapping[str, dict] | None = None
) -> pd.DataFrame:
    """AUC against labelled training rows: one point per (series, n train).

    A point of one run carries its 95% interval; a point of several runs (other shot seeds,
    say) is their mean AUC with the range of their AUCs ("band" says which).
    """
    rescored = rescored or {}
    rows = []
    for record in records:
        if not is_complete(record):
            continue
        test = rescored.get(record.id) or record.metrics["test"]
        if test.get("auc") is None:
            continue
        rows.append({
            "series": series_name(record), "family": method_family(record),
            "n train": train_rows(record), "all rows": uses_all_training_rows(record),
            "x": train_rows_label(record), "auc": test["auc"], "ci": test.get("auc_ci"),
            "run": record.id,
        })
    points = [_point(group) for _, group in _group(rows, ("series", "n train", "all rows"))]
    table = pd.DataFrame(points, columns=SHOTS_COLUMNS)
    return table.sort_values(["series", "all rows", "n train"]).reset_index(drop=True)


def _group(rows: list[dict], keys: tuple[str, ...]) -> list[tuple[tuple, list[dict]]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return list(groups.items())


def _point(group: list[dict]) -> dict:
    first = group[0]
    aucs = [row["auc"] for row in group]
    if len(group) == 1:
        low, high = first["ci"] or (np.nan, np.nan)
        band = "95% CI" if first["ci"] else "none"
    else:
        low, high, band = min(aucs), max(aucs), f"range of {len(group)} runs"
    return {
        "series": first["series"], "family": first["family"], "n train": first["n train"],
        "all rows": first["all rows"], "x": first["x"], "AUC": float(np.mean(aucs)),
        "AUC low": low, "AUC high": high, "runs": len(group), "band": band,
        "run ids": [row["run"] for row in group],
    }


def reference_points(dataset: str) -> pd.DataFrame:
    """REFERENCES.md's baseline AUCs for this data set (empty for data sets it has none for)."""
    rows = []
    for series, points in REFERENCE_AUC.get(dataset, {}).items():
        for n_train, auc in points.items():
            every = n_train is None
            count = REFERENCE_ALL_ROWS[dataset] if every else n_train
            rows.append({
                "series": f"reference: {series}", "family": "reference", "n train": count,
                "all rows": every, "x": f"all ({count:,})" if every else f"{count:,}",
                "AUC": auc, "AUC low": np.nan, "AUC high": np.nan, "runs": 0,
                "band": "REFERENCES.md", "run ids": [],
            })
    return pd.DataFrame(rows, columns=SHOTS_COLUMNS)


def x_order(*tables: pd.DataFrame) -> list[str]:
    """Category order of the shots axis: 0, 4, 16, ... then "all (n)" (logarithmic-like spacing
    for the usual powers of 4, and 0 gets a place of its own)."""
    frames = [t[["x", "n train", "all rows"]] for t in tables if len(t)]
    if not frames:
        return []
    points = pd.concat(frames).drop_duplicates("x")
    return points.sort_values(["all rows", "n train"])["x"].tolist()


def roc_curves(
    source: PredictionSource, run_ids: Iterable[str], row_ids: np.ndarray | None = None
) -> dict[str, dict]:
    """{run id: {"fpr", "tpr", "auc"}}, on `row_ids` only when given. Multi-class runs give the
    micro-average one-vs-rest curve."""
    curves = {}
    for run_id in run_ids:
        frame = read_predictions(source, run_id)
        if row_ids is not None:
            frame = frame[frame["row_id"].isin(row_ids)]
        classes = class_names_of(frame)
        labels, probabilities = labels_and_probabilities(frame, classes)
        try:
            points = roc_curve_points(labels, probabilities, classes)
            metrics = score_rows(frame, n_bootstrap=0)
        except MetricsError as error:
            raise ResultsError(f"Run {run_id}: {error}") from None
        curves[run_id] = {"fpr": points["fpr"], "tpr": points["tpr"], "auc": metrics["auc"]}
    return curves
