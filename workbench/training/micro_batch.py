"""How many rows go through the model at once on a CPU: a batch of 16 long prompts is split into
micro-batches whose gradients add up to the batch's (gradient accumulation), so that the saved
activations of one micro-batch fit a fixed memory budget.

Training keeps every layer's activations of every token until the backward pass: measured on
SmolLM2-135M with LoRA on every projection (workbench.tuners.fused_lora), peak resident memory
grew by about 65 bytes per hidden unit per layer per token (1.1 MB a token) under bf16 autocast
and about 135 (2.3 MB a token) in float32: California micro-batches of 4 rows peaked at 2.1 GB in
float32 (2.41 examples/s) and of 8 rows at 3.05 GB (2.53 examples/s). On a CPU smaller
micro-batches cost little or no speed (the matrices stay large enough, and short rows are no
longer padded to the batch's longest): with bench/training.py on TALLRec prompts, 1.9 examples/s
in whole batches of 16 (8.4 GB peak) against 2.3 in micro-batches (2.5 GB). On a GPU the batch
stays whole: there a larger batch is faster.
"""

from __future__ import annotations

from typing import Sequence

ACTIVATION_BUDGET_BYTES = 1.5e9
# by the precision training runs in (workbench.training.trainer.mixed_precision)
BYTES_PER_HIDDEN_UNIT_AND_LAYER = {"bf16": 65, "fp16": 65, "fp32": 135}


def bytes_per_token(config, precision: str = "bf16") -> float:
    hidden = getattr(config, "hidden_size", None) or getattr(config, "n_embd", None) or 1024
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", None) or 24
    return BYTES_PER_HIDDEN_UNIT_AND_LAYER[precision] * hidden * layers


def micro_batch_size(batch_size: int, lengths: Sequence[int], config, device: str,
                     precision: str = "bf16") -> int:
    """The largest divisor of `batch_size` whose micro-batches of the longest rows stay within the
    activation budget (at least 1); the whole batch on a GPU."""
    if device != "cpu" or not lengths:
        return batch_size
    tokens = ACTIVATION_BUDGET_BYTES / bytes_per_token(config, precision)
    longest = max(lengths)
    fitting = [size for size in range(1, batch_size + 1)
               if batch_size % size == 0 and size * longest <= tokens]
    return max(fitting, default=1)
