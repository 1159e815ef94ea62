"""What every run kind shares: progress reporting, stopping, and the common metrics record."""

from __future__ import annotations

from typing import Callable

import numpy as np

from workbench.metrics import classification_metrics

# progress(stage, done, total): "loading model", "scoring", ...
Progress = Callable[[str, int, int], None]
ShouldStop = Callable[[], bool]


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def never_stop() -> bool:
    return False


class RunCancelled(Exception):
    """Raised inside a run when its should_stop callback says so."""


def test_metrics_record(
    labels: np.ndarray, probabilities: np.ndarray, classes: list[str], **extra
) -> dict:
    """metrics.json: `test` holds the scikit-learn metrics; the rest describes the run."""
    return {"test": classification_metrics(labels, probabilities, classes), **extra}
