"""Classification head: the base with a new layer giving one score per class (read at the last
real token), trained together with the whole model."""

from __future__ import annotations

from workbench.tuners.common import train_everything
from workbench.tuners.registry import Tuner, register

HEAD = register(Tuner(
    name="head", title="Classification head",
    summary="Replaces the next-word output with a new layer giving one score per class, and "
    "trains it together with the whole model.",
    setup=train_everything, base="classifier", reference_speed=(5.6, 26.9),
))
