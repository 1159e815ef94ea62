"""LoRA on a base whose Linear weights load in 8 bits (bitsandbytes' LLM.int8())."""

from __future__ import annotations

from workbench.tuners.common import LORA_OPTIONS, setup_quantized_lora
from workbench.tuners.registry import Tuner, register

LORA_8BIT = register(Tuner(
    name="lora8bit", title="LoRA on an 8-bit base",
    summary="LoRA on a base model stored in 8 bits: half the memory for the weights, slower on "
    "a CPU.",
    setup=setup_quantized_lora, quantization="8bit", peft=True, options=LORA_OPTIONS,
    reference_speed=(4.9, 12.3),
))
