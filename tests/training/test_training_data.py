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


def test_label_words_loss_is_cross_entropy_over_the_answer_tokens_only():
    from types import SimpleNamespace

    import torch

    from workbench.training.trainer import answer_choice_loss

    no_id, yes_id, vocab = 3, 5, 8
    logits = torch.zeros(2, 4, vocab)
    logits[0, 1, yes_id], logits[0, 1, no_id] = 2.0, 0.0   # row 0: answer at position 2 is "yes"
    logits[1, 2, yes_id], logits[1, 2, no_id] = 1.0, 3.0   # row 1: answer at position 3 is "no"
    logits[:, :, 7] = 50.0  # a token no class uses: it must not matter
    labels = torch.tensor([[-100, -100, yes_id, -100], [-100, -100, -100, no_id]])
    loss = answer_choice_loss([no_id, yes_id])(SimpleNamespace(logits=logits), labels)
    by_hand = (-torch.log_softmax(torch.tensor([0.0, 2.0]), 0)[1]
               - torch.log_softmax(torch.tensor([3.0, 1.0]), 0)[0]) / 2
    assert torch.isclose(loss, by_hand)
