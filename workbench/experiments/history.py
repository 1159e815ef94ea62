"""A run's training history as it happens: one JSON object per logged step or evaluation, appended
to history.jsonl in the run folder, so a page can draw live loss and validation curves.

    append_history(run_dir, {"step": 3, "loss": 0.69, ...})
    read_history(run_dir)  # [{"step": 3, "loss": 0.69, ...}, ...]
"""

from __future__ import annotations

import json
from pathlib import Path

HISTORY_FILE = "history.jsonl"


def append_history(run_dir: Path, entry: dict) -> None:
    with open(Path(run_dir) / HISTORY_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


def read_history(run_dir: Path) -> list[dict]:
    """The entries written so far; [] before the first one. A reader can meet the writer halfway
    through a line: only lines that end with a newline are complete."""
    try:
        text = (Path(run_dir) / HISTORY_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]
