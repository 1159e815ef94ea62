"""Which TrainingSpec options a form shows for a method: its own (the `options` of its entry in
workbench.tuners) and the objective's. Titles and summaries are the entries' too
(workbench.tuners.METHOD_TITLES: the one table of method titles).
"""

from __future__ import annotations

from workbench.tuners import TUNERS
from workbench.tuners.common import LORA_OPTIONS

ALPACA_OPTIONS = ("train_on_inputs", "add_eos_token")

METHOD_INFO = TUNERS  # name -> entry: title, summary, options, ...
__all__ = ["ALPACA_OPTIONS", "LORA_OPTIONS", "METHOD_INFO", "method_fields", "shown_options",
           "uses_objective"]


def uses_objective(method: str) -> bool:
    """Causal methods learn answer words (label_words or alpaca); heads learn classes."""
    return not TUNERS[method].is_classifier


def shown_options(method: str, objective: str) -> set[str]:
    """The method-specific TrainingSpec fields a form shows for this choice."""
    options = set(TUNERS[method].options)
    if uses_objective(method):
        options.add("objective")
        if objective == "alpaca":
            options.update(ALPACA_OPTIONS)
    return options


def method_fields() -> set[str]:
    """The TrainingSpec fields only some methods read: the methods' options and the objective's."""
    return {option for tuner in TUNERS.values() for option in tuner.options} | {
        "objective", *ALPACA_OPTIONS}
