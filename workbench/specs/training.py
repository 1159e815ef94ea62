"""How to fine-tune: the method, its options and the optimisation settings, each field with
what a form needs to show it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workbench.specs.base import MAX_TEXT_CHARS, _Strict
from workbench.tuners import method_names

# The registered fine-tuning methods (workbench/tuners/, one module each), in the pages' order.
TrainingMethod = Literal[method_names()]


VALIDATION_ROWS = 200  # enough for a usable AUC, few enough to evaluate often on a CPU


class TrainingSpec(_Strict):
    """How to fine-tune: the method, its options, and the optimisation settings.

    Each field says once what a form needs to show it: `title` (the label), `description` (the
    help), its bounds (ge, gt, le, lt: the spec validates them and the forms' boxes offer them)
    and, in `json_schema_extra`, the widget's hints: "step", "format", "placeholder", "labels"
    (of a Literal's values), "radio", and "low" / "high", the range a box offers where a bound
    is open (gt, lt) or missing (workbench.ui.fields reads them). Which methods read an option:
    their entries in workbench.tuners."""

    method: TrainingMethod = Field("lora", title="Method")
    # Loss on the answer words only, or Alpaca's response.
    objective: Literal["label_words", "alpaca"] = Field(
        "label_words", title="Objective", json_schema_extra={"radio": True, "labels": {
            "label_words": "Answer word only: the loss reads the class's answer word",
            "alpaca": "Alpaca: answer as a response, optionally with EOS and the prompt",
        }})
    train_on_inputs: bool = Field(  # alpaca objective: also learn the prompt tokens
        False, title="Also learn the prompt tokens",
        description="train_on_inputs: the loss covers the prompt too, not only the answer.")
    add_eos_token: bool = Field(  # alpaca objective: end each target with EOS
        False, title="End each answer with EOS",
        description="add_eos_token: the model also learns to stop after the answer.")
    epochs: float = Field(1.0, gt=0, le=200, title="Epochs",
                          json_schema_extra={"step": 0.5, "format": "%.1f", "low": 0.1})
    max_steps: int | None = Field(
        None, ge=1, title="Max steps",
        description="Stops after this many steps whatever the epochs say. Empty: the epochs decide.",
        json_schema_extra={"step": 10, "high": 1_000_000, "placeholder": "by epochs"})
    learning_rate: float = Field(5e-4, gt=0, le=1, title="Learning rate",
                                 json_schema_extra={"step": 1e-4, "format": "%.1e", "low": 1e-7})
    batch_size: int = Field(16, ge=1, le=4096, title="Batch size",
                            description="Rows per forward pass; memory grows with it.",
                            json_schema_extra={"step": 4})
    gradient_accumulation: int = Field(
        1, ge=1, le=1024, title="Accumulation",
        description="Gradient accumulation: batches per optimizer step, a larger effective batch "
        "without the memory.", json_schema_extra={"step": 1})
    warmup_ratio: float = Field(
        0.0, ge=0, lt=1, title="Warm-up share",
        description="The share of the steps over which the learning rate rises.",
        json_schema_extra={"step": 0.05, "format": "%.2f", "high": 0.99})
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field(
        "linear", title="Schedule")
    weight_decay: float = Field(0.0, ge=0, le=1, title="Weight decay",
                                json_schema_extra={"step": 0.01, "format": "%.2f"})
    seed: int = Field(0, title="Seed", json_schema_extra={"step": 1, "low": 0, "high": 2**31 - 1})
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", title="Precision",
        description="auto: bf16 autocast where the hardware runs it natively (recent GPUs, CPUs "
        "with AVX512-BF16), else fp32.", json_schema_extra={"labels": {"fp16": "fp16 (GPU)"}})
    gradient_checkpointing: bool = Field(
        False, title="Gradient checkpointing",
        description="Less memory for activations, about a third slower.")
    group_by_length: bool = Field(False, title="Group by length",
                                  description="Batches of similar lengths: less padding, faster.")
    max_length: int = Field(  # truncation limit, never a fixed padding
        512, ge=8, le=32768, title="Max length",
        description="Tokens; longer prompts lose their start (the question stays).",
        json_schema_extra={"step": 64})
    lora_r: int = Field(8, ge=1, le=1024, title="Rank r",
                        description="Size of the low-rank matrices: more capacity, more parameters.",
                        json_schema_extra={"step": 4})
    lora_alpha: int = Field(16, ge=1, le=4096, title="Alpha",
                            description="The update is scaled by alpha / r; alpha = 2 r is common.",
                            json_schema_extra={"step": 4})
    lora_dropout: float = Field(  # as peft; 0.05 cost 1.4x speed and 1 GB here
        0.0, ge=0, lt=1, title="Dropout", description="Dropout on the LoRA input.",
        json_schema_extra={"step": 0.05, "format": "%.2f", "high": 0.9})
    target_modules: list[str] | None = Field(  # None: a sensible default for the architecture
        None, title="Target modules", description="The Linear layers LoRA adapts.")
    last_k: int = Field(  # last_layers: how many final blocks train
        2, ge=1, le=1000, title="Blocks to train (k)",
        description="The last k transformer blocks train; the others stay frozen.",
        json_schema_extra={"step": 1})
    num_virtual_tokens: int = Field(  # prefix and prompt tuning
        20, ge=1, le=512, title="Virtual tokens",
        description="How many learned vectors come before the prompt.",
        json_schema_extra={"step": 4})
    # Prompt tuning: start from these words' embeddings.
    prompt_init_text: str | None = Field(
        None, max_length=MAX_TEXT_CHARS, title="Start the virtual tokens from this text",
        description="Their first values are the embeddings of this text's tokens (repeated or cut "
        "to the number of virtual tokens); a task description often trains faster.",
        json_schema_extra={"placeholder": "empty: random start"})
    eval_every: int | None = Field(  # steps; None: once per epoch
        None, ge=1, title="Evaluate every",
        description="Validation loss and AUC every this many steps. Empty: at the end of each "
        "epoch.", json_schema_extra={"step": 1, "high": 1_000_000, "placeholder": "each epoch"})
    # Validation rows scored at each evaluation (a seeded sample); None: up to VALIDATION_ROWS.
    val_rows: int | None = Field(
        None, ge=1, le=100_000, title="Validation rows",
        description="Rows of the validation part scored at each evaluation: fewer make each "
        "evaluation quicker and its AUC noisier.",
        json_schema_extra={"step": 50, "placeholder": f"up to {VALIDATION_ROWS}"})
    early_stopping_patience: int | None = Field(  # evaluations without a better val AUC
        None, ge=1, title="Early stopping",
        description="Patience: stop after this many evaluations without a better validation "
        "AUC, and keep the best one.",
        json_schema_extra={"step": 1, "high": 1000, "placeholder": "off"})


    @property
    def validation_rows(self) -> int:
        return self.val_rows or VALIDATION_ROWS
