"""Prefix tuning (Li & Liang, 2021): learned key/value vectors that every layer attends to; the
model stays frozen (peft's PrefixTuningConfig)."""

from __future__ import annotations

from workbench.tuners.common import TrainingSetupError
from workbench.tuners.registry import Tuner, register


def setup_prefix(model, training, source: str):
    from peft import PrefixTuningConfig, get_peft_model

    if training.gradient_checkpointing:
        # Recomputed blocks lose the prefix's cached keys and values: the shapes then disagree.
        raise TrainingSetupError(
            "Prefix tuning cannot run with gradient checkpointing: the learned prefix enters each "
            "block as cached keys and values, which checkpointing's recomputation leaves out. "
            "Turn gradient checkpointing off (prefix tuning trains few parameters and needs "
            "little memory anyway), or use prompt tuning or LoRA."
        )
    config = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=training.num_virtual_tokens)
    return get_peft_model(model, config)


PREFIX = register(Tuner(
    name="prefix", title="Prefix tuning",
    summary="Learns a few key/value vectors that every layer attends to, as if a learned prefix "
    "came first; the model stays frozen.",
    setup=setup_prefix, peft=True, options=("num_virtual_tokens",), reference_speed=(7.5, 23.7),
))
