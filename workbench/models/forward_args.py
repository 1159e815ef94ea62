"""What a model's forward takes, and token ids left padded for it."""

from __future__ import annotations

import inspect

import torch


def accepts(model, argument: str) -> bool:
    """Whether model.forward takes `argument` (nearly every causal LM takes position_ids,
    past_key_values and logits_to_keep; a few older ones do not)."""
    parameters = inspect.signature(model.forward).parameters
    return argument in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def left_pad(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input ids, attention mask), each row ending at the last column."""
    width = max(len(ids) for ids in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, ids in enumerate(sequences):
        input_ids[row, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, width - len(ids):] = 1
    return input_ids, attention_mask
