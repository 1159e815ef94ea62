"""The model a fine-tuning run trains: the spec's base model loaded as its method's entry says
(workbench.tuners: a causal LM or the base with a fresh classification layer, quantized or not),
then set up by the entry so that only the method's parameters train.

Causal methods keep the language-model head and learn the answer words; classifier methods (the
head and head_lora) put a fresh classification layer on the same base. Weights load in float32 unless the spec asks
otherwise: the Trainer then runs bf16 autocast where the hardware has it, keeping float32 master
weights (bf16 weights would lose small updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from workbench.models import load_model
from workbench.models.allocator import tune_allocator
from workbench.models.hardware import dtype_name, pick_device, pick_dtype
from workbench.models.loading import LoadedModel, load_tokenizer, resolve_source
from workbench.models.registry import get_model_info
from workbench.specs import FinetuneSpec
from workbench.tuners import CLASSIFIER_METHODS, PEFT_METHODS, TUNERS
from workbench.tuners.common import TrainingSetupError

# Each method's entry (workbench.tuners): its base kind, its quantization, its setup.
METHODS = TUNERS
__all__ = ["CLASSIFIER_METHODS", "METHODS", "PEFT_METHODS", "Trainable", "TrainingSetupError",
           "build_trainable", "count_parameters", "load_causal", "load_classifier", "trainable_from",
           "training_dtype"]


@dataclass
class Trainable:
    model: Any
    tokenizer: Any
    method: str
    device: str
    dtype: str  # the weights' dtype
    source: str  # the base model's folder or hub id
    notes: list[str]

    @property
    def is_peft(self) -> bool:
        return METHODS[self.method].peft

    @property
    def is_classifier(self) -> bool:
        return METHODS[self.method].is_classifier


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts (4-bit weights count as stored, two per byte)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def training_dtype(spec: FinetuneSpec) -> str:
    return "float32" if spec.model.dtype == "auto" else spec.model.dtype


# --- loading -------------------------------------------------------------------------------------


def load_causal(spec: FinetuneSpec, quantization: str = "none") -> LoadedModel:
    if quantization == "none":
        dtype = training_dtype(spec)
    else:  # the compute dtype of the quantized layers: the device's fast one
        dtype = dtype_name(pick_dtype(pick_device(spec.model.device), spec.model.dtype))
    return load_model(spec.model.name, device=spec.model.device, dtype=dtype, quantization=quantization)


def trainable_from(loaded: LoadedModel, model, method: str) -> Trainable:
    return Trainable(
        model=model, tokenizer=loaded.tokenizer, method=method, device=loaded.device,
        dtype=loaded.dtype, source=loaded.source, notes=list(loaded.notes),
    )


def load_classifier(spec: FinetuneSpec, num_labels: int) -> Trainable:
    """The base model with a fresh classification layer reading the last real token."""
    from transformers import AutoModelForSequenceClassification

    tune_allocator()
    info = get_model_info(spec.model.name)
    source, local_only = resolve_source(info, lambda _: None)
    device = pick_device(spec.model.device)
    tokenizer = load_tokenizer(source, local_only)
    torch.manual_seed(spec.training.seed)  # the new layer's random start: the same run, the same start
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=num_labels, dtype=getattr(torch, training_dtype(spec)),
        local_files_only=local_only,
    )
    model.config.pad_token_id = tokenizer.pad_token_id  # finds each row's last real token
    model.to(device)
    notes = [] if info.trained else ["untrained: random weights, answers are noise"]
    return Trainable(model, tokenizer, spec.training.method, device, training_dtype(spec), source, notes)


def build_trainable(spec: FinetuneSpec, num_labels: int) -> Trainable:
    """The spec's base model, set up so that only the method's parameters train."""
    method = METHODS[spec.training.method]
    if method.is_classifier:
        trainable = load_classifier(spec, num_labels)
        trainable.model = method.setup(trainable.model, spec.training, trainable.source)
        return trainable
    loaded = load_causal(spec, quantization=method.quantization)
    torch.manual_seed(spec.training.seed)  # new weights (LoRA's A, virtual tokens) start the same
    model = method.setup(loaded.model, spec.training, loaded.source)
    return trainable_from(loaded, model, spec.training.method)
