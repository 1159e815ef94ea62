"""One small builder per training method: each turns the spec's base model into a model whose
trainable parameters are exactly the ones the method trains.

Causal methods keep the language-model head and learn the answer words; `head` and `head_lora`
put a fresh classification layer on the same base. Weights load in float32 unless the spec asks
otherwise: the Trainer then runs bf16 autocast where the hardware has it, keeping float32 master
weights (bf16 weights would lose small updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

from workbench.errors import WorkbenchError
from workbench.models import load_model
from workbench.models.hardware import dtype_name, pick_device, pick_dtype
from workbench.models.loading import LoadedModel, load_tokenizer, resolve_source
from workbench.models.registry import get_model_info
from workbench.specs import FinetuneSpec, TrainingSpec

PEFT_METHODS = {"lora", "qlora", "lora8bit", "prefix", "prompt", "ia3", "head_lora"}
CLASSIFIER_METHODS = {"head", "head_lora"}

DEFAULT_TARGET_MODULES = {
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gpt2": ["c_attn", "c_proj", "c_fc"],
}


class TrainingSetupError(WorkbenchError):
    """The method cannot be set up on this model as asked."""


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
        return self.method in PEFT_METHODS

    @property
    def is_classifier(self) -> bool:
        return self.method in CLASSIFIER_METHODS


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts (4-bit weights count as stored, two per byte)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def training_dtype(spec: FinetuneSpec) -> str:
    return "float32" if spec.model.dtype == "auto" else spec.model.dtype


# --- target modules ------------------------------------------------------------------------------


def linear_module_names(model, exclude: tuple[str, ...] = ("lm_head", "score", "classifier")) -> list[str]:
    """Short names of every Linear layer except the output heads."""
    names = set()
    for full_name, module in model.named_modules():
        short = full_name.rsplit(".", 1)[-1]
        if isinstance(module, nn.Linear) and short not in exclude:
            names.add(short)
    return sorted(names)


def default_target_modules(model) -> list[str]:
    model_type = getattr(model.config, "model_type", "")
    return DEFAULT_TARGET_MODULES.get(model_type) or linear_module_names(model)


def target_modules(training: TrainingSpec, model) -> list[str]:
    return list(training.target_modules) if training.target_modules else default_target_modules(model)


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

    info = get_model_info(spec.model.name)
    source, local_only = resolve_source(info, lambda _: None)
    device = pick_device(spec.model.device)
    tokenizer = load_tokenizer(source, local_only)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=num_labels, dtype=getattr(torch, training_dtype(spec)),
        local_files_only=local_only,
    )
    model.config.pad_token_id = tokenizer.pad_token_id  # finds each row's last real token
    model.to(device)
    notes = [] if info.trained else ["untrained: random weights, answers are noise"]
    return Trainable(model, tokenizer, spec.training.method, device, training_dtype(spec), source, notes)


# --- one builder per method ----------------------------------------------------------------------


def lora_config(training: TrainingSpec, model, task_type: str = "CAUSAL_LM"):
    from peft import LoraConfig

    return LoraConfig(
        task_type=task_type, r=training.lora_r, lora_alpha=training.lora_alpha,
        lora_dropout=training.lora_dropout, target_modules=target_modules(training, model),
    )


def with_peft(model, config, gradient_checkpointing: bool):
    from peft import get_peft_model

    if gradient_checkpointing:
        model.enable_input_require_grads()  # frozen embeddings: checkpointed blocks need a grad input
    return get_peft_model(model, config)


def build_lora(spec: FinetuneSpec, num_labels: int) -> Trainable:
    loaded = load_causal(spec)
    config = lora_config(spec.training, loaded.model)
    return trainable_from(loaded, with_peft(loaded.model, config, spec.training.gradient_checkpointing), "lora")


def build_quantized_lora(spec: FinetuneSpec, quantization: str, method: str) -> Trainable:
    from peft import get_peft_model, prepare_model_for_kbit_training

    loaded = load_causal(spec, quantization=quantization)
    model = prepare_model_for_kbit_training(
        loaded.model, use_gradient_checkpointing=spec.training.gradient_checkpointing
    )
    return trainable_from(loaded, get_peft_model(model, lora_config(spec.training, model)), method)


def build_qlora(spec: FinetuneSpec, num_labels: int) -> Trainable:
    return build_quantized_lora(spec, "4bit", "qlora")


def build_lora8bit(spec: FinetuneSpec, num_labels: int) -> Trainable:
    return build_quantized_lora(spec, "8bit", "lora8bit")


def build_full(spec: FinetuneSpec, num_labels: int) -> Trainable:
    loaded = load_causal(spec)
    loaded.model.requires_grad_(True)
    return trainable_from(loaded, loaded.model, "full")


def decoder_blocks(model) -> nn.ModuleList:
    """The stack of transformer blocks: the longest ModuleList in the model."""
    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList)]
    if not lists:
        raise TrainingSetupError("Found no stack of transformer blocks to train the last layers of.")
    return max(lists, key=len)


def final_norms(model) -> list[nn.Module]:
    """Norm layers outside the blocks (the final norm before the head)."""
    blocks = {id(m) for block in decoder_blocks(model) for m in block.modules()}
    return [
        m for m in model.modules()
        if "norm" in type(m).__name__.lower() and id(m) not in blocks
    ]


def build_last_layers(spec: FinetuneSpec, num_labels: int) -> Trainable:
    loaded = load_causal(spec)
    model = loaded.model
    model.requires_grad_(False)
    blocks = decoder_blocks(model)
    for block in blocks[-spec.training.last_k:]:
        block.requires_grad_(True)
    for norm in final_norms(model):
        norm.requires_grad_(True)
    return trainable_from(loaded, model, "last_layers")


def build_prefix(spec: FinetuneSpec, num_labels: int) -> Trainable:
    from peft import PrefixTuningConfig, get_peft_model

    loaded = load_causal(spec)
    config = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=spec.training.num_virtual_tokens)
    return trainable_from(loaded, get_peft_model(loaded.model, config), "prefix")


def build_prompt(spec: FinetuneSpec, num_labels: int) -> Trainable:
    from peft import PromptTuningConfig, PromptTuningInit, get_peft_model

    loaded = load_causal(spec)
    text = spec.training.prompt_init_text
    config = PromptTuningConfig(
        task_type="CAUSAL_LM", num_virtual_tokens=spec.training.num_virtual_tokens,
        prompt_tuning_init=PromptTuningInit.TEXT if text else PromptTuningInit.RANDOM,
        prompt_tuning_init_text=text, tokenizer_name_or_path=loaded.source if text else None,
    )
    return trainable_from(loaded, get_peft_model(loaded.model, config), "prompt")


def build_ia3(spec: FinetuneSpec, num_labels: int) -> Trainable:
    from peft import IA3Config, get_peft_model

    loaded = load_causal(spec)
    model = loaded.model
    config = IA3Config(task_type="CAUSAL_LM", target_modules=spec.training.target_modules)
    try:
        peft_model = get_peft_model(model, config)
    except ValueError:  # peft knows no default modules for this architecture
        modules = default_target_modules(model)
        config = IA3Config(task_type="CAUSAL_LM", target_modules=modules, feedforward_modules=[])
        peft_model = get_peft_model(model, config)
    return trainable_from(loaded, peft_model, "ia3")


def build_head(spec: FinetuneSpec, num_labels: int) -> Trainable:
    trainable = load_classifier(spec, num_labels)
    trainable.model.requires_grad_(True)
    return trainable


def build_head_lora(spec: FinetuneSpec, num_labels: int) -> Trainable:
    trainable = load_classifier(spec, num_labels)
    config = lora_config(spec.training, trainable.model, task_type="SEQ_CLS")  # trains `score` too
    trainable.model = with_peft(trainable.model, config, spec.training.gradient_checkpointing)
    return trainable


BUILDERS: dict[str, Callable[[FinetuneSpec, int], Trainable]] = {
    "lora": build_lora,
    "qlora": build_qlora,
    "lora8bit": build_lora8bit,
    "full": build_full,
    "last_layers": build_last_layers,
    "prefix": build_prefix,
    "prompt": build_prompt,
    "ia3": build_ia3,
    "head": build_head,
    "head_lora": build_head_lora,
}


def build_trainable(spec: FinetuneSpec, num_labels: int) -> Trainable:
    """The spec's base model, set up so that only the method's parameters train."""
    return BUILDERS[spec.training.method](spec, num_labels)
