"""Forgetting runs: train one model on the tasks one after the other with one method, and
measure every task before training and after each task, the first task every few steps while
later tasks train, and perplexity on held-out English text (workbench.forgetting.probe).

The result is the accuracy matrix R (row 0 before training, row i after the i-th task) with its
forgetting and backward-transfer figures (workbench.forgetting.metrics), stored in metrics.json.
A cancel ends the run as cancelled: a matrix with missing rows would mislead.

About 400 lines as one idea: one run's stages and the evaluations between them, which share the
run's tasks and model.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.experiments.common import Progress, RunCancelled, ShouldStop
from workbench.experiments.finetune import autocast_for, classify_prompts
from workbench.experiments.history import append_history
from workbench.experiments.rows import ROW_ID, PreparedRows
from workbench.forgetting import metrics as forgetting_metrics
from workbench.forgetting.plan import FULL_FINE_TUNING, shared_settings, the_method
from workbench.forgetting.probe import perplexity, probe_texts
from workbench.forgetting.replay import mix_replay
from workbench.forgetting.stage_cache import load_stage, save_stage
from workbench.prompts import PromptBuilder
from workbench.scoring import answer_token_ids, score_prompts
from workbench.specs import ForgettingSpec, content_hash
from workbench.training import Trainable, build_trainable, count_parameters, train
from workbench.training.data import DynamicPaddingCollator, causal_examples, classification_examples
from workbench.training.ewc import EWCPenalty, diagonal_fisher
from workbench.training.trainer import answer_choice_loss, classification_loss, mixed_precision
from workbench.tuners.last_layers import setup_last_layers


@dataclass
class Task:
    label: str
    rows: PreparedRows
    builder: PromptBuilder
    examples: list[dict]  # training examples as token ids
    eval_prompts: list[str]
    eval_labels: np.ndarray  # class positions within the task
    answer_ids: list[list[int]]  # label words: each class's answer tokens
    offset: int  # class-incremental: the task's first class in the shared head

    @property
    def first_answer_ids(self) -> list[int]:
        return [ids[0] for ids in self.answer_ids]

    @property
    def classes(self) -> list[str]:
        return list(self.rows.info.classes)


@dataclass
class Evaluation:
    accuracy: float
    within_task: float | None = None  # class-incremental: among the task's own classes
    probabilities: np.ndarray | None = field(default=None, repr=False)  # not stored in metrics

    def stored(self) -> dict:
        return {"accuracy": self.accuracy, "within_task": self.within_task}


@dataclass
class Progression:
    """What the run has measured so far."""

    rows: list[list[Evaluation]] = field(default_factory=list)
    perplexities: list[float | None] = field(default_factory=list)
    curve: list[dict] = field(default_factory=list)
    stages: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)


def union_classes(rows: list[PreparedRows], labels: list[str]) -> list[str]:
    """The shared head's classes: each task's classes, named after the task where names clash."""
    names = [name for task_rows in rows for name in task_rows.info.classes]
    clash = len(set(names)) != len(names)
    return [f"{label}: {name}" if clash else name
            for task_rows, label in zip(rows, labels) for name in task_rows.info.classes]


def build_tasks(spec: ForgettingSpec, rows: list[PreparedRows], trainable: Trainable) -> list[Task]:
    tokenizer, tasks, offset = trainable.tokenizer, [], 0
    max_length = spec.training.max_length
    for task_spec, task_rows in zip(spec.tasks, rows):
        builder = PromptBuilder(task_spec.template, task_rows.info, tokenizer=tokenizer,
                                train=task_rows.train)
        answer_ids = answer_token_ids(tokenizer, builder.answer_words)
        prompts = builder.prompts(task_rows.train)
        labels = task_rows.labels(task_rows.train)
        if spec.setting == "class_incremental":
            examples = classification_examples(tokenizer, prompts, labels + offset, max_length)
        else:
            examples = causal_examples(tokenizer, prompts, labels, answer_ids, max_length)
        tasks.append(Task(
            label=task_spec.label, rows=task_rows, builder=builder, examples=examples,
            eval_prompts=builder.prompts(task_rows.test), eval_labels=task_rows.labels(task_rows.test),
            answer_ids=answer_ids, offset=offset,
        ))
        offset += len(task_rows.info.classes)
    return tasks


def load_trainable(spec: ForgettingSpec, method: str, n_classes: int) -> Trainable:
    trainable = build_trainable(spec, n_classes)
    if method == "last_layers" and trainable.is_classifier:
        setup_last_layers(trainable.model, spec.training, trainable.source)
        trainable.model.score.requires_grad_(True)  # the shared head learns each task's classes
    return trainable


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(spec: ForgettingSpec, trainable: Trainable, task: Task, limit: int | None = None) -> Evaluation:
    prompts, labels = task.eval_prompts[:limit], task.eval_labels[:limit]
    model = trainable.model
    was_training = model.training
    model.eval()
    try:
        with autocast_for(spec, trainable.device):
            if trainable.is_classifier:
                probabilities = classify_prompts(
                    trainable, prompts, spec.batch_size, spec.training.max_length,
                    lambda *args, **kwargs: None)
                own = probabilities[:, task.offset:task.offset + len(task.classes)]
                return Evaluation(
                    accuracy=float((probabilities.argmax(axis=1) == labels + task.offset).mean()),
                    within_task=float((own.argmax(axis=1) == labels).mean()),
                    probabilities=probabilities,
                )
            result = score_prompts(model, trainable.tokenizer, prompts, task.builder.answer_words,
                                   batch_size=spec.batch_size)
            return Evaluation(accuracy=float((result.probabilities.argmax(axis=1) == labels).mean()),
                              probabilities=result.probabilities)
    finally:
        model.train(was_training)


def measure(spec, trainable, tasks, texts, progress: Progress, after: str) -> tuple[list[Evaluation], float | None]:
    """Every task's accuracy and the probe's perplexity, now."""
    evaluations = []
    for number, task in enumerate(tasks, start=1):
        progress(f"evaluating {after}", number - 1, len(tasks) + 1, task=task.label)
        evaluations.append(evaluate(spec, trainable, task))
    progress(f"evaluating {after}", len(tasks), len(tasks) + 1, task="perplexity probe")
    with autocast_for(spec, trainable.device):
        value = perplexity(trainable.model, trainable.tokenizer, texts, batch_size=spec.batch_size)
    return evaluations, value


def first_task_curve_callback(spec, trainable, first: Task, stage: int, offset: int,
                              record, every: int):
    """A TrainerCallback that measures the first task every `every` steps of a later stage."""
    from transformers import TrainerCallback

    class FirstTaskCurve(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step % every == 0 or state.global_step == state.max_steps:
                record({"stage": stage, "step": state.global_step,
                        "global_step": offset + state.global_step,
                        **evaluate(spec, trainable, first, limit=spec.curve_rows).stored()})

    return FirstTaskCurve()


# --- training stages -----------------------------------------------------------------------------


def stage_examples(spec: ForgettingSpec, method: str, tasks: list[Task], stage: int) -> tuple[list[dict], int]:
    """The examples a stage trains on, and how many of them come from earlier tasks."""
    current = tasks[stage].examples
    earlier = [example for task in tasks[:stage] for example in task.examples]
    if stage == 0 or method not in {"replay", "multitask"}:
        return list(current), 0
    if method == "multitask":
        return earlier + list(current), len(earlier)
    mixed = mix_replay(current, earlier, spec.replay_fraction, seed=spec.training.seed + stage)
    return mixed, len(mixed) - len(current)


def stage_training(spec: ForgettingSpec, stage: int):
    """The stage's TrainingSpec: the run's, at its task's share of the learning rate."""
    factor = spec.tasks[stage].learning_rate_factor
    return spec.training.model_copy(update={"learning_rate": spec.training.learning_rate * factor})


