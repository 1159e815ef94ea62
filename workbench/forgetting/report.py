"""Forgetting runs side by side: the table, the JSON the CLI prints, and the text it prints."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from workbench.forgetting.labels import FORGETTING_DEFINITION, METHOD_TITLES
from workbench.forgetting.metrics import matrix_frame
from workbench.store import RunRecord


def finished(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [record for record in records if record.status == "done" and record.metrics.get("matrix")]


def run_title(record: RunRecord) -> str:
    metrics = record.metrics
    title = METHOD_TITLES.get(record.method, record.method)
    if metrics.get("ewc_lambda") is not None:
        title += f" (lambda {metrics['ewc_lambda']:g})"
    if metrics.get("replay_fraction") is not None:
        title += f" ({metrics['replay_fraction']:.0%} replay)"
    return title


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def summary_row(record: RunRecord) -> dict:
    """One method's figures, with the first task as "A" and the last as the final row."""
    metrics = record.metrics
    matrix = np.asarray(metrics["matrix"], dtype=float)
    tasks = metrics["tasks"]
    first, last = tasks[0], tasks[-1]
    perplexity = metrics.get("perplexity") or []
    return {
        "method": run_title(record),
        f"{first} before": matrix[0, 0],
        f"{first} after learning it": matrix[1, 0],
        f"{first} at the end": matrix[-1, 0],
        f"forgetting of {first}": _number(metrics["forgetting"][0]),
        f"{last} at the end": matrix[-1, -1],
        "average accuracy at the end": metrics["average_accuracy"],
        "backward transfer": _number(metrics["backward_transfer"]),
        "perplexity before": _number(perplexity[0]) if perplexity else None,
        "perplexity at the end": _number(perplexity[-1]) if perplexity else None,
        "minutes": (metrics.get("seconds") or 0) / 60,
        "run": record.id,
    }


def summary_table(records: Sequence[RunRecord]) -> pd.DataFrame:
    return pd.DataFrame([summary_row(record) for record in finished(records)])


def comparison_json(spec, records: Sequence[RunRecord], cached: Sequence[bool]) -> dict:
    runs = []
    for record, from_store in zip(records, cached):
        metrics = record.metrics
        runs.append({
            "run_id": record.id, "name": record.name, "method": record.method,
            "status": record.status, "cached": from_store, "error": record.error,
            **{key: metrics.get(key) for key in (
                "matrix", "forgetting", "forgetting_avalanche", "backward_transfer",
                "average_accuracy", "perplexity", "perplexity_change", "within_task_matrix",
                "ewc_lambda", "replay_fraction", "seconds", "reused_first_stage")},
        })
    return {
        "tasks": spec.task_labels, "setting": spec.setting, "model": spec.model.name,
        "matrix_rows": ["before training"] + [f"after {label}" for label in spec.task_labels],
        "forgetting_definition": FORGETTING_DEFINITION, "runs": runs,
    }


def _percent(value) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}"


def comparison_text(records: Sequence[RunRecord]) -> str:
    blocks = []
    for record in records:
        if record.status != "done":
            blocks.append(f"{record.name}: {record.status}")
            continue
        metrics = record.metrics
        frame = matrix_frame(metrics["matrix"], metrics["tasks"]) * 100
        forgetting = ", ".join(
            f"{task} {_percent(value)}" for task, value in zip(metrics["tasks"], metrics["forgetting"])
            if value is not None)
        perplexity = metrics.get("perplexity") or []
        lines = [
            f"{run_title(record)} (run {record.id}, {(metrics.get('seconds') or 0) / 60:.1f} min)",
            "accuracy (%):", frame.round(1).to_string(),
            f"forgetting (points): {forgetting}; backward transfer "
            f"{_percent(metrics['backward_transfer'])}; average accuracy "
            f"{_percent(metrics['average_accuracy'])}",
        ]
        if perplexity and None not in (perplexity[0], perplexity[-1]):
            lines.append(f"perplexity on held-out reviews: {perplexity[0]:.1f} -> {perplexity[-1]:.1f}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
