"""The registry of fine-tuning methods: one `Tuner` per method, each defined in its own module of
this package (lora.py, prefix.py, ...) and registered there with `register`; importing the module
(one line in workbench/tuners/__init__.py) is what adds the method.

An entry is everything the workbench knows about a method. The spec's method list
(workbench.specs.TrainingMethod), the builders (workbench.training.methods), the estimate before a
run (workbench.training.estimate), the checks (workbench.training.checks) and the Training form
(workbench.ui.training_form) all read it; none of them names a method. The entry's `options` name
TrainingSpec fields: their bounds, labels and help are written on those fields (workbench.specs),
where the spec's validation and every form read them.

Nothing in this package imports torch, peft or transformers when it is imported (the setups import
them when they run): workbench.specs reads the method names from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

BaseKind = Literal["causal", "classifier"]
Quantization = Literal["none", "8bit", "4bit"]

# `training` below is a workbench.specs.TrainingSpec (specs imports this package, so it is not
# imported here).
Setup = Callable[[Any, Any, str], Any]  # (base model, training, base's folder or hub id) -> model


@dataclass(frozen=True)
class Tuner:
    name: str  # the spec's `training.method`
    title: str  # as the pages write it: "LoRA", "Prompt tuning"
    summary: str  # what it does, in one plain line (the Training form's caption)
    # Builds the model the method trains from the base model: only its parameters require a
    # gradient. It never loads weights, so the estimate applies it to a weightless (meta) model.
    setup: Setup
    # (training, scoring) examples/s of SmolLM2-135M on the reference 2-core CPU
    # (workbench.training.estimate), measured with bench/training_speeds.py: the time estimate's
    # first guess before this machine has measured the method.
    reference_speed: tuple[float, float]
    base: BaseKind = "causal"  # a causal LM keeping its head, or the base with a new class head
    quantization: Quantization = "none"  # how the base's weights load
    peft: bool = False  # the run keeps a peft adapter (else the whole model, as safetensors)
    options: tuple[str, ...] = ()  # the TrainingSpec fields only this method reads
    # Tokens the method puts before every prompt, through every block (prompt tuning's virtual
    # tokens): the estimate's activations count them.
    extra_tokens: Callable[[Any], int] | None = None
    # Of the model's `layers` blocks, how many keep activations for the backward pass (None: all).
    trained_blocks: Callable[[Any, int], int] | None = None
    # Warnings about settings that would do less than asked: (training, the model's blocks or
    # None) -> messages, shown by the Training form (workbench.training.checks).
    warnings: Callable[[Any, int | None], list[str]] | None = None

    @property
    def is_classifier(self) -> bool:
        return self.base == "classifier"

    def blocks_with_gradient(self, training: Any, layers: int) -> int:
        return self.trained_blocks(training, layers) if self.trained_blocks else layers

    def added_tokens(self, training: Any) -> int:
        return self.extra_tokens(training) if self.extra_tokens else 0

    def problems(self, training: Any, layers: int | None) -> list[str]:
        return self.warnings(training, layers) if self.warnings else []


TUNERS: dict[str, Tuner] = {}  # name -> entry, in the order the pages list them


def register(tuner: Tuner) -> Tuner:
    if tuner.name in TUNERS:
        raise ValueError(f"two fine-tuning methods are called {tuner.name!r}")
    TUNERS[tuner.name] = tuner
    return tuner
