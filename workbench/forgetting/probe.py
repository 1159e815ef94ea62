"""The general-ability probe: perplexity on ordinary English text that no task trains on.

The texts are Amazon fine-food reviews (embedded, offline), minus any review a task of the run
trains on. A classification-head model has no language-model head of its own; when its input
embeddings are tied to the output layer (SmolLM2, GPT-2, Qwen2.5) the head is those embeddings,
so the probe still reads what the fine-tuned body now predicts.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

import numpy as np
import torch

from workbench.training.data import IGNORE, DynamicPaddingCollator

PROBE_DATASET = "amazon-reviews"
PROBE_TOKENS = 128  # each text's first tokens: enough for a stable estimate, cheap on a CPU
PROBE_SEED = 1234

LogitsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def probe_texts(count: int, exclude: Iterable[str] = ()) -> list[str]:
    """`count` review texts in a fixed random order, none of them in `exclude`."""
    from workbench.data import load

    loaded = load(PROBE_DATASET)
    texts = loaded.frame[loaded.info.text_column].astype(str).tolist()
    excluded = set(exclude)
    order = np.random.default_rng(PROBE_SEED).permutation(len(texts))
    chosen = []
    for index in order:
        if len(chosen) == count:
            break
        if texts[index] not in excluded and texts[index].strip():
            chosen.append(texts[index])
    return chosen


def _base(model):
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def language_model_logits(model) -> LogitsFn | None:
    """A function (input_ids, attention_mask) -> next-token logits for this model, or None when
    it has no language-model head to read them from (an untied classification model)."""
    base = _base(model)
    if base.get_output_embeddings() is not None:
        return lambda ids, mask: model(input_ids=ids, attention_mask=mask).logits
    if not getattr(base.config, "tie_word_embeddings", False):
        return None
    body = getattr(base, base.base_model_prefix)

    def logits(ids, mask):
        hidden = body(input_ids=ids, attention_mask=mask).last_hidden_state
        return hidden @ body.get_input_embeddings().weight.T

    return logits


def perplexity(model, tokenizer, texts: list[str], batch_size: int = 8,
               max_tokens: int = PROBE_TOKENS) -> float | None:
    """exp(mean negative log-likelihood per predicted token) over the texts; None if the model
    cannot predict tokens (see language_model_logits)."""
    logits_of = language_model_logits(model)
    if logits_of is None or not texts:
        return None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    collate = DynamicPaddingCollator(pad_id)
    examples = []
    for text in texts:
        ids = list(tokenizer(text, add_special_tokens=True)["input_ids"])[:max_tokens]
        if len(ids) >= 2:
            examples.append({"input_ids": ids, "labels": ids})
    total_loss, total_tokens = 0.0, 0
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        with torch.inference_mode():
            for start in range(0, len(examples), batch_size):
                batch = collate(examples[start:start + batch_size])
                logits = logits_of(batch["input_ids"].to(device), batch["attention_mask"].to(device))
                targets = batch["labels"][:, 1:].to(device)
                losses = torch.nn.functional.cross_entropy(
                    logits[:, :-1].float().transpose(1, 2), targets, ignore_index=IGNORE,
                    reduction="sum")
                total_loss += float(losses)
                total_tokens += int((targets != IGNORE).sum())
    finally:
        model.train(was_training)
    return math.exp(total_loss / total_tokens) if total_tokens else None
