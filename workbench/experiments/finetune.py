"""Fine-tuning runs: train the spec's method on the training rows written as prompts, save the
adapter or weights in the run folder, then score the test rows like a zero-shot run does.

A cancel stops training at the next step; the run still scores the test rows and finishes, with
metrics["cancelled_early"] = True. Each logged step and evaluation is appended to the run folder's
history.jsonl as it happens.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from workbench import distributed
from workbench.experiments.common import Progress, ShouldStop, test_metrics_record
from workbench.experiments.history import append_history
from workbench.prompts import PromptBuilder
from workbench.rows import PreparedRows, predictions_frame
from workbench.scoring import answer_token_ids
from workbench.specs import VALIDATION_ROWS, FinetuneSpec
from workbench.training import Trainable, build_trainable, count_parameters, train
from workbench.training.examples import training_examples
from workbench.training.score_trained import (  # noqa: F401 - autocast_for, classify_prompts: importers' names
    autocast_for, classify_prompts, score_test,
)
from workbench.training.trainer import mixed_precision

ADAPTER_FOLDER = "adapter"  # a peft adapter, in the run folder
MODEL_FOLDER = "model"  # or the whole trained model (safetensors)


def validation_frame(rows: PreparedRows, limit: int = VALIDATION_ROWS) -> pd.DataFrame:
    if len(rows.val) <= limit:
        return rows.val
    return rows.val.sample(n=limit, random_state=0).sort_index()


def save_trained(trainable: Trainable, run_dir: Path) -> Path:
    """A peft adapter folder (run_dir/adapter) or the whole model as safetensors (run_dir/model)."""
    folder = run_dir / (ADAPTER_FOLDER if trainable.is_peft else MODEL_FOLDER)
    trainable.model.save_pretrained(folder)
    trainable.tokenizer.save_pretrained(folder)
    return folder


def finetune(
    spec: FinetuneSpec, rows: PreparedRows, progress: Progress, should_stop: ShouldStop,
    run_dir: Path | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Train, save, score the test rows; returns (metrics, predictions frame).

    Under a multi-process launcher every process trains, but only the main one writes the
    history, saves the weights and scores the test rows; the others return ({}, None)."""
    started = time.perf_counter()
    classes = list(rows.info.classes)
    progress("loading model", 0, 1)
    trainable = build_trainable(spec, len(classes))
    trainable_count, total_count = count_parameters(trainable.model)
    progress("writing prompts", 0, len(rows.train))
    builder = PromptBuilder(spec.template, rows.info, tokenizer=trainable.tokenizer, train=rows.train)
    answer_ids = answer_token_ids(trainable.tokenizer, builder.answer_words)
    val = validation_frame(rows, spec.training.validation_rows)
    train_examples = training_examples(
        spec, trainable, builder.prompts(rows.train), rows.labels(rows.train), answer_ids)
    val_examples = training_examples(
        spec, trainable, builder.prompts(val), rows.labels(val), answer_ids, for_validation=True,
    ) if len(val) else []

    main = distributed.is_main_process()
    with tempfile.TemporaryDirectory() as scratch:
        outcome = train(
            trainable, spec.training, train_examples, val_examples,
            [ids[0] for ids in answer_ids], Path(run_dir or scratch) / "checkpoints",
            progress, should_stop,
            on_history=(lambda entry: append_history(run_dir, entry)) if run_dir and main else None,
        )
    if not main:
        return {}, None
    if run_dir is not None:
        save_trained(trainable, Path(run_dir))

    test_prompts = builder.prompts(rows.test)
    scoring_started = time.perf_counter()
    probabilities = score_test(spec, trainable, test_prompts, builder.answer_words, progress)
    scoring_seconds = time.perf_counter() - scoring_started
    metrics = test_metrics_record(
        rows.labels(rows.test), probabilities, classes,
        method=spec.training.method,
        n_train=len(rows.train),
        n_test=len(test_prompts),
        n_val=len(val_examples),
        seconds=time.perf_counter() - started,
        training_seconds=outcome.seconds,
        scoring_seconds=scoring_seconds,
        train_examples_per_second=outcome.examples_per_second,
        examples_per_second=len(test_prompts) / scoring_seconds if scoring_seconds else None,
        steps=outcome.steps,
        trainable_parameters=trainable_count,
        total_parameters=total_count,
        history=outcome.history,
        best_step=outcome.best_step,
        cancelled_early=outcome.cancelled,
        answer_words=builder.answer_words,
        device=trainable.device,
        dtype=trainable.dtype,
        precision=mixed_precision(spec.training, trainable.device),
        notes=list(rows.notes) + trainable.notes,
    )
    return metrics, predictions_frame(rows, rows.test, probabilities)
