"""Fine-tuning runs as the Training page shows them: the queue, the recent runs, a run's curves,
and what a stopped run kept, in words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

import pandas as pd

from workbench.experiments.history import read_history
from workbench.results import first_paragraph
from workbench.store import ACTIVE_STATUSES, RunRecord
from workbench.tuners import METHOD_TITLES

STAGES = {
    "loading data": "Loading the data",
    "loading model": "Loading the model",
    "writing prompts": "Writing the prompts",
    "training": "Training",
    "scoring": "Scoring the test rows",
}


def fine_tuning(records: Iterable[RunRecord]) -> list[RunRecord]:
    return [record for record in records if record.kind == "finetune"]


def queue_positions(records: Iterable[RunRecord]) -> dict[str, int]:
    """Queued runs' places in the queue (1 = next), oldest first."""
    queued = sorted((r for r in records if r.status == "queued"), key=lambda r: r.created_at)
    return {record.id: place for place, record in enumerate(queued, start=1)}


def method_title(record: RunRecord) -> str:
    return METHOD_TITLES.get(record.method, record.method)


def run_title(record: RunRecord) -> str:
    return record.name or f"{method_title(record)} on {record.dataset}"


def picker_label(record: RunRecord) -> str:
    """Stable between reruns (no status): a select box sends its label back."""
    created = datetime.fromtimestamp(record.created_at).strftime("%b %d %H:%M")
    return f"{created} · {run_title(record)} · {record.model} · #{record.id[-6:]}"


def stage_text(progress: dict) -> str:
    """"Training: step 12 of 16", "Scoring the test rows: 80 of 200"."""
    stage = progress.get("stage") or "starting"
    label = STAGES.get(stage, stage[:1].upper() + stage[1:])
    done, total = progress.get("done"), progress.get("total")
    if not total or stage not in ("training", "scoring"):
        return label
    unit = "step " if stage == "training" else ""
    return f"{label}: {unit}{done:,} of {total:,}"


def progress_fraction(progress: dict) -> float:
    done, total = progress.get("done") or 0, progress.get("total") or 0
    return min(max(done / total, 0.0), 1.0) if total else 0.0


def runs_table(records: Iterable[RunRecord]) -> pd.DataFrame:
    """One row per run, newest first: what, how it went, how good, how long."""
    rows = []
    for record in records:
        metrics, data = record.metrics, record.spec.get("data") or {}
        test = metrics.get("test") or {}
        rows.append({
            "created": datetime.fromtimestamp(record.created_at).strftime("%b %d %H:%M"),
            "run": run_title(record),
            "status": record.status,
            "method": method_title(record),
            "data set": record.dataset,
            "training rows": metrics.get("n_train", data.get("n_train")),
            "test AUC": test.get("auc"),
            "time (s)": round(record.seconds) if record.seconds else None,
            "trainable parameters": metrics.get("trainable_parameters"),
            "id": record.id,
        })
    table = pd.DataFrame(rows, columns=[
        "created", "run", "status", "method", "data set", "training rows", "test AUC", "time (s)",
        "trainable parameters", "id",
    ])
    for column in ("training rows", "time (s)", "trainable parameters"):
        table[column] = table[column].astype("Int64")
    return table


def history_frame(history: Iterable[dict]) -> pd.DataFrame:
    """Training history entries as columns: step, epoch, loss, learning_rate, val_auc, ..."""
    frame = pd.DataFrame(list(history))
    for column in ("step", "loss", "val_auc", "val_loss", "val_accuracy"):
        if column not in frame:
            frame[column] = pd.Series(dtype=float)
    return frame.sort_values("step", kind="stable").reset_index(drop=True) if len(frame) else frame


def kept_step(record: RunRecord) -> int | None:
    """The step whose weights early stopping kept (None without early stopping)."""
    if not (record.spec.get("training") or {}).get("early_stopping_patience"):
        return None
    return record.metrics.get("best_step")


def done_summary(record: RunRecord) -> str:
    """"256 training rows, 16 steps, 200 test rows on cpu (bf16)."."""
    metrics = record.metrics
    parts = [
        f"{metrics[name]:,} {unit}"
        for name, unit in (("n_train", "training rows"), ("steps", "steps"), ("n_test", "test rows"))
        if metrics.get(name) is not None
    ]
    text = ", ".join(parts)
    if metrics.get("device"):
        text += f" on {metrics['device']}"
    if metrics.get("precision"):
        text += f" ({metrics['precision']})"
    text += "."
    best = kept_step(record)
    if best is not None and best != metrics.get("steps"):
        text += f" The weights of step {best}, the best validation AUC, were kept."
    return text


def run_history(record: RunRecord) -> list[dict]:
    """Training history: history.jsonl while the run is active, its metrics once it ended."""
    if record.status not in ACTIVE_STATUSES and record.metrics.get("history"):
        return list(record.metrics["history"])
    return read_history(record.folder) if record.folder else []


def stopped_message(record: RunRecord) -> str:
    """What a cancelled or interrupted run kept, in one line."""
    metrics = record.metrics
    if record.status == "cancelled" and metrics.get("cancelled_early"):
        steps = metrics.get("steps")
        auc = (metrics.get("test") or {}).get("auc")
        scored = f" (test AUC {auc:.3f})" if auc is not None else ""
        return (
            f"Cancelled after {steps} training steps. What it had learned so far was saved and "
            f"scored on the test rows{scored}; it is kept here but never reused for the same spec."
        )
    if record.status == "cancelled":
        when = "before it started" if not record.started_at else "before it finished training"
        return f"Cancelled {when}: no trained model or test scores were kept, only its log."
    if record.status == "interrupted":
        return (
            "Interrupted: the process running it ended without finishing (the app stopped or "
            "restarted). Nothing was kept but its log; start it again to train it."
        )
    return first_paragraph(record.error)


def failure_details(record: RunRecord) -> str:
    """Everything after the reason (the traceback), if any."""
    text = (record.error or "").strip()
    reason = first_paragraph(text)
    return text[len(reason):].strip()
