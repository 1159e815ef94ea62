"""Scoring prompts with a model being or just fine-tuned: a classification head's softmax, or the
answer words' probabilities (workbench.scoring), in the precision the model trained in."""

from __future__ import annotations

import contextlib
from typing import Callable

import numpy as np
import torch

from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec
from workbench.training.data import DynamicPaddingCollator, encode_prompt, keep_last
from workbench.training.methods import Trainable
from workbench.training.trainer import mixed_precision

Progress = Callable[..., None]  # progress("scoring", done, total), as workbench.experiments reports


def autocast_for(spec: FinetuneSpec, device: str):
    """Score in the precision the model trained in (bf16 autocast keeps float32 weights)."""
    if device in {"cpu", "cuda"} and mixed_precision(spec.training, device) == "bf16":
        return torch.autocast(device_type=device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def classify_prompts(
    trainable: Trainable, prompts: list[str], batch_size: int, max_length: int, progress: Progress
) -> np.ndarray:
    """Softmax of a classification head's logits, in prompt order."""
    tokenizer, model = trainable.tokenizer, trainable.model
    collate = DynamicPaddingCollator(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
    encoded = [keep_last(encode_prompt(tokenizer, prompt), max_length) for prompt in prompts]
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(encoded), batch_size):
            batch = collate([{"input_ids": ids, "labels": 0} for ids in encoded[start:start + batch_size]])
            logits = model(input_ids=batch["input_ids"].to(model.device),
                           attention_mask=batch["attention_mask"].to(model.device)).logits
            chunks.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
            progress("scoring", min(start + batch_size, len(encoded)), len(encoded))
    return np.concatenate(chunks)


def score_test(
    spec: FinetuneSpec, trainable: Trainable, prompts: list[str], answer_words: list[str],
    progress: Progress,
) -> np.ndarray:
    with autocast_for(spec, trainable.device):
        if trainable.is_classifier:
            return classify_prompts(trainable, prompts, spec.batch_size, spec.training.max_length, progress)
        result = score_prompts(
            trainable.model, trainable.tokenizer, prompts, answer_words, batch_size=spec.batch_size,
            progress=lambda done, total: progress("scoring", done, total),
        )
    return result.probabilities
