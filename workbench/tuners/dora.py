"""DoRA (Liu et al., 2024, "Weight-Decomposed Low-Rank Adaptation"): LoRA that splits each adapted
weight into a magnitude and a direction, trains the magnitude (one value per output) as it is and
the direction through the low-rank matrices; peft's LoraConfig(use_dora=True). The same options,
adapter folder and loading code as LoRA; each step also recomputes the adapted weights' norms,
so steps are slower than LoRA's."""

from __future__ import annotations

from workbench.tuners.common import LORA_OPTIONS, lora_config, with_peft
from workbench.tuners.registry import Tuner, register


def setup_dora(model, training, source: str):
    config = lora_config(training, model, use_dora=True)
    return with_peft(model, config, training.gradient_checkpointing)


DORA = register(Tuner(
    name="dora", title="DoRA",
    summary="LoRA that also learns each adapted layer's magnitude apart from its direction: "
    "often closer to full fine-tuning than LoRA, with slower steps.",
    setup=setup_dora, peft=True, options=LORA_OPTIONS,
    # LoRA's reference speed times DoRA's measured ratio to it: 0.73x in training and 0.74x in
    # scoring (bench/training_speeds.py --methods lora dora lora dora --threads 1, from CPU time
    # on the reference 2-core EPYC while it was busy; wall-clock ratios the same).
    reference_speed=(4.8, 15.3),
))
