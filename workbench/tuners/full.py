"""Full fine-tuning: every weight of the causal LM trains."""

from __future__ import annotations

from workbench.tuners.common import train_everything
from workbench.tuners.registry import Tuner, register

FULL = register(Tuner(
    name="full", title="Full fine-tuning",
    summary="Trains every weight of the model: the most capacity, the most memory, the slowest "
    "steps.",
    setup=train_everything, reference_speed=(4.0, 21.6),
))
