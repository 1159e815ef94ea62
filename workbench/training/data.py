"""Training examples as token ids, and a collator that pads each batch to its own longest row.

label_words: prompt tokens + the class's answer-word tokens; the loss reads the answer tokens
only. alpaca: the same, optionally ending with EOS and optionally learning the prompt too.
classification (head methods): prompt tokens and the class index.
Prompts longer than max_length lose their start, like in scoring: the question sits at the end.
"""

from __future__ import annotations

from typing import Sequence

import torch

IGNORE = -100  # label value the loss skips


def encode_prompt(tokenizer, prompt: str) -> list[int]:
    return list(tokenizer(prompt, add_special_tokens=True)["input_ids"])


def keep_last(ids: list[int], room: int) -> list[int]:
    return ids[len(ids) - room:] if len(ids) > room else ids


def answer_example(
    prompt_ids: list[int], answer_ids: list[int], max_length: int, train_on_inputs: bool = False
) -> dict:
    prompt_ids = keep_last(prompt_ids, max(1, max_length - len(answer_ids)))
    prompt_labels = list(prompt_ids) if train_on_inputs else [IGNORE] * len(prompt_ids)
    return {"input_ids": prompt_ids + answer_ids, "labels": prompt_labels + answer_ids}


def causal_examples(
    tokenizer, prompts: Sequence[str], labels: Sequence[int], answer_ids: list[list[int]],
    max_length: int, objective: str = "label_words", train_on_inputs: bool = False,
    add_eos_token: bool = False,
) -> list[dict]:
    """One example per prompt: its class's answer tokens appended as the target."""
    alpaca = objective == "alpaca"
    eos = [tokenizer.eos_token_id] if alpaca and add_eos_token and tokenizer.eos_token_id is not None else []
    return [
        answer_example(
            encode_prompt(tokenizer, prompt), answer_ids[label] + eos, max_length,
            train_on_inputs=alpaca and train_on_inputs,
        )
        for prompt, label in zip(prompts, labels)
    ]


def classification_examples(
    tokenizer, prompts: Sequence[str], labels: Sequence[int], max_length: int
) -> list[dict]:
    return [
        {"input_ids": keep_last(encode_prompt(tokenizer, prompt), max_length), "labels": int(label)}
        for prompt, label in zip(prompts, labels)
    ]


class DynamicPaddingCollator:
    """Right-pads input ids (pad id), attention masks (0) and token labels (-100) to the longest
    row of the batch. Right padding keeps each row's positions as they are without padding."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(example["input_ids"]) for example in examples)
        input_ids = torch.full((len(examples), width), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
        for row, example in enumerate(examples):
            ids = example["input_ids"]
            input_ids[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, :len(ids)] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask,
                "labels": self.labels(examples, width)}

    @staticmethod
    def labels(examples: list[dict], width: int) -> torch.Tensor:
        if isinstance(examples[0]["labels"], int):  # classification: one class per row
            return torch.tensor([example["labels"] for example in examples], dtype=torch.long)
        labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
        for row, example in enumerate(examples):
            labels[row, :len(example["labels"])] = torch.tensor(example["labels"], dtype=torch.long)
        return labels


class AnswerWindowCollator:
    """Left-pads a causal batch so that every row ends at the last column, and asks the model for
    logits of the last `logits_to_keep` positions only: those that predict a labelled token (the
    answer words), plus nothing before them. The LM head then runs on a few positions instead of
    every one, which is most of the memory of a small model's training step (batch x length x
    vocabulary floats) and a good part of its time. Position ids count real tokens only, so each
    row sees the positions it would unpadded (absolute position embeddings such as GPT-2's need
    this; rotary ones do not care)."""

    def __init__(self, pad_id: int, position_ids: bool = True):
        self.pad_id = pad_id
        self.position_ids = position_ids

    def __call__(self, examples: list[dict]) -> dict:
        width = rounded_width(max(len(example["input_ids"]) for example in examples))
        input_ids = torch.full((len(examples), width), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
        labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
        for row, example in enumerate(examples):
            start = width - len(example["input_ids"])
            input_ids[row, start:] = torch.tensor(example["input_ids"], dtype=torch.long)
            attention_mask[row, start:] = 1
            labels[row, start:] = torch.tensor(example["labels"], dtype=torch.long)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels,
                 "logits_to_keep": answer_window(labels)}
        if self.position_ids:
            batch["position_ids"] = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)
        return batch


def rounded_width(width: int) -> int:
    """The width rounded up to one of 8 steps per doubling (100 -> 104, 300 -> 320): at most
    12.5% more padding, and far fewer distinct tensor shapes. With every width different, the
    C allocator's free blocks never fit the next step's tensors and resident memory of a TALLRec
    run kept growing (2.1 GB after 16 micro-batches, 3.1 GB after 96); with rounded widths it stays
    flat."""
    step = max(1, 1 << max(width.bit_length() - 4, 0))
    return -(-width // step) * step


def answer_window(labels: torch.Tensor) -> int:
    """How many last positions hold every prediction of a labelled token: the position before the
    first label of any row, to the end."""
    labelled = (labels != IGNORE).any(dim=0).nonzero()
    first = int(labelled[0]) if len(labelled) else labels.shape[1] - 1
    return labels.shape[1] - max(first - 1, 0)
