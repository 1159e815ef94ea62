"""A new classification layer plus LoRA matrices on a frozen base (peft's SEQ_CLS task type trains
the `score` layer too)."""

from __future__ import annotations

from workbench.tuners.common import LORA_OPTIONS, lora_config, with_peft
from workbench.tuners.registry import Tuner, register


def setup_head_lora(model, training, source: str):
    config = lora_config(training, model, task_type="SEQ_CLS")  # trains `score` too
    return with_peft(model, config, training.gradient_checkpointing)


HEAD_LORA = register(Tuner(
    name="head_lora", title="Classification head + LoRA",
    summary="A new classification layer plus LoRA matrices; the base model's weights stay frozen.",
    setup=setup_head_lora, base="classifier", peft=True, options=LORA_OPTIONS,
    reference_speed=(7.0, 20.7),
))
