"""Try a fine-tuned run on one prompt: each class's probability from the fine-tuned model next to
the base model's.

    tuned = load_tuned(record)                  # its own copy: base + the run's adapter or weights
    result = try_row(tuned, 0)                  # the run's first test row, with its true label
    result = try_prompt(tuned, "...Answer:")    # any text
    result.table()                              # class, answer word, base, fine-tuned

Scores are read like the run read them (workbench.training.score_trained.score_test): answer-word
probabilities for causal methods, the softmax of the head's logits for head methods, in the
precision the run trained in. The base is the same copy with its adapter switched off when the
method is a causal adapter, else a base model passed in (or loaded): for head methods the base
answers with its answer words, zero-shot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.experiments.common import no_progress
from workbench.experiments.finetune import ADAPTER_FOLDER, MODEL_FOLDER
from workbench.models import LoadedModel, load_model
from workbench.models.hardware import pick_device
from workbench.models.loading import load_tokenizer
from workbench.prompts import PromptBuilder
from workbench.rows import ROW_ID, PreparedRows, prepare_rows
from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec
from workbench.store import RunRecord
from workbench.training.methods import (
    METHODS, Trainable, load_causal, load_classifier, trainable_from, training_dtype,
)
from workbench.training.score_trained import autocast_for, score_test


class TryItError(WorkbenchError):
    """A run that cannot be tried (no saved weights, not a fine-tuning run)."""


@dataclass
class TunedModel:
    run_id: str
    spec: FinetuneSpec
    trainable: Trainable
    rows: PreparedRows
    builder: PromptBuilder
    # One prompt at a time: switching the adapter off for the base is not thread-safe.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def base_inside(self) -> bool:
        """The base model is this model with its adapter switched off."""
        return self.trainable.is_peft and not self.trainable.is_classifier

    @property
    def classes(self) -> list[str]:
        return list(self.rows.info.classes)


@dataclass(frozen=True)
class TryResult:
    prompt: str
    classes: list[str]
    answer_words: list[str]
    base: np.ndarray  # one probability per class
    tuned: np.ndarray
    true_label: str | None = None  # for a data row
    row_id: int | None = None

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "class": self.classes,
            "answer word": [repr(word) for word in self.answer_words],
            "base model": self.base,
            "fine-tuned": self.tuned,
        })

    @property
    def base_choice(self) -> str:
        return self.classes[int(np.argmax(self.base))]

    @property
    def tuned_choice(self) -> str:
        return self.classes[int(np.argmax(self.tuned))]


def _saved_model(spec: FinetuneSpec, folder: Path, classifier: bool) -> Trainable:
    """Full, last-layers and head runs save the whole model (safetensors) with its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    device = pick_device(spec.model.device)
    dtype = training_dtype(spec)
    auto = AutoModelForSequenceClassification if classifier else AutoModelForCausalLM
    model = auto.from_pretrained(folder, dtype=getattr(torch, dtype), local_files_only=True)
    model.to(device).eval()
    tokenizer = load_tokenizer(str(folder), local_only=True)
    return Trainable(model, tokenizer, spec.training.method, device, dtype, str(folder), [])


def _with_adapter(spec: FinetuneSpec, folder: Path, classifier: bool, num_labels: int) -> Trainable:
    from peft import PeftModel

    if classifier:
        base = load_classifier(spec, num_labels)
    else:
        loaded = load_causal(spec, quantization=METHODS[spec.training.method].quantization)
        base = trainable_from(loaded, loaded.model, spec.training.method)
    base.model = PeftModel.from_pretrained(base.model, str(folder)).eval()
    return base


def load_tuned(record: RunRecord) -> TunedModel:
    """The run's fine-tuned model in a copy of its own (never a shared cached model: peft changes
    the model it wraps)."""
    if record.kind != "finetune":
        raise TryItError(f"Run {record.id} is a {record.kind} run, not a fine-tuning run.")
    spec = FinetuneSpec.model_validate(record.spec)
    rows = prepare_rows(spec.data)
    classifier = METHODS[spec.training.method].base == "classifier"
    folder = Path(record.folder)
    if (folder / ADAPTER_FOLDER).is_dir():
        trainable = _with_adapter(spec, folder / ADAPTER_FOLDER, classifier, len(rows.info.classes))
    elif (folder / MODEL_FOLDER).is_dir():
        trainable = _saved_model(spec, folder / MODEL_FOLDER, classifier)
    else:
        raise TryItError(
            f"Run {record.id} kept no trained weights (no `adapter` or `model` folder): it "
            "stopped before saving them."
        )
    builder = PromptBuilder(spec.template, rows.info, tokenizer=trainable.tokenizer, train=rows.train)
    return TunedModel(record.id, spec, trainable, rows, builder)


# --- scoring -------------------------------------------------------------------------------------


def tuned_probabilities(tuned: TunedModel, prompts: list[str]) -> np.ndarray:
    return score_test(tuned.spec, tuned.trainable, prompts, tuned.builder.answer_words, no_progress)


def base_probabilities(
    tuned: TunedModel, prompts: list[str], base: LoadedModel | None = None
) -> np.ndarray:
    """The base model's answer-word probabilities. Scored with the run's tokenizer, so a shared
    base model's tokenizer is never used from two threads."""
    words, spec, tokenizer = tuned.builder.answer_words, tuned.spec, tuned.trainable.tokenizer
    if tuned.base_inside:
        model = tuned.trainable.model
        with model.disable_adapter(), autocast_for(spec, tuned.trainable.device):
            return score_prompts(model, tokenizer, prompts, words, batch_size=spec.batch_size).probabilities
    if base is None:
        base = load_model(spec.model.name, device=spec.model.device, dtype=training_dtype(spec))
    return score_prompts(base.model, tokenizer, prompts, words, batch_size=spec.batch_size).probabilities


def try_prompt(
    tuned: TunedModel, prompt: str, base: LoadedModel | None = None,
    true_label: str | None = None, row_id: int | None = None,
) -> TryResult:
    if not prompt.strip():
        raise TryItError("Type a prompt first.")
    with tuned.lock:
        tuned_p = tuned_probabilities(tuned, [prompt])[0]
        base_p = base_probabilities(tuned, [prompt], base)[0]
    return TryResult(
        prompt, tuned.classes, list(tuned.builder.answer_words), base_p, tuned_p, true_label, row_id,
    )


def row_prompt(rows: PreparedRows, builder: PromptBuilder, position: int) -> tuple[str, str, int]:
    """(prompt, true label, row id) of the test row at `position` (0 = first)."""
    test = rows.test
    if not 0 <= position < len(test):
        raise TryItError(f"Pick a test row from 0 to {len(test) - 1}.")
    row = test.iloc[position]
    return builder.prompt(row.to_dict()), str(row[rows.info.label_column]), int(row[ROW_ID])


def try_row(tuned: TunedModel, position: int, base: LoadedModel | None = None) -> TryResult:
    prompt, label, row_id = row_prompt(tuned.rows, tuned.builder, position)
    return try_prompt(tuned, prompt, base, true_label=label, row_id=row_id)
