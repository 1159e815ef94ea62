"""What each training method is, in one plain line, and which TrainingSpec options it reads: the
training form shows a method's own options only, from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.training.methods import CLASSIFIER_METHODS

LORA_OPTIONS = ("lora_r", "lora_alpha", "lora_dropout", "target_modules")
ALPACA_OPTIONS = ("train_on_inputs", "add_eos_token")


@dataclass(frozen=True)
class MethodInfo:
    title: str
    summary: str  # one plain-language line
    options: tuple[str, ...] = ()  # the TrainingSpec fields only this method reads


METHOD_INFO: dict[str, MethodInfo] = {
    "lora": MethodInfo(
        "LoRA", "Freezes the model and trains small low-rank matrices added to its layers: "
        "few parameters, quick, the usual first choice.", LORA_OPTIONS,
    ),
    "qlora": MethodInfo(
        "QLoRA (4-bit base)", "LoRA on a base model stored in 4 bits: about a quarter of the "
        "memory for the weights, slower on a CPU.", LORA_OPTIONS,
    ),
    "lora8bit": MethodInfo(
        "LoRA on an 8-bit base", "LoRA on a base model stored in 8 bits: half the memory for the "
        "weights, slower on a CPU.", LORA_OPTIONS,
    ),
    "full": MethodInfo(
        "Full fine-tuning", "Trains every weight of the model: the most capacity, the most "
        "memory, the slowest steps.",
    ),
    "last_layers": MethodInfo(
        "Last layers", "Trains only the last k transformer blocks and the final norm; the lower "
        "layers stay as they are.", ("last_k",),
    ),
    "prefix": MethodInfo(
        "Prefix tuning", "Learns a few key/value vectors that every layer attends to, as if a "
        "learned prefix came first; the model stays frozen.", ("num_virtual_tokens",),
    ),
    "prompt": MethodInfo(
        "Prompt tuning", "Learns a few virtual words placed before the prompt; the model stays "
        "frozen. The fewest parameters; wants a high learning rate.",
        ("num_virtual_tokens", "prompt_init_text"),
    ),
    "ia3": MethodInfo(
        "IA³", "Learns one scaling vector for the attention keys, values and feed-forward "
        "layers: even fewer parameters than LoRA.",
    ),
    "head": MethodInfo(
        "Classification head", "Replaces the next-word output with a new layer giving one score "
        "per class, and trains it together with the whole model.",
    ),
    "head_lora": MethodInfo(
        "Classification head + LoRA", "A new classification layer plus LoRA matrices; the base "
        "model's weights stay frozen.", LORA_OPTIONS,
    ),
}
METHOD_TITLES = {name: info.title for name, info in METHOD_INFO.items()}


def uses_objective(method: str) -> bool:
    """Causal methods learn answer words (label_words or alpaca); heads learn classes."""
    return method not in CLASSIFIER_METHODS


def shown_options(method: str, objective: str) -> set[str]:
    """The method-specific TrainingSpec fields a form shows for this choice."""
    options = set(METHOD_INFO[method].options)
    if uses_objective(method):
        options.add("objective")
        if objective == "alpaca":
            options.update(ALPACA_OPTIONS)
    return options
