"""What each run kind does, keyed by kind like workbench.specs.RUN_KINDS (what each kind is):
the rows it reads, its cache key, its store columns (method, data set) and its runner.

    RUNNERS[spec.kind].rows(spec)      # a forgetting run reads one set of rows per task

The runners import their modules when they run: evaluation and fine-tuning load torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import pandas as pd

from workbench.experiments.common import Progress, ShouldStop
from workbench.forgetting.plan import the_method
from workbench.models.fingerprint import model_fingerprint
from workbench.rows import PreparedRows, prepare_class_rows, prepare_rows
from workbench.specs import RUN_KINDS, cache_key, forgetting_cache_key

FORGETTING_DATASET_SEPARATOR = " -> "

Rows = Union[PreparedRows, list[PreparedRows]]  # a forgetting run reads one set per task


@dataclass(frozen=True)
class RunContext:
    """What a runner gets besides the spec and its rows."""

    progress: Progress
    should_stop: ShouldStop
    loaded: Any  # an already loaded model to score with (evaluate), or None
    run_dir: Path
    store_root: Path


@dataclass(frozen=True)
class KindRunner:
    rows: Callable[[Any], Rows]
    key: Callable[[Any, Rows], str]  # the content hash the store finds a finished run by
    method: Callable[[Any], str]  # the store's method column
    dataset: Callable[[Any], str]  # the store's data-set column
    run: Callable[[Any, Rows, RunContext], tuple[dict, pd.DataFrame | None]]  # metrics, predictions


def _data_rows(spec) -> PreparedRows:
    return prepare_rows(spec.data)


def _task_rows(spec) -> list[PreparedRows]:
    return [prepare_class_rows(task.data, task.classes) if task.classes else prepare_rows(task.data)
            for task in spec.tasks]


def _data_key(spec, rows: PreparedRows) -> str:
    model_fp = model_fingerprint(spec.model.name) if RUN_KINDS[spec.kind].uses_model else None
    return cache_key(spec, rows.fingerprint, model_fp)


def _tasks_key(spec, rows: list[PreparedRows]) -> str:
    return forgetting_cache_key(
        spec, [task.fingerprint for task in rows], model_fingerprint(spec.model.name))


def _prompting(spec) -> str:
    return "zero-shot" if spec.template.shots == 0 else "few-shot"


def _dataset(spec) -> str:
    return spec.data.dataset


def _task_sequence(spec) -> str:
    """A forgetting run's tasks in order, "A -> B"."""
    return FORGETTING_DATASET_SEPARATOR.join(spec.task_labels)


def _evaluate(spec, rows, context: RunContext):
    from workbench.experiments.evaluate import evaluate

    return evaluate(spec, rows, context.progress, context.should_stop, loaded=context.loaded)


def _baseline(spec, rows, context: RunContext):
    from workbench.experiments.baseline import run_baseline

    return run_baseline(spec, rows, context.progress)


def _finetune(spec, rows, context: RunContext):
    from workbench.experiments.finetune import finetune

    return finetune(spec, rows, context.progress, context.should_stop, run_dir=context.run_dir)


def _forgetting(spec, rows, context: RunContext):
    from workbench.experiments.forgetting import run_forgetting
    from workbench.forgetting.stage_cache import FOLDER

    return run_forgetting(spec, rows, context.progress, context.should_stop,
                          run_dir=context.run_dir, cache_dir=context.store_root / FOLDER)


RUNNERS: dict[str, KindRunner] = {
    "evaluate": KindRunner(_data_rows, _data_key, _prompting, _dataset, _evaluate),
    "baseline": KindRunner(_data_rows, _data_key, lambda spec: spec.method, _dataset, _baseline),
    "finetune": KindRunner(_data_rows, _data_key, lambda spec: spec.training.method, _dataset,
                           _finetune),
    "forgetting": KindRunner(_task_rows, _tasks_key, the_method, _task_sequence, _forgetting),
}
