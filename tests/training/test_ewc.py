"""EWC on a hand-built linear model whose Fisher and penalty are worked out by hand, and on the
tiny random Llama."""

import pytest
import torch
from torch import nn

from workbench.models import load_model
from workbench.training.ewc import EWCPenalty, anchor_callback, diagonal_fisher, log_grid

# y = w . x + b with w = [1, 2], b = 0.5 and loss (prediction - y)^2, so that
# d loss / d w = 2 (prediction - y) x and d loss / d b = 2 (prediction - y):
#   example 1: x = [1, 0], y = 1: prediction 1.5, residual 0.5 -> grad w [1, 0], grad b 1
#   example 2: x = [0, 2], y = 3: prediction 4.5, residual 1.5 -> grad w [0, 6], grad b 3
# Fisher = mean of the squares: w [(1 + 0) / 2, (0 + 36) / 2] = [0.5, 18], b (1 + 9) / 2 = 5.
BATCHES = [{"x": torch.tensor([[1.0, 0.0], [0.0, 2.0]]), "y": torch.tensor([[1.0], [3.0]])}]


def squared_error(model, batch):
    return ((model(batch["x"]) - batch["y"]) ** 2).sum()


def linear_model() -> nn.Linear:
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 2.0]]))
        model.bias.copy_(torch.tensor([0.5]))
    return model


def shift(model, weight=(0.1, -0.2), bias=0.3):
    with torch.no_grad():
        model.weight += torch.tensor([weight])
        model.bias += bias


def test_fisher_is_the_mean_of_squared_per_example_gradients():
    fisher = diagonal_fisher(linear_model(), BATCHES, squared_error)
    assert set(fisher) == {"weight", "bias"}
    torch.testing.assert_close(fisher["weight"], torch.tensor([[0.5, 18.0]]))
    torch.testing.assert_close(fisher["bias"], torch.tensor([5.0]))


