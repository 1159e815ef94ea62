"""One small builder per training method: each turns the spec's base model into a model whose
trainable parameters are exactly the ones the method trains.

Causal methods keep the language-model head and learn the answer words; `head` and `head_lora`
put a fresh classification layer on the same base. Weights load in float32 unless the spec asks
otherwise: the Trainer then runs bf16 autocast where the hardware has it, keeping float32 master
weights (bf16 weights would lose small updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

import torch
from torch import nn

from workbench.errors import WorkbenchError
from workbench.models import load_model
from workbench.models.allocator import tune_allocator
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


# --- one setup per method ------------------------------------------------------------------------
# Each turns a base model into the model the method trains. They never load weights, so the
# estimator (workbench.training.estimate) applies the very same setup to a weightless model.


def lora_config(training: TrainingSpec, model, task_type: str = "CAUSAL_LM"):
    from peft import LoraConfig

    return LoraConfig(
        task_type=task_type, r=training.lora_r, lora_alpha=training.lora_alpha,
        lora_dropout=training.lora_dropout, target_modules=target_modules(training, model),
    )


def with_peft(model, config, gradient_checkpointing: bool):
    """A LoRA (or other peft) model of an unquantized base; LoRA's Linear layers compute in two
    products (workbench.training.fused_lora)."""
    from peft import LoraConfig, get_peft_model

    from workbench.training.fused_lora import FusedLoraLinear

    if isinstance(config, LoraConfig):
        config._register_custom_module({nn.Linear: FusedLoraLinear})
    if gradient_checkpointing:
        model.enable_input_require_grads()  # frozen embeddings: checkpointed blocks need a grad input
    return get_peft_model(model, config)


def setup_lora(model, training: TrainingSpec, source: str):
    return with_peft(model, lora_config(training, model), training.gradient_checkpointing)


def setup_quantized_lora(model, training: TrainingSpec, source: str):
    from peft import get_peft_model, prepare_model_for_kbit_training

    model = prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=training.gradient_checkpointing
    )
    return get_peft_model(model, lora_config(training, model))


def setup_full(model, training: TrainingSpec, source: str):
    model.requires_grad_(True)
    return model


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


def setup_last_layers(model, training: TrainingSpec, source: str):
    model.requires_grad_(False)
    for block in decoder_blocks(model)[-training.last_k:]:
        block.requires_grad_(True)
    for norm in final_norms(model):
        norm.requires_grad_(True)
    return model


def setup_prefix(model, training: TrainingSpec, source: str):
    from peft import PrefixTuningConfig, get_peft_model

    if training.gradient_checkpointing:
        # Recomputed blocks lose the prefix's cached keys and values: the shapes then disagree.
        raise TrainingSetupError(
            "Prefix tuning cannot run with gradient checkpointing: the learned prefix enters each "
            "block as cached keys and values, which checkpointing's recomputation leaves out. "
            "Turn gradient checkpointing off (prefix tuning trains few parameters and needs "
            "little memory anyway), or use prompt tuning or LoRA."
        )
    config = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=training.num_virtual_tokens)
    return get_peft_model(model, config)


def setup_prompt(model, training: TrainingSpec, source: str):
    from peft import PromptTuningConfig, PromptTuningInit, get_peft_model

    text = training.prompt_init_text
    config = PromptTuningConfig(
        task_type="CAUSAL_LM", num_virtual_tokens=training.num_virtual_tokens,
        prompt_tuning_init=PromptTuningInit.TEXT if text else PromptTuningInit.RANDOM,
        prompt_tuning_init_text=text, tokenizer_name_or_path=source if text else None,
    )
    return get_peft_model(model, config)


def setup_ia3(model, training: TrainingSpec, source: str):
    from peft import IA3Config, get_peft_model

    config = IA3Config(task_type="CAUSAL_LM", target_modules=training.target_modules)
    try:
        return get_peft_model(model, config)
    except ValueError:  # peft knows no default modules for this architecture
        modules = default_target_modules(model)
        config = IA3Config(task_type="CAUSAL_LM", target_modules=modules, feedforward_modules=[])
        return get_peft_model(model, config)


def setup_head_lora(model, training: TrainingSpec, source: str):
    config = lora_config(training, model, task_type="SEQ_CLS")  # trains `score` too
    return with_peft(model, config, training.gradient_checkpointing)


BaseKind = Literal["causal", "classifier"]


@dataclass(frozen=True)
class MethodSetup:
    base: BaseKind  # a causal LM keeping its head, or the base with a fresh classification layer
    quantization: str  # how the base's weights load: none, 8bit, 4bit
    setup: Callable[[Any, TrainingSpec, str], Any]  # (base model, training, source) -> model


METHODS: dict[str, MethodSetup] = {
    "lora": MethodSetup("causal", "none", setup_lora),
    "qlora": MethodSetup("causal", "4bit", setup_quantized_lora),
    "lora8bit": MethodSetup("causal", "8bit", setup_quantized_lora),
    "full": MethodSetup("causal", "none", setup_full),
    "last_layers": MethodSetup("causal", "none", setup_last_layers),
    "prefix": MethodSetup("causal", "none", setup_prefix),
    "prompt": MethodSetup("causal", "none", setup_prompt),
    "ia3": MethodSetup("causal", "none", setup_ia3),
    "head": MethodSetup("classifier", "none", setup_full),
    "head_lora": MethodSetup("classifier", "none", setup_head_lora),
}


def build_trainable(spec: FinetuneSpec, num_labels: int) -> Trainable:
    """The spec's base model, set up so that only the method's parameters train."""
    method = METHODS[spec.training.method]
    if method.base == "classifier":
        trainable = load_classifier(spec, num_labels)
        trainable.model = method.setup(trainable.model, spec.training, trainable.source)
        return trainable
    loaded = load_causal(spec, quantization=method.quantization)
    torch.manual_seed(spec.training.seed)  # new weights (LoRA's A, virtual tokens) start the same
    model = method.setup(loaded.model, spec.training, loaded.source)
    return trainable_from(loaded, model, spec.training.method)
