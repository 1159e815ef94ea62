"""What several methods' setups share: the layers LoRA adapts, a LoRA config, a peft model of an
unquantized or a quantized base, the stack of transformer blocks. torch and peft are imported
when a setup runs, never when the registry is read.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import WorkbenchError

# The TrainingSpec fields of every LoRA-style method (their bounds and help: workbench.specs).
LORA_OPTIONS = ("lora_r", "lora_alpha", "lora_dropout", "target_modules")

DEFAULT_TARGET_MODULES = {
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gpt2": ["c_attn", "c_proj", "c_fc"],
}


class TrainingSetupError(WorkbenchError):
    """The method cannot be set up on this model as asked."""


# --- target modules ------------------------------------------------------------------------------


def linear_module_names(model, exclude: tuple[str, ...] = ("lm_head", "score", "classifier")) -> list[str]:
    """Short names of every Linear layer except the output heads."""
    from torch import nn

    names = set()
    for full_name, module in model.named_modules():
        short = full_name.rsplit(".", 1)[-1]
        if isinstance(module, nn.Linear) and short not in exclude:
            names.add(short)
    return sorted(names)


def default_target_modules(model) -> list[str]:
    model_type = getattr(model.config, "model_type", "")
    return DEFAULT_TARGET_MODULES.get(model_type) or linear_module_names(model)


def target_modules(training, model) -> list[str]:
    return list(training.target_modules) if training.target_modules else default_target_modules(model)


# --- LoRA ----------------------------------------------------------------------------------------


def lora_config(training, model, task_type: str = "CAUSAL_LM", **variant: Any):
    """peft's LoraConfig from the spec's LoRA options; `variant`: more LoraConfig arguments of a
    LoRA variant (use_dora=True)."""
    from peft import LoraConfig

    return LoraConfig(
        task_type=task_type, r=training.lora_r, lora_alpha=training.lora_alpha,
        lora_dropout=training.lora_dropout, target_modules=target_modules(training, model),
        **variant,
    )


def with_peft(model, config, gradient_checkpointing: bool):
    """A LoRA (or other peft) model of an unquantized base; LoRA's Linear layers compute in two
    products (workbench.tuners.fused_lora)."""
    from peft import LoraConfig, get_peft_model
    from torch import nn

    from workbench.tuners.fused_lora import FusedLoraLinear

    if isinstance(config, LoraConfig):
        config._register_custom_module({nn.Linear: FusedLoraLinear})
    if gradient_checkpointing:
        model.enable_input_require_grads()  # frozen embeddings: checkpointed blocks need a grad input
    return get_peft_model(model, config)


def setup_quantized_lora(model, training, source: str):
    """LoRA on a base loaded in 8 or 4 bits (peft's bitsandbytes layers)."""
    from peft import get_peft_model, prepare_model_for_kbit_training

    model = prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=training.gradient_checkpointing
    )
    return get_peft_model(model, lora_config(training, model))


# --- whole models and blocks ---------------------------------------------------------------------


def train_everything(model, training, source: str):
    model.requires_grad_(True)
    return model


def decoder_blocks(model):
    """The stack of transformer blocks: the longest ModuleList in the model."""
    from torch import nn

    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList)]
    if not lists:
        raise TrainingSetupError("Found no stack of transformer blocks to train the last layers of.")
    return max(lists, key=len)


def final_norms(model) -> list:
    """Norm layers outside the blocks (the final norm before the head)."""
    blocks = {id(m) for block in decoder_blocks(model) for m in block.modules()}
    return [
        m for m in model.modules()
        if "norm" in type(m).__name__.lower() and id(m) not in blocks
    ]
