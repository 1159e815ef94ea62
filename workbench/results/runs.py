"""Describing one stored run: its method family and label, its training and test rows, and a
label that tells it from the other runs on a page."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Iterable

from workbench.baselines import METHOD_LABELS
from workbench.store import RunRecord

FAMILIES = ("zero-shot", "few-shot", "fine-tuned", "baseline")


def is_complete(record: RunRecord) -> bool:
    """Done, with test metrics: the runs a leaderboard can show."""
    return record.status == "done" and bool(record.metrics.get("test"))


def method_family(record: RunRecord) -> str:
    if record.kind == "baseline":
        return "baseline"
    if record.method in ("zero-shot", "few-shot"):
        return record.method
    return "fine-tuned"


def method_label(record: RunRecord) -> str:
    """The display label the run wrote ("few-shot (4)", "XGBoost"), else its method."""
    return record.metrics.get("method") or METHOD_LABELS.get(record.method, record.method)


def is_language_model(record: RunRecord) -> bool:
    return record.kind != "baseline"


def template_summary(record: RunRecord) -> str:
    """"list", "list, 4 shots", "text, chat wrapper"; "-" for runs without a prompt."""
    template = record.spec.get("template")
    if not template:
        return "-"
    parts = [template.get("serializer", "?")]
    shots = template.get("shots") or 0
    if shots:
        parts.append(f"{shots} shot" + ("s" if shots > 1 else ""))
    if template.get("wrapper", "none") != "none":
        parts.append(f"{template['wrapper']} wrapper")
    return ", ".join(parts)


def run_data(record: RunRecord) -> dict:
    return record.spec.get("data") or {}


def uses_all_training_rows(record: RunRecord) -> bool:
    """Trained on the whole training part (no n_train), as opposed to a sample of it."""
    return record.kind != "evaluate" and run_data(record).get("n_train") is None


def train_rows(record: RunRecord) -> int:
    """Labelled rows the method learnt from: shots for prompting, training rows otherwise."""
    value = record.metrics.get("n_train")
    if value is None:
        value = (record.spec.get("template") or {}).get("shots", 0)
    return int(value)


def train_rows_label(record: RunRecord) -> str:
    count = train_rows(record)
    return f"all ({count:,})" if uses_all_training_rows(record) else f"{count:,}"


def test_rows_label(record: RunRecord) -> str:
    """Which test rows a run was scored on, from its spec: runs with the same label share rows."""
    data = run_data(record)
    if data.get("test_file"):
        where = f"file {Path(data['test_file']).name}"
    else:
        where = f"seed {data.get('split_seed', '?')}, {data.get('test_fraction', 0):.0%} test"
        if data.get("stratify"):
            where += ", stratified"
    count = record.metrics.get("n_test") or record.metrics.get("test", {}).get("n")
    if data.get("n_test") is None:
        return f"{where}, all {count:,} rows" if count else f"{where}, all rows"
    return f"{where}, {count:,} rows (sample {data.get('sample_seed', 0)})"


def run_label(record: RunRecord) -> str:
    """A short, unique, stable name for charts and pickers."""
    parts = [method_label(record)]
    if record.model:
        parts.append(record.model)
    if record.kind == "baseline":
        parts.append(f"{train_rows_label(record)} rows")
    parts.append(f"#{record.id[-6:]}")
    return " · ".join(parts)


def label_parts(record: RunRecord) -> dict[str, str]:
    """What may tell a run from the others: method, its name or template, model, rows."""
    parts = {"method": method_label(record)}
    if record.name:
        parts["template"] = record.name
    elif is_language_model(record):
        parts["template"] = f"{template_summary(record)} template"
    if is_language_model(record) and record.model:
        parts["model"] = record.model
    if record.kind != "evaluate":
        parts["rows"] = f"{train_rows_label(record)} rows"
    return parts


def run_labels(records: Iterable[RunRecord]) -> dict[str, str]:
    """Run id -> a label naming what differs between these runs ("zero-shot · text template",
    "LoRA · 256 rows"); a run id's end is added only where two labels would still be equal."""
    parts = {record.id: label_parts(record) for record in records}
    names = {name for each in parts.values() for name in each}
    differing = {"method"} | {
        name for name in names
        if len({each[name] for each in parts.values() if name in each}) > 1
    }
    labels = {
        run_id: " · ".join(value for name, value in each.items() if name in differing)
        for run_id, each in parts.items()
    }
    repeated = Counter(labels.values())
    return {
        run_id: label if repeated[label] == 1 else f"{label} · #{run_id[-6:]}"
        for run_id, label in labels.items()
    }


def first_paragraph(text: str | None) -> str:
    """A failed run's reason without its traceback (stored after a blank line)."""
    return (text or "").strip().split("\n\n")[0]


def created(record: RunRecord) -> datetime:
    return datetime.fromtimestamp(record.created_at)
