"""What the forgetting methods and settings are called, and what they do, in words."""

from __future__ import annotations

from workbench.specs import FORGETTING_METHODS
from workbench.tuners import METHOD_TITLES as TUNER_TITLES

# In the pages' order. A forgetting method that is a fine-tuning method (LoRA, last layers) has
# the title of its entry (workbench.tuners.METHOD_TITLES, the one table of method titles); the
# others are ways of going through the tasks, titled here.
_OWN_TITLES = {"naive": "Naive full fine-tuning", "replay": "Replay", "ewc": "EWC",
               "multitask": "Multi-task"}
METHOD_TITLES = {method: _OWN_TITLES.get(method) or TUNER_TITLES[method]
                 for method in FORGETTING_METHODS}

METHOD_EXPLANATIONS = {
    "naive": (
        "Every weight trains on each task in turn, with nothing to protect what came before: "
        "the reference point that shows forgetting at its worst."
    ),
    "lora": (
        "The base weights stay frozen; one low-rank adapter learns the first task and keeps "
        "training on the next. Few weights move, so less is overwritten, and less is learned "
        "(Biderman et al., 2024: LoRA learns less and forgets less)."
    ),
    "last_layers": (
        "Only the last transformer blocks (and the final norm, and the head in the "
        "class-incremental setting) train; the lower layers keep what pretraining gave them."
    ),
    "replay": (
        "While training on a new task, a share of the earlier tasks' training rows is mixed "
        "back in, so the model keeps seeing them."
    ),
    "ewc": (
        "Elastic Weight Consolidation: after a task, the Fisher information says how much each "
        "weight mattered to it; training on the next task pays (lambda / 2) * F * (change)^2 "
        "for moving those weights (after each optimizer step, each weight is pulled back toward "
        "its old value by that penalty). A larger lambda protects more and learns the new task "
        "less."
    ),
    "multitask": (
        "Each stage trains on all tasks seen so far together (the first stage on the first task, "
        "the second on the first and second, ...): the upper bound that sequential methods aim "
        "for, at the cost of keeping and retraining on all the data."
    ),
}

SETTING_TITLES = {
    "label_words": "Label-word prompts",
    "class_incremental": "Class-incremental head",
}

SETTING_EXPLANATIONS = {
    "label_words": (
        "Each task keeps its own question and answer words; the model answers by the "
        "probability of each answer word, read over that task's words only."
    ),
    "class_incremental": (
        "One classification head over the union of all tasks' classes (the seed notebook's "
        "GPT-2 recipe). A row is right only if its class wins among all classes, including "
        "those of other tasks. The within-task accuracy (winning among its own task's classes) "
        "is kept too: it separates a forgotten representation from a head that now favours the "
        "newer classes."
    ),
}

FORGETTING_DEFINITION = (
    "Forgetting of a task = the best accuracy it had after it was learned (GEM's max over the "
    "rows from the one where it was learned to the one before the last) minus its final "
    "accuracy. Backward transfer = mean over the earlier tasks of final accuracy minus the "
    "accuracy just after learning it (negative = forgetting)."
)
