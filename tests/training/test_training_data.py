"""Training examples and the dynamic-padding collator."""

import pytest

from workbench.models.embedded import ensure_tiny_random_llama
from workbench.models.loading import load_tokenizer
from workbench.scoring import answer_token_ids
from workbench.training.data import IGNORE, DynamicPaddingCollator, causal_examples, classification_examples


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(str(ensure_tiny_random_llama(lambda _: None)), local_only=True)


PROMPTS = ["- MedInc: 8.33\nIs this house block valuable? Yes or no?\nAnswer:", "- MedInc: 1.2\nAnswer:"]


def test_label_word_collator_masks_everything_but_the_answer_tokens(tokenizer):
    answers = answer_token_ids(tokenizer, [" No", " Yes"])
    examples = causal_examples(tokenizer, PROMPTS, [1, 0], answers, max_length=512)
    batch = DynamicPaddingCollator(tokenizer.pad_token_id)(examples)
    lengths = [len(example["input_ids"]) for example in examples]
    assert batch["input_ids"].shape == (2, max(lengths))  # the longest row, never a fixed length
    for row, (length, label) in enumerate(zip(lengths, [1, 0])):
        answer = answers[label]
        labels = batch["labels"][row].tolist()
        assert labels[length - len(answer):length] == answer
        assert all(value == IGNORE for value in labels[:length - len(answer)] + labels[length:])
        assert batch["attention_mask"][row].tolist() == [1] * length + [0] * (max(lengths) - length)
        assert batch["input_ids"][row, :length].tolist()[-len(answer):] == answer


def test_alpaca_objective_can_end_with_eos_and_learn_the_prompt(tokenizer):
    answers = answer_token_ids(tokenizer, [" No", " Yes"])
    plain, = causal_examples(tokenizer, PROMPTS[:1], [1], answers, 512, objective="alpaca", add_eos_token=True)
    assert plain["input_ids"][-1] == tokenizer.eos_token_id
    assert [v for v in plain["labels"] if v != IGNORE] == answers[1] + [tokenizer.eos_token_id]
    inputs, = causal_examples(tokenizer, PROMPTS[:1], [1], answers, 512, objective="alpaca", train_on_inputs=True)
    assert inputs["labels"] == inputs["input_ids"]


def test_long_prompts_lose_their_start_and_keep_the_answer(tokenizer):
    answers = answer_token_ids(tokenizer, [" No", " Yes"])
    example, = causal_examples(tokenizer, PROMPTS[:1], [0], answers, max_length=8)
    assert len(example["input_ids"]) == 8 and example["labels"][-len(answers[0]):] == answers[0]


def test_classification_examples_carry_the_class_index(tokenizer):
    batch = DynamicPaddingCollator(tokenizer.pad_token_id)(classification_examples(tokenizer, PROMPTS, [1, 0], 512))
    assert batch["labels"].tolist() == [1, 0]
