"""The first stage of naive fine-tuning, replay, EWC and multi-task training is the same run: full
fine-tuning on the first task. Its weights and evaluations are kept here once, keyed by
everything they depend on, so a comparison trains that stage once instead of four times.

Entries live in <store root>/forgetting-stages/<key>/ (model.safetensors + stage.json); only the
newest few are kept, as each holds a whole model.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FOLDER = "forgetting-stages"
WEIGHTS = "model.safetensors"
RECORD = "stage.json"
KEEP = 2


def load_stage(cache_dir: Path | None, key: str, model) -> dict | None:
    """The stored record of the stage, with its weights loaded into `model`; None if absent."""
    if cache_dir is None:
        return None
    entry = Path(cache_dir) / key
    try:
        record = json.loads((entry / RECORD).read_text())
    except (OSError, ValueError):
        return None
    from safetensors.torch import load_model

    try:
        load_model(model, str(entry / WEIGHTS), strict=True)
    except Exception:  # noqa: BLE001 - an entry from another model build or a torn write: train instead
        shutil.rmtree(entry, ignore_errors=True)
        return None
    os.utime(entry)  # newest use: kept longest
    return record


def save_stage(cache_dir: Path | None, key: str, model, record: dict) -> None:
    """Store the model's weights and the record; the weights land first, the record last."""
    if cache_dir is None:
        return
    from safetensors.torch import save_model

    cache_dir = Path(cache_dir)
    scratch = cache_dir / f".{key}.{os.getpid()}.tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    save_model(model, str(scratch / WEIGHTS))
    (scratch / RECORD).write_text(json.dumps(record))
    entry = cache_dir / key
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(scratch, entry)
    _prune(cache_dir)


def _prune(cache_dir: Path) -> None:
    entries = sorted(
        (entry for entry in cache_dir.iterdir() if entry.is_dir() and not entry.name.startswith(".")),
        key=lambda entry: entry.stat().st_mtime, reverse=True,
    )
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)

