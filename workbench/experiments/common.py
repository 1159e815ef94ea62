"""What every run kind shares: progress reporting, stopping, and the common metrics record."""

from __future__ import annotations

from typing import Callable

import numpy as np

from workbench.environment import environment
from workbench.metrics import classification_metrics

# progress(stage, done, total, **details): "loading model", "scoring", ...; training adds details
# (epoch, loss, learning_rate, examples_per_second, eta_seconds, val_loss, val_auc, val_accuracy).
Progress = Callable[..., None]
ShouldStop = Callable[[], bool]


def no_progress(stage: str, done: int, total: int, **details) -> None:
    pass


def never_stop() -> bool:
    return False


class RunCancelled(Exception):
    """Raised inside a run when its should_stop callback says so."""


def test_metrics_record(
    labels: np.ndarray, probabilities: np.ndarray, classes: list[str], **extra
) -> dict:
    """metrics.json: `test` holds the scikit-learn metrics; the rest describes the run, with
    the hardware and library versions it ran on (`environment`)."""
    return {"test": classification_metrics(labels, probabilities, classes),
            "environment": environment(), **extra}