def stage_answer_ids(method: str, tasks: list[Task], stage: int) -> list[int]:
    """First answer tokens of every task whose rows the stage trains on (label words): the loss
    is a softmax over them."""
    trained = tasks[:stage + 1] if method in {"replay", "multitask"} else [tasks[stage]]
    ids: list[int] = []
    for task in trained:
        ids.extend(token for token in task.first_answer_ids if token not in ids)
    return ids


def example_loss(trainable: Trainable, first_answer_ids: list[int]):
    """loss_fn(model, batch) for the Fisher: the stage's training loss of those examples."""
    choose = classification_loss if trainable.is_classifier else answer_choice_loss(first_answer_ids)

    def loss(model, batch):
        outputs = model(input_ids=batch["input_ids"].to(model.device),
                        attention_mask=batch["attention_mask"].to(model.device))
        return choose(outputs, batch["labels"].to(model.device))

    return loss


def fisher_for(spec: ForgettingSpec, trainable: Trainable, task: Task, progress: Progress):
    progress("computing the Fisher information", 0, 1, task=task.label)
    pad = trainable.tokenizer.pad_token_id if trainable.tokenizer.pad_token_id is not None else 0
    collate = DynamicPaddingCollator(pad)
    examples = task.examples[:spec.fisher_rows]
    batches = [collate(examples[start:start + 8]) for start in range(0, len(examples), 8)]
    with autocast_for(spec, trainable.device):
        return diagonal_fisher(trainable.model, batches,
                               example_loss(trainable, task.first_answer_ids))