def test_fisher_stops_at_max_examples_and_leaves_grads_and_mode_alone():
    model = linear_model().train()
    fisher = diagonal_fisher(model, BATCHES, squared_error, max_examples=1)
    torch.testing.assert_close(fisher["weight"], torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(fisher["bias"], torch.tensor([1.0]))
    assert model.training and model.weight.grad is None


def test_penalty_matches_the_hand_computation_and_is_zero_at_the_anchor():
    model = linear_model()
    penalty = EWCPenalty(model, diagonal_fisher(model, BATCHES, squared_error), lambda_=2.0)
    assert penalty().item() == 0.0
    shift(model)
    # (2 / 2) * (0.5 * 0.1^2 + 18 * 0.2^2 + 5 * 0.3^2) = 0.005 + 0.72 + 0.45 = 1.175
    assert penalty().item() == pytest.approx(1.175)
    assert penalty(model).item() == pytest.approx(1.175)


def test_one_sgd_step_on_the_penalty_moves_parameters_toward_the_anchor():
    model = linear_model()
    penalty = EWCPenalty(model, diagonal_fisher(model, BATCHES, squared_error), lambda_=2.0)
    shift(model)

    def distance():
        return sum(((p - penalty.anchor[n]) ** 2).sum().item() for n, p in model.named_parameters())

    before = distance()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    penalty().backward()
    optimizer.step()
    assert distance() < before


def test_frozen_parameters_are_ignored():
    model = linear_model()
    model.bias.requires_grad_(False)
    fisher = diagonal_fisher(model, BATCHES, squared_error)
    assert set(fisher) == {"weight"}
    penalty = EWCPenalty(model, fisher, lambda_=2.0)
    shift(model)
    assert penalty().item() == pytest.approx(0.5 * 0.1**2 + 18 * 0.2**2)  # no bias term
    model.weight.requires_grad_(False)  # frozen after anchoring: ignored too
    assert penalty().item() == 0.0


def test_the_proximal_step_matches_the_hand_computation():
    model = linear_model()
    penalty = EWCPenalty(model, diagonal_fisher(model, BATCHES, squared_error), lambda_=2.0)
    shift(model)  # weight off by (0.1, -0.2), bias by 0.3
    penalty.pull_toward_anchor(lambda parameter: 0.1)
    # each offset divided by 1 + lr * lambda * F: 1 + 0.1 * 2 * (0.5, 18) = (1.1, 4.6), 1 + 0.1 * 2 * 5 = 2
    torch.testing.assert_close(model.weight, torch.tensor([[1.0 + 0.1 / 1.1, 2.0 - 0.2 / 4.6]]))
    torch.testing.assert_close(model.bias, torch.tensor([0.5 + 0.3 / 2]))


def test_the_proximal_step_holds_a_stiff_parameter_and_frees_a_flat_one():
    model = linear_model()
    penalty = EWCPenalty(model, {"weight": torch.tensor([[1e-9, 1e9]])}, lambda_=1.0)
    shift(model, weight=(0.5, 0.5), bias=0.0)
    penalty.pull_toward_anchor(lambda parameter: 1e-2)
    torch.testing.assert_close(model.weight, torch.tensor([[1.5, 2.0]]), atol=1e-6, rtol=0)


def test_the_callback_steps_each_parameter_at_its_optimizer_groups_rate():
    model = linear_model()
    penalty = EWCPenalty(model, diagonal_fisher(model, BATCHES, squared_error), lambda_=2.0)
    shift(model)
    optimizer = torch.optim.SGD([{"params": [model.weight], "lr": 0.1},
                                 {"params": [model.bias], "lr": 0.0}], lr=0.1)
    anchor_callback(penalty).on_optimizer_step(None, None, None, optimizer=optimizer)
    torch.testing.assert_close(model.weight, torch.tensor([[1.0 + 0.1 / 1.1, 2.0 - 0.2 / 4.6]]))
    torch.testing.assert_close(model.bias, torch.tensor([0.8]))  # learning rate 0: left alone


def test_bad_arguments_are_refused():
    model = linear_model()
    fisher = diagonal_fisher(model, BATCHES, squared_error)
    with pytest.raises(ValueError, match="lambda"):
        EWCPenalty(model, fisher, lambda_=-1.0)
    with pytest.raises(ValueError, match="lacks"):
        EWCPenalty(model, {"other.weight": torch.ones(1)}, lambda_=1.0)
    with pytest.raises(ValueError, match="shape"):
        EWCPenalty(model, {"weight": torch.ones(2)}, lambda_=1.0)
    with pytest.raises(ValueError, match="No examples"):
        diagonal_fisher(model, [], squared_error)
    with pytest.raises(ValueError, match="max_examples"):
        diagonal_fisher(model, BATCHES, squared_error, max_examples=0)


def test_log_grid():
    assert log_grid(0.1, 1000.0, 5) == pytest.approx([0.1, 1.0, 10.0, 100.0, 1000.0])
    assert log_grid(3.0, 3.0, 1) == [3.0]
    for low, high, n in [(0.0, 1.0, 3), (10.0, 1.0, 3), (1.0, 10.0, 0)]:
        with pytest.raises(ValueError):
            log_grid(low, high, n)


def test_fisher_and_penalty_on_the_tiny_llama():
    loaded = load_model("tiny-random-llama", device="cpu", dtype="float32")
    model, tokenizer = loaded.model, loaded.tokenizer
    prompts = ["Is this block valuable?", "MedInc: 8.33", "Answer: Yes", "Answer: No"]
    batches = [tokenizer(prompt, return_tensors="pt") for prompt in prompts]

    def language_model_loss(model, batch):
        return model(**batch, labels=batch["input_ids"]).loss

    fisher = diagonal_fisher(model, batches, language_model_loss, max_examples=4)
    trainable = {name: p for name, p in model.named_parameters() if p.requires_grad}
    assert set(fisher) == set(trainable)
    for name, values in fisher.items():
        assert values.shape == trainable[name].shape and (values >= 0).all()
    assert any(values.sum() > 0 for values in fisher.values())
    assert EWCPenalty(model, fisher, lambda_=100.0)().item() == 0.0

