"""Fine-tuning methods, one module each, and their registry (registry.py: what an entry holds).

Adding a method is one module that registers its `Tuner` and one import line below; the spec's
method list, the builders, the estimate, the checks and the Training form then know it.
"""

from __future__ import annotations

from workbench.tuners.registry import TUNERS, Tuner, register

# The registry: importing a method's module registers it. The order is the pages' order.
from workbench.tuners import lora  # noqa: F401
from workbench.tuners import dora  # noqa: F401
from workbench.tuners import loha  # noqa: F401
from workbench.tuners import qlora  # noqa: F401
from workbench.tuners import lora8bit  # noqa: F401
from workbench.tuners import full  # noqa: F401
from workbench.tuners import last_layers  # noqa: F401
from workbench.tuners import prefix  # noqa: F401
from workbench.tuners import prompt  # noqa: F401
from workbench.tuners import ia3  # noqa: F401
from workbench.tuners import head  # noqa: F401
from workbench.tuners import head_lora  # noqa: F401

PEFT_METHODS = frozenset(name for name, tuner in TUNERS.items() if tuner.peft)
CLASSIFIER_METHODS = frozenset(name for name, tuner in TUNERS.items() if tuner.is_classifier)
METHOD_TITLES = {name: tuner.title for name, tuner in TUNERS.items()}


def method_names() -> tuple[str, ...]:
    return tuple(TUNERS)


__all__ = ["CLASSIFIER_METHODS", "METHOD_TITLES", "PEFT_METHODS", "TUNERS", "Tuner",
           "method_names", "register"]
