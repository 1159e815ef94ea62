"""Training on the answer window: left-padded batches that ask for the answer positions' logits
only give the same loss as whole right-padded rows; batches split into micro-batches by memory."""

import pytest
import torch

from workbench.models import load_model
from workbench.scoring import answer_token_ids
from workbench.training.data import (
    IGNORE, AnswerWindowCollator, DynamicPaddingCollator, answer_window, causal_examples, rounded_width,
)
from workbench.training.micro_batch import micro_batch_size
from workbench.training.trainer import answer_choice_loss, answer_tokens_loss

PROMPTS = [
    "- MedInc: 8.33\n- HouseAge: 41.00\nIs this house block valuable? Yes or No?\nAnswer:",
    "- MedInc: 1.2\nAnswer:",
    "- MedInc: 3.5\n- HouseAge: 12.00\n- AveRooms: 5.1\nAnswer:",
]


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny-random-llama", dtype="float32")


def losses(model, collate, loss, examples):
    batch = collate(examples)
    labels = batch.pop("labels")
    with torch.no_grad():
        outputs = model(**batch)
    return loss(outputs, labels), outputs.logits.shape


@pytest.mark.parametrize("objective", ["label_words", "alpaca"])
def test_the_answer_window_gives_the_whole_rows_loss_from_a_few_positions(tiny, objective):
    answers = answer_token_ids(tiny.tokenizer, [" no", " Valuable"])  # one token and two
    examples = causal_examples(tiny.tokenizer, PROMPTS, [1, 0, 1], answers, 512, objective=objective,
                               add_eos_token=objective == "alpaca")
    pad = tiny.tokenizer.pad_token_id
    if objective == "label_words":
        loss = answer_choice_loss([ids[0] for ids in answers])
        whole, _ = losses(tiny.model, DynamicPaddingCollator(pad), loss, examples)
    else:
        batch = DynamicPaddingCollator(pad)(examples)
        with torch.no_grad():
            whole = tiny.model(**batch).loss  # the model's own causal LM loss
    window, window_shape = losses(
        tiny.model, AnswerWindowCollator(pad), answer_choice_loss([ids[0] for ids in answers])
        if objective == "label_words" else answer_tokens_loss, examples)
    assert torch.allclose(whole, window, atol=1e-5)
    longest = max(len(example["input_ids"]) for example in examples)
    assert window_shape[1] <= 4 < longest  # the answer positions, not every position


def test_the_window_starts_before_the_first_labelled_token_of_any_row():
    labels = torch.full((2, 10), IGNORE)
    labels[0, 8:] = 5
    labels[1, 6:] = 7
    assert answer_window(labels) == 5  # positions 5..9: 5 predicts the token at 6


def test_left_padding_keeps_the_positions_each_row_has_alone(tiny):
    batch = AnswerWindowCollator(0)([{"input_ids": [4, 5, 6], "labels": [IGNORE, IGNORE, 6]},
                                     {"input_ids": [7], "labels": [7]}])
    assert batch["position_ids"][1].tolist()[-1] == 0
    assert batch["position_ids"][0].tolist()[-3:] == [0, 1, 2]
    assert batch["attention_mask"][1].tolist()[-1] == 1 and batch["attention_mask"][1].sum() == 1


def test_widths_round_up_to_few_shapes_with_little_padding():
    for width in range(1, 2000):
        rounded = rounded_width(width)
        assert width <= rounded <= width * 1.125
    assert len({rounded_width(width) for width in range(200, 600)}) <= 20


def test_long_rows_train_in_micro_batches_on_a_cpu_only(tiny):
    config = load_model("smollm2-135m-instruct").model.config
    assert micro_batch_size(16, [96] * 16, config, "cpu") == 8  # 768 tokens
    assert micro_batch_size(16, [550, 100], config, "cpu") == 2
    assert micro_batch_size(16, [20] * 16, tiny.model.config, "cpu") == 16
    assert micro_batch_size(16, [550], config, "cuda") == 16
    assert micro_batch_size(12, [200], config, "cpu") == 6
    assert micro_batch_size(12, [300], config, "cpu") == 4
    # float32 keeps more bytes a token: half the rows of a California batch
    assert micro_batch_size(16, [96] * 16, config, "cpu", "fp32") == 4
