"""How many rows go through the model at once on a CPU: a batch of 16 long prompts is split into
micro-batches whose gradients add up to the batch's (gradient accumulation), so that the saved
activations of one micro-batch fit a fixed memory budget.

Training keeps every layer's activations of every token until the backward pass: measured on
SmolLM2-135M with LoRA on every projection, about 110 bytes per hidden unit per layer per token
(1.9 MB a token). A batch of 16 TALLRec prompts of up to 550 tokens would keep 8 GB; one of them at
a time keeps 1 GB. On a CPU smaller micro-batches cost little or no speed (the matrices stay
large enough, and short rows are no longer padded to the batch's longest): with bench/training.py
on TALLRec prompts, 1.9 examples/s in whole batches of 16 (8.4 GB peak) against 2.3 in
micro-batches (2.5 GB). On a GPU the batch stays whole: there a larger batch is faster.
"""

from __future__ import annotations

from typing import Sequence

ACTIVATION_BUDGET_BYTES = 1.5e9
BYTES_PER_HIDDEN_UNIT_AND_LAYER = 110


def bytes_per_token(config) -> float:
    hidden = getattr(config, "hidden_size", None) or getattr(config, "n_embd", None) or 1024
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layer", None) or 24
    return BYTES_PER_HIDDEN_UNIT_AND_LAYER * hidden * layers


def micro_batch_size(batch_size: int, lengths: Sequence[int], config, device: str) -> int:
    """The largest divisor of `batch_size` whose micro-batches of the longest rows stay within the
    activation budget (at least 1); the whole batch on a GPU."""
    if device != "cpu" or not lengths:
        return batch_size
    tokens = ACTIVATION_BUDGET_BYTES / bytes_per_token(config)
    longest = max(lengths)
    fitting = [size for size in range(1, batch_size + 1)
               if batch_size % size == 0 and size * longest <= tokens]
    return max(fitting, default=1)
