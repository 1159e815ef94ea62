"""LoRA layers that compute `base(x) + scaling * B(A(x))` in two matrix products.

peft's Linear computes `result + lora_B(lora_A(dropout(x))) * scaling`: after the two small
products, a multiply and an add each read and write a whole (tokens x outputs) tensor and leave
a temporary of that size. Here the base product and `addmm` (which adds `scaling * down @ B.T`
into the base output in one pass) do the same sum. On the 2-core development machine, float32
LoRA on every projection of SmolLM2-135M trained California micro-batches of 8 rows at 2.64
examples/s instead of 2.47, peaking at 3.01 GB instead of 3.44 (bench/training.py's setup).

The layer is peft's own LoRA Linear with another forward: the same parameters, state dict and
adapter files, and peft's forward wherever the fast path does not apply (several or no active
adapters, merged weights, dropout, DoRA and other variants, mixed adapter batches). Registered
only for plain torch Linear layers (quantized bases keep peft's bitsandbytes layers):

    config._register_custom_module({torch.nn.Linear: FusedLoraLinear})
"""

from __future__ import annotations

import torch
from peft.tuners.lora.layer import Linear as LoraLinear
from torch import nn


class FusedLoraLinear(LoraLinear):
    def _one_plain_adapter(self, kwargs: dict) -> str | None:
        if self.disable_adapters or self.merged or kwargs.get("adapter_names") is not None:
            return None
        if len(self.active_adapters) != 1 or type(self.get_base_layer()) is not nn.Linear:
            return None
        adapter = self.active_adapters[0]
        if adapter not in self.lora_A or adapter in self.lora_variant:
            return None
        if not isinstance(self.lora_dropout[adapter], nn.Identity):
            return None
        return adapter

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        adapter = self._one_plain_adapter(kwargs)
        if adapter is None or args or kwargs:
            return super().forward(x, *args, **kwargs)
        base = self.get_base_layer()
        flat = x.reshape(-1, x.shape[-1])
        output = nn.functional.linear(flat, base.weight, base.bias)
        down = nn.functional.linear(flat, self.lora_A[adapter].weight.to(flat.dtype))
        up = self.lora_B[adapter].weight.to(flat.dtype)
        if output.dtype != down.dtype:  # autocast ran the base product in another precision
            down, up = down.to(output.dtype), up.to(output.dtype)
        output = torch.addmm(output, down, up.t(), alpha=self.scaling[adapter])
        return output.view(*x.shape[:-1], output.shape[-1])
