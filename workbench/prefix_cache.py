"""The key/value cache of the tokens every prompt starts with, computed once and reused by every
batch: TALLRec's instruction, an Alpaca or chat wrapper, a fixed set of few-shot examples.

    shared = SharedPrefix.build(model, sequences)   # None when too short to be worth it
    inputs = shared.inputs(suffixes, pad_id) if shared else left_padded(sequences, ...)

Each prompt's token ids are the shared prefix followed by its own suffix, so scoring the suffix on
top of the prefix's cache reads the same positions as scoring the whole prompt: only the prefix's
layers are not recomputed. Suffixes are left padded; the padding sits between the prefix and the
suffix, masked out, and position ids skip it, so each row sees the positions it would alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from workbench.models.forward_args import accepts, left_pad

MIN_SHARED_TOKENS = 8  # below this the cache copy costs about what it saves


def common_prefix_length(sequences: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix all sequences share, leaving each at least one token of
    its own (the last position is where the answer is read)."""
    if not sequences:
        return 0
    first, shortest = sequences[0], min(len(ids) for ids in sequences)
    length = 0
    while length < shortest - 1 and all(ids[length] == first[length] for ids in sequences):
        length += 1
    return length


def supports_prefix_cache(model) -> bool:
    """Prompt and prefix tuning feed their own virtual tokens through the cache, and a few older
    architectures take no position ids: those models score every prompt whole."""
    config = getattr(model, "active_peft_config", None)
    if config is not None and getattr(config, "is_prompt_learning", False):
        return False
    return accepts(model, "past_key_values") and accepts(model, "position_ids")


@dataclass
class SharedPrefix:
    length: int
    keys_values: list[tuple[torch.Tensor, torch.Tensor]]  # per layer, batch 1
    config: object

    @classmethod
    def build(cls, model, sequences: Sequence[Sequence[int]]) -> SharedPrefix | None:
        length = common_prefix_length(sequences)
        if length < MIN_SHARED_TOKENS or not supports_prefix_cache(model):
            return None
        from transformers import DynamicCache

        prefix = torch.tensor([list(sequences[0][:length])], dtype=torch.long, device=model.device)
        cache = DynamicCache(config=model.config)
        model(input_ids=prefix, past_key_values=cache, use_cache=True, logits_to_keep=1)
        layers = [(layer.keys, layer.values) for layer in cache.layers]
        return cls(length=length, keys_values=layers, config=model.config)

    def suffixes(self, sequences: Sequence[Sequence[int]]) -> list[list[int]]:
        return [list(ids[self.length:]) for ids in sequences]

    def cache_for(self, batch_size: int):
        """A fresh cache holding the prefix once per row (views: the model appends to a copy)."""
        from transformers import DynamicCache

        expanded = [(k.expand(batch_size, -1, -1, -1), v.expand(batch_size, -1, -1, -1))
                    for k, v in self.keys_values]
        return DynamicCache(ddp_cache_data=expanded, config=self.config)

    def inputs(self, suffixes: list[list[int]], pad_id: int, device) -> dict:
        """Model inputs for left-padded suffixes on top of the prefix cache."""
        input_ids, suffix_mask = left_pad(suffixes, pad_id)
        position_ids = self.length + (suffix_mask.cumsum(dim=1) - 1).clamp(min=0)
        attention_mask = torch.cat(
            [torch.ones((len(suffixes), self.length), dtype=torch.long), suffix_mask], dim=1)
        return {
            "input_ids": input_ids.to(device),
            "attention_mask": attention_mask.to(device),
            "position_ids": position_ids.to(device),
            "past_key_values": self.cache_for(len(suffixes)),
        }
