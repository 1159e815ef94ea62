"""Zero-shot and few-shot scoring: a run that does not train."""

from __future__ import annotations

import time

import numpy as np

from workbench.experiments.common import Progress, RunCancelled, ShouldStop, test_metrics_record
from workbench.models import LoadedModel, load_model
from workbench.prompts import PromptBuilder
from workbench.rows import PreparedRows, predictions_frame
from workbench.scoring import score_prompts
from workbench.specs import EvaluateSpec


def load_for_spec(spec: EvaluateSpec) -> LoadedModel:
    model = spec.model
    return load_model(model.name, device=model.device, dtype=model.dtype, quantization=model.quantization)


def method_label(spec: EvaluateSpec) -> str:
    shots = spec.template.shots
    return "zero-shot" if shots == 0 else f"few-shot ({shots})"


def evaluate(
    spec: EvaluateSpec, rows: PreparedRows, progress: Progress, should_stop: ShouldStop,
    loaded: LoadedModel | None = None,
) -> tuple[dict, "object"]:
    """Score the test rows; returns (metrics, predictions frame)."""
    if loaded is None:
        progress("loading model", 0, 1)
        loaded = load_for_spec(spec)
    progress("writing prompts", 0, len(rows.test))
    builder = PromptBuilder(spec.template, rows.info, tokenizer=loaded.tokenizer, train=rows.train)
    prompts = builder.prompts(rows.test)
    started = time.perf_counter()
    result = score_prompts(
        loaded.model, loaded.tokenizer, prompts, builder.answer_words,
        batch_size=spec.batch_size,
        progress=lambda done, total: progress("scoring", done, total),
        should_stop=should_stop,
    )
    if result.stopped:
        raise RunCancelled()
    seconds = time.perf_counter() - started
    labels = rows.labels(rows.test)
    tokens = np.asarray(result.tokens_per_prompt)
    metrics = test_metrics_record(
        labels, result.probabilities, list(rows.info.classes),
        method=method_label(spec),
        n_train=int(spec.template.shots),
        n_test=len(prompts),
        seconds=seconds,
        examples_per_second=len(prompts) / seconds if seconds else None,
        tokens_per_row={"mean": float(tokens.mean()), "max": int(tokens.max())},
        answer_words=builder.answer_words,
        trainable_parameters=0,
        device=loaded.device,
        dtype=loaded.dtype,
        truncated=int(getattr(result, "truncated", 0)),
        notes=list(rows.notes),
    )
    return metrics, predictions_frame(rows, rows.test, result.probabilities)
