"""A fine-tuning spec's rows as examples for its method: answer-word (or Alpaca) examples for a
causal model, class indices for a classification head."""

from __future__ import annotations

import numpy as np

from workbench.specs import FinetuneSpec
from workbench.training.data import causal_examples, classification_examples
from workbench.training.methods import Trainable


def training_examples(
    spec: FinetuneSpec, trainable: Trainable, prompts: list[str], labels: np.ndarray,
    answer_ids: list[list[int]], for_validation: bool = False,
) -> list[dict]:
    training = spec.training
    if trainable.is_classifier:
        return classification_examples(trainable.tokenizer, prompts, labels, training.max_length)
    return causal_examples(
        trainable.tokenizer, prompts, labels, answer_ids, training.max_length,
        objective=training.objective,
        # Validation reads the answer position: the prompt must stay out of the labels.
        train_on_inputs=training.train_on_inputs and not for_validation,
        add_eos_token=training.add_eos_token,
    )
