"""Checks of a valid fine-tuning spec against the data and the model, in the form's words.

Pydantic checks each value on its own (workbench.specs); these check what depends on the data
set and the model: rows the split does not have, LoRA target modules the model does not have,
settings that would silently do nothing. What differs between methods comes from the method's
entry (workbench.tuners): its options, its quantization, its own warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import QuantizationUnavailableError
from workbench.models.hardware import pick_device
from workbench.models.quantization import check_quantization
from workbench.specs import FinetuneSpec
from workbench.training.estimate import training_plan
from workbench.tuners import TUNERS


@dataclass(frozen=True)
class Problem:
    message: str
    blocking: bool = True  # False: a warning, the run can still start


@dataclass(frozen=True)
class SplitSizes:
    """Rows in each part of the data set's split, before n_train / n_test pick from them."""

    train: int
    val: int
    test: int


def row_problems(spec: FinetuneSpec, split: SplitSizes, dataset_title: str) -> list[Problem]:
    problems = []
    for asked, available, what, label in (
        (spec.data.n_train, split.train, "training", "Training rows"),
        (spec.data.n_test, split.test, "test", "Test rows"),
    ):
        if asked is not None and asked > available:
            problems.append(Problem(
                f"{label}: {asked:,} asked, but the {what} split of {dataset_title} has "
                f"{available:,} rows. Ask for {available:,} or fewer."
            ))
    return problems


def target_module_problems(spec: FinetuneSpec, linear_names: list[str]) -> list[Problem]:
    if "target_modules" not in TUNERS[spec.training.method].options:
        return []
    modules = spec.training.target_modules
    if modules is None:
        return []
    if not modules:
        return [Problem(
            "Target modules: pick at least one layer for LoRA to adapt (or reset to the "
            "architecture's default)."
        )]
    unknown = [name for name in modules if name not in linear_names]
    if unknown:
        return [Problem(
            f"Target modules: {', '.join(f'`{name}`' for name in unknown)} "
            f"{'is not a Linear layer' if len(unknown) == 1 else 'are not Linear layers'} of this "
            f"model. Its Linear layers: {', '.join(linear_names)}."
        )]
    return []


def quantization_problems(spec: FinetuneSpec) -> list[Problem]:
    tuner = TUNERS[spec.training.method]
    quantization = tuner.quantization
    if quantization == "none":
        return []
    try:
        check_quantization(quantization, pick_device(spec.model.device))
    except (QuantizationUnavailableError, ValueError) as error:
        return [Problem(f"{tuner.title}: {error}")]
    return []


def schedule_problems(spec: FinetuneSpec, split: SplitSizes, layers: int | None) -> list[Problem]:
    """Settings that would quietly do less than asked (warnings)."""
    training = spec.training
    train_rows = min(spec.data.n_train or split.train, split.train)
    steps, _, _ = training_plan(training, train_rows)
    problems = []
    if training.early_stopping_patience and split.val == 0:
        problems.append(Problem(
            "Early stopping needs validation rows, and this split has none: training runs to "
            "the end.", blocking=False,
        ))
    if training.eval_every and training.eval_every > steps and split.val:
        problems.append(Problem(
            f"Evaluate every {training.eval_every} steps: the run has only {steps}, so the "
            "validation AUC is never measured during training.", blocking=False,
        ))
    problems += [Problem(message, blocking=False)
                 for message in TUNERS[training.method].problems(training, layers)]
    return problems


def spec_problems(
    spec: FinetuneSpec, split: SplitSizes, dataset_title: str, linear_names: list[str],
    layers: int | None = None,
) -> list[Problem]:
    """Every problem with a valid spec, blocking ones first."""
    problems = (
        row_problems(spec, split, dataset_title) + target_module_problems(spec, linear_names)
        + quantization_problems(spec) + schedule_problems(spec, split, layers)
    )
    return sorted(problems, key=lambda problem: not problem.blocking)

