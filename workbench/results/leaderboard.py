"""The leaderboard (one row per finished run, best AUC first) and the runs it cannot show."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from workbench.metrics import interval_text
from workbench.results.runs import (
    created, first_paragraph, is_complete, method_family, method_label, run_labels,
    template_summary, test_rows_label, train_rows_label,
)
from workbench.store import ACTIVE_STATUSES, RunRecord

LEADERBOARD_COLUMNS = [
    "label", "method", "AUC", "AUC (95% CI)", "accuracy", "F1", "Brier", "n train", "n test",
    "test rows", "model", "template", "family", "seconds", "trainable parameters", "created",
    "rescored", "AUC low", "AUC high", "run",
]
OTHER_RUN_COLUMNS = ["run", "status", "method", "model", "created", "reason"]


def leaderboard(
    records: Iterable[RunRecord], rescored: Mapping[str, dict] | None = None
) -> pd.DataFrame:
    """One row per finished run, best AUC first (then accuracy).

    `rescored` maps run ids to test metrics computed on other rows than the stored ones (see
    `scores_on`); those runs show these numbers and `rescored` True.
    """
    rescored = rescored or {}
    complete = [record for record in records if is_complete(record)]
    labels = run_labels(complete)
    rows = [_leaderboard_row(r, labels[r.id], rescored.get(r.id)) for r in complete]
    table = pd.DataFrame(rows, columns=LEADERBOARD_COLUMNS)
    table["trainable parameters"] = table["trainable parameters"].astype("Int64")
    table = table.sort_values(["AUC", "accuracy"], ascending=False, na_position="last")
    return table.reset_index(drop=True)


def _leaderboard_row(record: RunRecord, label: str, rescored: dict | None) -> dict:
    test = rescored or record.metrics["test"]
    auc, ci = test.get("auc"), test.get("auc_ci")
    seconds = record.metrics.get("seconds")
    return {
        "label": label,
        "method": method_label(record),
        "family": method_family(record),
        "model": record.model or "-",
        "template": template_summary(record),
        "n train": train_rows_label(record),
        "test rows": test_rows_label(record),
        "n test": test.get("n"),
        "AUC": auc if auc is not None else np.nan,
        "AUC (95% CI)": interval_text(auc, ci),
        "AUC low": ci[0] if ci else np.nan,
        "AUC high": ci[1] if ci else np.nan,
        "accuracy": test.get("accuracy"),
        "F1": test.get("f1"),
        "Brier": test.get("brier"),
        "seconds": seconds if seconds is not None else record.seconds,
        "trainable parameters": record.metrics.get("trainable_parameters"),
        "created": created(record),
        "rescored": rescored is not None,
        "run": record.id,
    }


def other_runs(records: Iterable[RunRecord]) -> pd.DataFrame:
    """Runs the leaderboard cannot show (failed, cancelled, interrupted, running, queued, or done
    without metrics), with the reason or the progress."""
    rows = [
        {
            "run": record.id,
            "status": record.status,
            "method": method_label(record),
            "model": record.model or "-",
            "created": created(record),
            "reason": _reason(record),
        }
        for record in records
        if not is_complete(record)
    ]
    return pd.DataFrame(rows, columns=OTHER_RUN_COLUMNS)


def _reason(record: RunRecord) -> str:
    if record.status in ACTIVE_STATUSES:
        progress = record.progress
        if progress.get("total"):
            return f"{progress.get('stage', '')}: {progress.get('done', 0)}/{progress['total']}"
        return progress.get("stage") or record.status
    if record.status == "done":
        return "finished without test metrics"
    return first_paragraph(record.error) or record.status


def damaged_runs(store, records: Iterable[RunRecord]) -> dict[str, str]:
    """{run id: what is wrong with its folder} for runs whose files no longer back their record
    (folder or spec deleted, metrics or predictions damaged). The index still holds their
    numbers, so they stay listed; a page says which ones cannot be trusted row by row."""
    problems = {}
    for record in records:
        problem = store.artifact_problem(record)
        if problem:
            problems[record.id] = f"Run {record.id}: {problem[:1].lower()}{problem[1:]}"
    return problems


def best_runs(table: pd.DataFrame, by: str = "method", limit: int = 6) -> list[str]:
    """Run ids of the best (first) row of each `by` group of a sorted leaderboard."""
    return table.drop_duplicates(by)["run"].head(limit).tolist()
