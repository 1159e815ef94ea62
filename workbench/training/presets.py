"""Named starting points for a fine-tuning run: how many rows, which method, how long.

A preset sets the data sizes and every training setting (what it does not name takes its
default), and keeps the data set, its split, the template and the model:

    spec = apply_preset(spec, DEFAULT_PRESET)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from workbench.specs import EXAMPLE_SPECS, DataSpec, FinetuneSpec, TemplateSpec, TrainingSpec, load_spec

# Data sets with a measured fine-tuning recipe in assets/specs: its template is the Training
# page's first choice there, so the presets train on the prompts the recipe was tuned with.
RECIPE_SPECS = {"california-housing": "california-lora.yaml"}


@dataclass(frozen=True)
class Preset:
    description: str  # one line: what it is for (its time on this machine is the estimate's)
    data: dict = field(default_factory=dict)  # DataSpec fields
    training: dict = field(default_factory=dict)  # TrainingSpec fields


DEMO_ROWS = {"n_train": 256, "n_test": 200}


def _preset(description: str, data: dict = DEMO_ROWS, **training) -> Preset:
    """Batch 16, one epoch and a validation AUC every 4 steps unless it says otherwise."""
    return Preset(description, dict(data), {"batch_size": 16, "epochs": 1, "eval_every": 4, **training})


PRESETS: dict[str, Preset] = {
    "Class demo: LoRA, 256 rows, 1 epoch": _preset(
        "The one to pick in front of a class: the shortest run that visibly learns, with a "
        "validation AUC on 64 rows every 8 steps so the curve moves while you talk.",
        method="lora", learning_rate=2e-3, batch_size=8, eval_every=8, val_rows=64,
    ),
    "Quick check: LoRA, 64 rows, 20 steps": _preset(
        "Does it run at all? 20 small steps, two evaluations.",
        {"n_train": 64, "n_test": 100},
        method="lora", max_steps=20, learning_rate=1e-3, batch_size=8, eval_every=10,
    ),
    "Careful: LoRA, 1024 rows, 3 epochs, early stopping": _preset(
        "For a result worth reporting: warm-up, a cosine schedule, and training stops when the "
        "validation AUC has not improved for 3 evaluations. The longest preset.",
        {"n_train": 1024, "n_test": 1000},
        method="lora", epochs=3, learning_rate=5e-4, warmup_ratio=0.05, lr_scheduler="cosine",
        eval_every=16, early_stopping_patience=3,
    ),
    "QLoRA (4-bit base)": _preset(
        "LoRA on a 4-bit copy of the model: the weights take about a quarter of the memory, "
        "which is what lets 7B models train on one GPU. Slow on a CPU.",
        method="qlora", learning_rate=1e-3,
    ),
    "Prompt tuning": _preset(
        "Learns 20 virtual words before each prompt and nothing else: the fewest parameters, a "
        "high learning rate, two epochs.",
        method="prompt", epochs=2, learning_rate=3e-2, num_virtual_tokens=20, eval_every=8,
    ),
    "Classification head": _preset(
        "A new output layer with one score per class, trained with the whole model: no answer "
        "words, the class probabilities come from the head.",
        method="head", learning_rate=1e-4,
    ),
}
DEFAULT_PRESET = next(iter(PRESETS))


@lru_cache(maxsize=None)  # the Training page asks at every rerun; the file is read once
def recipe_template(dataset: str) -> tuple[str, TemplateSpec] | None:
    """(the recipe's file name, its template) for a data set that has a recipe."""
    file_name = RECIPE_SPECS.get(dataset)
    if file_name is None:
        return None
    return file_name, load_spec(EXAMPLE_SPECS / file_name).template


def apply_preset(spec: FinetuneSpec, name: str) -> FinetuneSpec:
    """The spec with the preset's data sizes and training settings."""
    preset = PRESETS[name]
    data = DataSpec.model_validate(spec.data.model_dump() | preset.data)
    return spec.model_copy(update={"data": data, "training": TrainingSpec(**preset.training)})
