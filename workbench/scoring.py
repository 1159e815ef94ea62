"""Class probabilities from a causal LM's next-token logits for each class's answer word.

    result = score_prompts(model, tokenizer, prompts, [" No", " Yes"])
    result.probabilities[:, 1]  # P(" Yes") renormalised over the two answers

Nothing here generates or parses text. Each class's log-probability is the sum of the
log-probabilities of its answer tokens given the prompt; a softmax over the classes renormalises.
Prompts are scored in batches, longest first, left padded, and the model computes logits only
for the last positions (`logits_to_keep`), which is what makes batched scoring cheap. The tokens
every prompt starts with (an instruction, a wrapper, fixed few-shot examples) run once, and each
batch reuses their key/value cache (workbench.prefix_cache).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from workbench.errors import WorkbenchError
from workbench.models.forward_args import accepts, left_pad
from workbench.prefix_cache import SharedPrefix

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]

# Encoding an answer after this text gives the ids it has right after a prompt: SentencePiece
# tokenizers (Llama-2, Mistral) prepend "▁" to the start of any text they encode on its own, so a
# bare " Yes" would become ["▁", "▁Yes"] although "...Answer: Yes" ends in "▁Yes".
_ANCHOR = "Answer:"


class ScoringError(WorkbenchError):
    """Answer words or prompts that cannot be scored as given."""


@dataclass
class ScoreResult:
    """Scores in the original prompt order. Rows are scored longest first, so after a stop the
    scored rows (`.scored`) are the longest prompts; the others hold NaN."""

    log_probs: np.ndarray  # n x k: summed log-probabilities of each class's answer tokens
    probabilities: np.ndarray  # n x k: softmax of log_probs over the classes
    tokens_per_prompt: np.ndarray  # n: prompt tokens after truncation
    seconds: float
    stopped: bool = False
    truncated: int = 0  # prompts cut from the left to fit the model's context
    answer_ids: list[list[int]] = field(default_factory=list)

    @property
    def scored(self) -> np.ndarray:
        """Which rows were scored (all of them unless the run was stopped)."""
        return ~np.isnan(self.log_probs).any(axis=1)

    @property
    def examples_per_second(self) -> float:
        return float(self.scored.sum()) / self.seconds if self.seconds > 0 else 0.0


# --- answer words --------------------------------------------------------------------------------


def answer_token_ids(tokenizer, answer_words: Sequence[str]) -> list[list[int]]:
    """Token ids of each answer word as it follows a prompt (" Yes" keeps its leading space)."""
    if len(answer_words) < 2:
        raise ScoringError("Give an answer word for each class: at least two.")
    ids = [_encode_answer(tokenizer, word) for word in answer_words]
    for word, word_ids in zip(answer_words, ids):
        if not word_ids:
            raise ScoringError(f"The answer word {word!r} encodes to no tokens.")
    seen: dict[tuple[int, ...], str] = {}
    for word, word_ids in zip(answer_words, ids):
        if tuple(word_ids) in seen:
            other = seen[tuple(word_ids)]
            raise ScoringError(
                f"The answer words {other!r} and {word!r} encode to the same tokens {word_ids}, "
                "so the model cannot tell them apart."
            )
        seen[tuple(word_ids)] = word
    return ids


def _encode(tokenizer, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _encode_answer(tokenizer, word: str) -> list[int]:
    if not word:
        return []
    anchor = _encode(tokenizer, _ANCHOR)
    joined = _encode(tokenizer, _ANCHOR + word)
    if joined[: len(anchor)] == anchor:
        return joined[len(anchor):]
    return _encode(tokenizer, word)  # the word merged with the anchor: encode it on its own


# --- prompts -------------------------------------------------------------------------------------


def max_positions(model, tokenizer) -> int | None:
    """The longest sequence the model takes, or None when neither config nor tokenizer says."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < 1_000_000 else None


def encode_prompts(
    tokenizer, prompts: Sequence[str], room: int | None
) -> tuple[list[list[int]], int]:
    """(token ids per prompt, how many were truncated): prompts longer than `room` lose their
    start, since the question and the answer cue sit at the end."""
    encoded = tokenizer(list(prompts), add_special_tokens=True)["input_ids"] if prompts else []
    truncated = 0
    kept = []
    for ids in encoded:
        if room is not None and len(ids) > room:
            ids = ids[len(ids) - room:]
            truncated += 1
        kept.append(list(ids))
    return kept, truncated


# --- model passes --------------------------------------------------------------------------------


def left_padded(sequences: list[list[int]], pad_id: int, device) -> dict[str, torch.Tensor]:
    input_ids, attention_mask = left_pad(sequences, pad_id)
    # Positions count real tokens only, so a left-padded row sees the positions it would alone
    # (this matters for absolute position embeddings such as GPT-2's).
    position_ids = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)
    return {
        "input_ids": input_ids.to(device),
        "attention_mask": attention_mask.to(device),
        "position_ids": position_ids.to(device),
    }