def add_fisher(total: dict | None, new: dict) -> dict:
    """Fisher matrices of several tasks add up (online EWC keeps one penalty for all of them)."""
    return dict(new) if total is None else {name: total[name] + new[name] for name in new}


# --- the run -------------------------------------------------------------------------------------


def first_stage_key(spec: ForgettingSpec, fingerprints: list[str], model_fingerprint: str) -> str:
    """What the shared first stage depends on: the comparison's settings with this run's
    learning rate and method, less the curve (drawn only while later tasks train)."""
    content = shared_settings(spec)
    content.pop("curve_every")
    content.update(fingerprints=fingerprints, model_fingerprint=model_fingerprint)
    return content_hash(content)


def _finite_or_none(values) -> list:
    return [None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            for value in values]


def run_forgetting(
    spec: ForgettingSpec, rows: list[PreparedRows], progress: Progress, should_stop: ShouldStop,
    run_dir: Path | None = None, cache_dir: Path | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Train through the tasks; returns (metrics, the final model's predictions on every task)."""
    from workbench.models.fingerprint import model_fingerprint

    started = time.perf_counter()
    method = the_method(spec)
    labels = spec.task_labels
    classes = union_classes(rows, labels)
    progress("loading model", 0, 1)
    trainable = load_trainable(spec, method, len(classes))
    trainable_count, total_count = count_parameters(trainable.model)
    progress("writing prompts", 0, 1)
    tasks = build_tasks(spec, rows, trainable)
    trained_texts = [text for task in rows if task.info.text_column
                     for text in task.train[task.info.text_column].astype(str)]
    texts = probe_texts(spec.probe_texts, exclude=trained_texts) if spec.probe_texts else []
    so_far = Progression()

    def record_curve(point: dict) -> None:
        so_far.curve.append(point)
        if run_dir is not None:
            append_history(run_dir, {"kind": "curve", **point})

    shared_key = (first_stage_key(spec, [r.fingerprint for r in rows], model_fingerprint(spec.model.name))
                  if method in FULL_FINE_TUNING else None)
    reused = load_stage(cache_dir, shared_key, trainable.model) if shared_key else None
    if reused is not None:
        progress("reusing the first stage", 1, 1, task=labels[0])
        so_far.rows = [[Evaluation(**item) for item in row] for row in reused["rows"]]
        so_far.perplexities = list(reused["perplexities"])
        so_far.stages = list(reused["stages"])
        so_far.history = list(reused["history"])
        first_stage = 1
    else:
        evaluations, value = measure(spec, trainable, tasks, texts, progress, "before training")
        so_far.rows.append(evaluations)
        so_far.perplexities.append(value)
        first_stage = 0

    fisher_total, penalty = None, None
    steps_before = sum(stage["steps"] for stage in so_far.stages)
    for stage in range(first_stage, len(tasks)):
        if method == "ewc" and stage > 0:
            fisher_total = add_fisher(fisher_total, fisher_for(spec, trainable, tasks[stage - 1], progress))
            penalty = EWCPenalty(trainable.model, fisher_total, spec.ewc_lambda)
        examples, replayed = stage_examples(spec, method, tasks, stage)
        callbacks = ()
        if stage > 0:
            record_curve({"stage": stage, "step": 0, "global_step": steps_before,
                          **evaluate(spec, trainable, tasks[0], limit=spec.curve_rows).stored()})
            callbacks = (first_task_curve_callback(spec, trainable, tasks[0], stage, steps_before,
                                                   record_curve, spec.curve_every),)
        label = tasks[stage].label

        def report(name, done, total, **details):
            progress(f"training on {label}" if name == "training" else name, done, total,
                     task=label, task_number=stage + 1, task_count=len(tasks), **details)

        def keep_history(entry: dict) -> None:
            entry = {**entry, "stage": stage, "global_step": steps_before + entry["step"]}
            so_far.history.append(entry)
            if run_dir is not None:
                append_history(run_dir, entry)

        training = stage_training(spec, stage)
        stage_started = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            outcome = train(
                trainable, training, examples, [], stage_answer_ids(method, tasks, stage),
                Path(scratch) / "checkpoints", report, should_stop, on_history=keep_history,
                penalty=penalty, extra_callbacks=callbacks,
                head_learning_rate=spec.head_learning_rate,
            )
        if outcome.cancelled:
            raise RunCancelled()
        so_far.stages.append({
            "task": label, "examples": len(examples), "replayed": replayed, "steps": outcome.steps,
            "learning_rate": training.learning_rate, "seconds": time.perf_counter() - stage_started,
        })
        steps_before += outcome.steps
        evaluations, value = measure(spec, trainable, tasks, texts, progress, f"after {label}")
        so_far.rows.append(evaluations)
        so_far.perplexities.append(value)
        if stage == 0 and shared_key:
            save_stage(cache_dir, shared_key, trainable.model, {
                "rows": [[item.stored() for item in row] for row in so_far.rows],
                "perplexities": so_far.perplexities, "stages": so_far.stages,
                "history": so_far.history,
            })

    metrics = summary(spec, method, tasks, so_far, classes)
    predictions = final_predictions(tasks, so_far.rows[-1], classes if spec.setting == "class_incremental" else None)
    metrics.update(
        reused_first_stage=reused is not None,
        trainable_parameters=trainable_count, total_parameters=total_count,
        seconds=time.perf_counter() - started, device=trainable.device,
        precision=mixed_precision(spec.training, trainable.device),
        notes=[note for task in rows for note in task.notes] + trainable.notes,
    )
    return metrics, predictions


def final_predictions(tasks: list[Task], evaluations: list[Evaluation],
                      union: list[str] | None) -> pd.DataFrame:
    """The last model's answers on every task's test rows, one row each: task, row_id, label,
    predicted, correct, and the probability of the true class. In the class-incremental setting
    the prediction is over all tasks' classes."""
    frames = []
    for task, evaluation in zip(tasks, evaluations):
        probabilities = evaluation.probabilities
        true = task.eval_labels + (task.offset if union else 0)
        names = union or task.classes
        chosen = probabilities.argmax(axis=1)
        frames.append(pd.DataFrame({
            "task": task.label,
            ROW_ID: task.rows.test[ROW_ID].to_numpy(),
            "label": [names[i] for i in true],
            "predicted": [names[i] for i in chosen],
            "correct": chosen == true,
            "p_label": probabilities[np.arange(len(true)), true],
        }))
    return pd.concat(frames, ignore_index=True)


def summary(spec: ForgettingSpec, method: str, tasks: list[Task], so_far: Progression,
            classes: list[str]) -> dict:
    """metrics.json of a forgetting run."""
    matrix = np.array([[item.accuracy for item in row] for row in so_far.rows])
    perplexities = so_far.perplexities
    change = (perplexities[-1] - perplexities[0]
              if perplexities and None not in (perplexities[0], perplexities[-1]) else None)
    result = {
        "method": method,
        "setting": spec.setting,
        "tasks": [task.label for task in tasks],
        "task_classes": [task.classes for task in tasks],
        "matrix": matrix.tolist(),
        "forgetting_definition": "max",
        "forgetting": _finite_or_none(forgetting_metrics.forgetting(matrix, "max")),
        "forgetting_avalanche": _finite_or_none(forgetting_metrics.forgetting(matrix, "avalanche")),
        "backward_transfer": forgetting_metrics.backward_transfer(matrix),
        "average_accuracy": forgetting_metrics.average_accuracy(matrix),
        "perplexity": perplexities,
        "perplexity_change": change,
        "curve": so_far.curve,
        "stages": so_far.stages,
        "n_train": [len(task.examples) for task in tasks],
        "n_eval": [len(task.eval_prompts) for task in tasks],
        # Always answering a task's most common class scores this: learning means clearing it.
        "majority_share": [float(np.bincount(task.eval_labels).max() / len(task.eval_labels))
                           for task in tasks],
        "curve_rows": min(spec.curve_rows, len(tasks[0].eval_prompts)),
        "learning_rate": spec.training.learning_rate,
        "ewc_lambda": spec.ewc_lambda if method == "ewc" else None,
        "replay_fraction": spec.replay_fraction if method == "replay" else None,
    }
    if spec.setting == "class_incremental":
        result["classes"] = classes
        result["within_task_matrix"] = [[item.within_task for item in row] for row in so_far.rows]
    return result
