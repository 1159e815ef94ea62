"""IA³ (Liu et al., 2022): learned scaling vectors for the attention keys, values and
feed-forward layers (peft's IA3Config)."""

from __future__ import annotations

from workbench.tuners.common import default_target_modules
from workbench.tuners.registry import Tuner, register


def setup_ia3(model, training, source: str):
    from peft import IA3Config, get_peft_model

    config = IA3Config(task_type="CAUSAL_LM", target_modules=training.target_modules)
    try:
        return get_peft_model(model, config)
    except ValueError:  # peft knows no default modules for this architecture
        modules = default_target_modules(model)
        config = IA3Config(task_type="CAUSAL_LM", target_modules=modules, feedforward_modules=[])
        return get_peft_model(model, config)


IA3 = register(Tuner(
    name="ia3", title="IA³",
    summary="Learns one scaling vector for the attention keys, values and feed-forward layers: "
    "even fewer parameters than LoRA.",
    setup=setup_ia3, peft=True, reference_speed=(7.1, 21.9),
))
