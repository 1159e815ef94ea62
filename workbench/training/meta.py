"""A method's model without its weights: parameter counts and the architecture's shape in a
fraction of a second, for any model whose config can be read.

The base model is built from its config on PyTorch's "meta" device (tensors with a shape and no
storage) and set up by the very function fine-tuning uses (the setup of the method's entry in
workbench.tuners), so the trainable count is the real one. Quantization is not applied
(bitsandbytes needs real weights); the quantizable weights are counted instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn

from workbench.errors import ModelUnavailableError
from workbench.hub import hub_reachable
from workbench.models.loading import resolve_source
from workbench.models.registry import get_model_info
from workbench.specs import TrainingSpec
from workbench.training.methods import METHODS, count_parameters
from workbench.tuners.common import default_target_modules, linear_module_names

# The options that change which parameters exist or train.
COUNT_FIELDS = {"method", "lora_r", "target_modules", "last_k", "num_virtual_tokens"}
OUTPUT_LAYERS = ("lm_head", "score", "classifier")  # bitsandbytes keeps these in full precision


@dataclass(frozen=True)
class ModelShape:
    """What memory and speed depend on, read from the model's config."""

    trainable: int
    total: int  # every parameter, counted as unquantized
    quantizable: int  # weights of the Linear layers a 4-bit or 8-bit load quantizes
    hidden_size: int
    layers: int
    heads: int
    vocab_size: int


def base_config(model_name: str, num_labels: int | None = None):
    """The model's transformers config (from the local files, else the hub)."""
    from transformers import AutoConfig

    source, local_only = resolve_source(get_model_info(model_name), lambda _: None)
    extra = {"num_labels": num_labels} if num_labels else {}
    try:
        return source, AutoConfig.from_pretrained(source, local_files_only=True, **extra)
    except (OSError, ValueError) as error:
        if local_only or not hub_reachable():
            raise ModelUnavailableError(
                f"Cannot read the configuration of '{model_name}': it is not in the local cache "
                "and the Hugging Face hub is not reachable."
            ) from error
    try:
        return source, AutoConfig.from_pretrained(source, **extra)
    except (OSError, ValueError) as error:
        raise ModelUnavailableError(f"Cannot read the configuration of '{model_name}': {error}") from None


def meta_model(model_name: str, training: TrainingSpec, num_labels: int):
    """The method's model on the meta device: every parameter, no storage."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    method = METHODS[training.method]
    classifier = method.is_classifier
    source, config = base_config(model_name, num_labels if classifier else None)
    # Prompt tuning's initial text changes values, never counts; it would need real embeddings.
    training = training.model_copy(update={"prompt_init_text": None, "gradient_checkpointing": False})
    with torch.device("meta"):
        auto = AutoModelForSequenceClassification if classifier else AutoModelForCausalLM
        base = auto.from_config(config)
        quantizable = sum(
            module.weight.numel() for name, module in base.named_modules()
            if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] not in OUTPUT_LAYERS
        )
        model = method.setup(base, training, source)
    return model, config, quantizable


@functools.lru_cache(maxsize=64)
def _shape(model_name: str, training_json: str, num_labels: int) -> ModelShape:
    training = TrainingSpec.model_validate_json(training_json)
    model, config, quantizable = meta_model(model_name, training, num_labels)
    trainable, total = count_parameters(model)
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    hidden = getattr(text_config, "hidden_size", None) or getattr(text_config, "n_embd", 0)
    return ModelShape(
        trainable=trainable, total=total, quantizable=quantizable, hidden_size=int(hidden),
        layers=int(getattr(text_config, "num_hidden_layers", None) or getattr(text_config, "n_layer", 0)),
        heads=int(getattr(text_config, "num_attention_heads", None) or getattr(text_config, "n_head", 0)),
        vocab_size=int(getattr(text_config, "vocab_size", 0)),
    )


def model_shape(model_name: str, training: TrainingSpec, num_labels: int = 2) -> ModelShape:
    """Parameter counts and shape of the method's model, cached per (model, counting options)."""
    return _shape(model_name, training.model_dump_json(include=COUNT_FIELDS), num_labels)


@functools.lru_cache(maxsize=8)
def target_module_choices(model_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(short names of the model's Linear layers, the LoRA targets used when none are named)."""
    model, _, _ = meta_model(model_name, TrainingSpec(method="full"), 2)
    return tuple(linear_module_names(model)), tuple(default_target_modules(model))
