"""How long a forgetting comparison takes on this machine, before it runs.

Each method run trains on the tasks in turn and scores every task's test rows before training and
after each task, the first task's curve rows every `curve_every` steps of the later tasks and the
perplexity probe's texts at each of those measurements; EWC adds its Fisher rows (a forward and
backward pass each). Naive, replay, EWC and multi-task share their first stage, which trains once.
Speeds are this machine's for each training method (workbench.training.estimate.speeds_here),
so the sum says whether it was measured here.

    guess = comparison_estimate(spec, past_runs)  # ComparisonEstimate(seconds=..., measured=...)
    guess.unmeasured  # fine-tuning specs whose speed the probe should measure first
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from workbench.forgetting.plan import FULL_FINE_TUNING, method_runs, with_templates
from workbench.specs import FinetuneSpec, ForgettingSpec
from workbench.store import RunRecord
from workbench.training.estimate import (
    STARTUP_SECONDS, Speeds, prompt_tokens, row_counts, speeds_here,
)
from workbench.training.meta import model_shape


@dataclass(frozen=True)
class ComparisonEstimate:
    seconds: float
    measured: bool  # every training method's speed was measured on this machine
    unmeasured: list[FinetuneSpec] = field(default_factory=list)


def task_spec(spec: ForgettingSpec, task_index: int) -> FinetuneSpec:
    """One task as a fine-tuning spec of the run's method: what its speed and tokens depend on."""
    task = with_templates(spec.tasks[task_index])
    return FinetuneSpec(data=task.data, model=spec.model, template=task.template,
                        training=spec.training)


def run_seconds(spec: ForgettingSpec, method: str, speeds: list[Speeds], first_stage: bool) -> float:
    """One method's run: `speeds` per task; `first_stage` False when the run reuses a stored
    first stage."""
    counts = [row_counts(task.data) for task in spec.tasks]
    trained, tested = [train for train, _, _ in counts], [test for _, _, test in counts]
    seconds = speeds[0].startup_seconds
    measures = len(spec.tasks) + 1 if first_stage else len(spec.tasks)
    for stage in range(0 if first_stage else 1, len(spec.tasks)):
        examples = trained[stage]
        if stage > 0 and method == "replay":
            examples += math.ceil(spec.replay_fraction * trained[stage])
        if stage > 0 and method == "multitask":
            examples += sum(trained[:stage])
        examples = math.ceil(examples * spec.training.epochs)
        seconds += examples / speeds[stage].train
        if stage > 0:
            steps = math.ceil(examples / spec.training.batch_size)
            curve_points = steps // spec.curve_every + 1 if spec.curve_every else 1
            seconds += curve_points * min(spec.curve_rows, tested[0]) / speeds[0].score
            if method == "ewc":
                seconds += min(spec.fisher_rows, trained[stage - 1]) / speeds[stage - 1].train
    per_measure = sum(n / speeds[i].score for i, n in enumerate(tested))
    per_measure += spec.probe_texts / speeds[0].score
    return seconds + measures * per_measure


def comparison_estimate(spec: ForgettingSpec, past_runs: Sequence[RunRecord] = ()) -> ComparisonEstimate:
    total, measured, unmeasured = 0.0, True, []
    shared_done = False
    for run in method_runs(spec):
        method = run.methods[0]
        specs = [task_spec(run, index) for index in range(len(run.tasks))]
        parameters = model_shape(run.model.name, run.training, 2).total
        speeds = [speeds_here(task, past_runs, prompt_tokens(task), parameters) for task in specs]
        if not all(speed.measured for speed in speeds):
            measured = False
            if all(task.training.method != specs[0].training.method for task in unmeasured):
                unmeasured.append(specs[0])
        reuses = method in FULL_FINE_TUNING and shared_done
        shared_done = shared_done or method in FULL_FINE_TUNING
        total += run_seconds(run, method, speeds, first_stage=not reuses)
    return ComparisonEstimate(seconds=total or STARTUP_SECONDS, measured=measured,
                              unmeasured=unmeasured)
