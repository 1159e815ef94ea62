"""LoRA (Hu et al., 2021): the base stays frozen; small low-rank matrices added to its Linear
layers train (peft's LoraConfig, computed in one addmm: workbench.tuners.fused_lora)."""

from __future__ import annotations

from workbench.tuners.common import LORA_OPTIONS, lora_config, with_peft
from workbench.tuners.registry import Tuner, register


def setup_lora(model, training, source: str):
    return with_peft(model, lora_config(training, model), training.gradient_checkpointing)


LORA = register(Tuner(
    name="lora", title="LoRA",
    summary="Freezes the model and trains small low-rank matrices added to its layers: few "
    "parameters, quick, the usual first choice.",
    setup=setup_lora, peft=True, options=LORA_OPTIONS, reference_speed=(6.6, 20.7),
))
