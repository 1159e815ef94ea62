"""Last layers: only the last k transformer blocks and the final norm train."""

from __future__ import annotations

from workbench.tuners.common import decoder_blocks, final_norms
from workbench.tuners.registry import Tuner, register


def setup_last_layers(model, training, source: str):
    model.requires_grad_(False)
    for block in decoder_blocks(model)[-training.last_k:]:
        block.requires_grad_(True)
    for norm in final_norms(model):
        norm.requires_grad_(True)
    return model


def trained_blocks(training, layers: int) -> int:
    """Only the blocks from the lowest trained one up need their activations for the backward."""
    return min(training.last_k, layers)


def all_blocks_warning(training, layers: int | None) -> list[str]:
    if layers and training.last_k >= layers:
        return [f"Last layers: the model has {layers} blocks, so k = {training.last_k} trains all "
                "of them (like full fine-tuning)."]
    return []


LAST_LAYERS = register(Tuner(
    name="last_layers", title="Last layers only",
    summary="Trains only the last k transformer blocks and the final norm; the lower layers stay "
    "as they are.",
    setup=setup_last_layers, options=("last_k",), reference_speed=(18.5, 26.4),
    trained_blocks=trained_blocks, warnings=all_blocks_warning,
))