def last_log_probs(
    model, sequences: list[list[int]], keep: int, pad_id: int, shared: SharedPrefix | None = None
) -> torch.Tensor:
    """float32 log-softmax over the vocabulary at the last `keep` positions: batch x keep x V.
    With `shared`, every sequence starts with its tokens and only the rest is computed."""
    if shared is not None:
        inputs = shared.inputs(shared.suffixes(sequences), pad_id, model.device)
        inputs["use_cache"] = True
    else:
        inputs = left_padded(sequences, pad_id, model.device)
        inputs["use_cache"] = False
        if not accepts(model, "position_ids"):
            del inputs["position_ids"]
    if accepts(model, "logits_to_keep"):
        inputs["logits_to_keep"] = keep
    logits = model(**inputs).logits
    return torch.log_softmax(logits[:, -keep:].float(), dim=-1)


def score_batch(
    model, prompt_ids: list[list[int]], answer_ids: list[list[int]], pad_id: int,
    shared: SharedPrefix | None = None,
) -> np.ndarray:
    """batch x k summed answer log-probabilities.

    One pass on the prompts serves every one-token answer. Each longer answer gets its own pass on
    prompt + answer minus its last token: the last len(answer) positions then predict exactly the
    answer's tokens.
    """
    scores = torch.empty((len(prompt_ids), len(answer_ids)), dtype=torch.float32)
    single = [c for c, ids in enumerate(answer_ids) if len(ids) == 1]
    if single:
        log_probs = last_log_probs(model, prompt_ids, 1, pad_id, shared)[:, -1]
        scores[:, single] = log_probs[:, [answer_ids[c][0] for c in single]].cpu()
    for c, ids in enumerate(answer_ids):
        if len(ids) == 1:
            continue
        sequences = [prompt + ids[:-1] for prompt in prompt_ids]
        log_probs = last_log_probs(model, sequences, len(ids), pad_id, shared)
        targets = torch.tensor(ids, device=log_probs.device).expand(len(sequences), -1)
        scores[:, c] = log_probs.gather(2, targets.unsqueeze(-1)).squeeze(-1).sum(dim=1).cpu()
    return scores.numpy()


def softmax_rows(log_probs: np.ndarray) -> np.ndarray:
    shifted = log_probs - log_probs.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


# --- the public entry point ----------------------------------------------------------------------


def score_prompts(
    model,
    tokenizer,
    prompts: Sequence[str],
    answer_words: Sequence[str],
    batch_size: int = 16,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> ScoreResult:
    """Score each prompt's classes by the log-probability of their answer words.

    `answer_words` come exactly as they follow the prompt (" Yes" with its space). The model runs
    in the dtype it was loaded with. `progress(done, total)` is called after each batch;
    `should_stop()` is asked before each batch, and a True ends scoring with `.stopped` set.
    """
    if batch_size < 1:
        raise ScoringError(f"The batch size must be at least 1, not {batch_size}.")
    started = time.perf_counter()
    answer_ids = answer_token_ids(tokenizer, answer_words)
    limit = max_positions(model, tokenizer)
    longest_answer = max(len(ids) for ids in answer_ids)
    room = None if limit is None else limit - (longest_answer - 1)
    if room is not None and room < 1:
        raise ScoringError(f"The answer words are longer than the model's context ({limit}).")
    prompt_ids, truncated = encode_prompts(tokenizer, prompts, room)
    if any(len(ids) == 0 for ids in prompt_ids):
        raise ScoringError("An empty prompt cannot be scored: the model needs a token to start.")

    total = len(prompt_ids)
    log_probs = np.full((total, len(answer_ids)), np.nan)
    # Longest first, so the largest batch (the memory peak) comes at once, not after an hour.
    order = sorted(range(total), key=lambda i: len(prompt_ids[i]), reverse=True)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    stopped = False
    with torch.inference_mode():
        shared = SharedPrefix.build(model, prompt_ids) if total > 1 else None
        for start in range(0, total, batch_size):
            if should_stop is not None and should_stop():
                stopped = True
                break
            rows = order[start:start + batch_size]
            batch = [prompt_ids[i] for i in rows]
            log_probs[rows] = score_batch(model, batch, answer_ids, pad_id, shared)
            if progress is not None:
                progress(start + len(rows), total)
    return ScoreResult(
        log_probs=log_probs,
        probabilities=softmax_rows(log_probs),
        tokens_per_prompt=np.array([len(ids) for ids in prompt_ids], dtype=np.int64),
        seconds=time.perf_counter() - started,
        stopped=stopped,
        truncated=truncated,
        answer_ids=answer_ids,
    )
