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
