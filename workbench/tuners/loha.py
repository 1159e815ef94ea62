"""LoHa (Hyeon-Woo et al., 2022, "FedPara"; as in LyCORIS): each adapted weight changes by the
Hadamard (element-wise) product of two low-rank products, (A1 B1) * (A2 B2), so rank r pairs reach
a change of rank up to r squared for twice LoRA's parameters; peft's LoHaConfig. It reads LoRA's
rank, alpha and target modules; peft's LoHa has no input dropout like LoRA's, so that option is not
offered."""

from __future__ import annotations

from workbench.tuners.common import target_modules, with_peft
from workbench.tuners.registry import Tuner, register


def setup_loha(model, training, source: str):
    from peft import LoHaConfig

    config = LoHaConfig(task_type="CAUSAL_LM", r=training.lora_r, alpha=training.lora_alpha,
                        target_modules=target_modules(training, model))
    return with_peft(model, config, training.gradient_checkpointing)


LOHA = register(Tuner(
    name="loha", title="LoHa",
    summary="Like LoRA, but each layer's change is the element-wise product of two low-rank "
    "pairs: a higher-rank change for twice LoRA's parameters.",
    setup=setup_loha, peft=True, options=("lora_r", "lora_alpha", "target_modules"),
    # LoRA's reference speed times LoHa's measured ratio to it: 0.54x in training and 0.55x in
    # scoring (every step rebuilds each adapted weight's change from its two pairs), from CPU
    # time of bench/training_speeds.py --methods lora loha lora loha --threads 1 on the reference
    # 2-core EPYC (bf16 path) while another job used the other core.
    reference_speed=(3.5, 11.3),
))
