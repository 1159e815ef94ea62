"""QLoRA (Dettmers et al., 2023): LoRA on a base whose Linear weights load in 4 bits (NF4,
bitsandbytes)."""

from __future__ import annotations

from workbench.tuners.common import LORA_OPTIONS, setup_quantized_lora
from workbench.tuners.registry import Tuner, register

QLORA = register(Tuner(
    name="qlora", title="QLoRA (4-bit base)",
    summary="LoRA on a base model stored in 4 bits: about a quarter of the memory for the "
    "weights, slower on a CPU.",
    setup=setup_quantized_lora, quantization="4bit", peft=True, options=LORA_OPTIONS,
    reference_speed=(5.9, 15.2),
))
