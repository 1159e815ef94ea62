"""Elastic Weight Consolidation (Kirkpatrick et al., 2017): after task A, training on task B pays
(lambda / 2) * sum_i F_i (theta_i - theta*_A,i)^2 on top of its loss, with theta*_A the weights after A
and F the diagonal of the empirical Fisher at theta*_A: the mean over task-A examples of each
parameter's squared per-example gradient of the training loss.

The penalty is applied decoupled from the optimizer, as AdamW applies weight decay: after each
optimizer step every parameter takes the exact proximal step of the penalty at that step's
learning rate, theta <- theta*_A + (theta - theta*_A) / (1 + lr * lambda * F). Added to the loss
instead, its gradient goes through Adam, which divides each gradient by its running size, so a
stiff penalty turns into steps of about the learning rate back and forth across the anchor on
exactly the weights task A needs, and through the Trainer's gradient clipping, where its norm
shrinks the task's gradient. Measured on the default forgetting comparison (float32, SmolLM2):
lambda 1e5 in the loss left both tasks at chance (52% and 53%); the proximal step moves from
naive's result to holding task A as lambda grows, and is stable for any lambda.

Only trainable parameters (requires_grad) take part. The per-example loop makes this a tool for
small models and a few hundred rows; the anchor and the Fisher each hold one float32 copy of the
trainable parameters.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np
import torch

LossFn = Callable[..., torch.Tensor]  # loss_fn(model, inputs) -> scalar loss of those inputs


def trainable_parameters(model) -> dict[str, torch.nn.Parameter]:
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def single_examples(batches: Iterable[Mapping[str, torch.Tensor]]):
    """Each batch (a dict of tensors with the examples along dimension 0) one row at a time."""
    for batch in batches:
        size = len(next(iter(batch.values())))
        for row in range(size):
            yield {key: value[row:row + 1] for key, value in batch.items()}


def diagonal_fisher(
    model, batches: Iterable[Mapping[str, torch.Tensor]], loss_fn: LossFn,
    max_examples: int | None = None,
) -> dict[str, torch.Tensor]:
    """{parameter name: mean squared per-example gradient} over the first `max_examples` examples
    of `batches` (all of them if None), with `loss_fn(model, one_example_batch)` the loss.

    The model runs in eval mode (no dropout noise in the gradients) and is put back as it was;
    gradients come from torch.autograd.grad, so parameters' .grad is left untouched."""
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"max_examples must be at least 1, got {max_examples}.")
    parameters = trainable_parameters(model)
    if not parameters:
        raise ValueError("The model has no trainable parameters to compute a Fisher for.")
    names, tensors = list(parameters), list(parameters.values())
    totals = [torch.zeros_like(p, dtype=torch.float32) for p in tensors]
    was_training = model.training
    model.eval()
    count = 0
    try:
        for example in single_examples(batches):
            if max_examples is not None and count >= max_examples:
                break
            gradients = torch.autograd.grad(loss_fn(model, example), tensors, allow_unused=True)
            for total, gradient in zip(totals, gradients):
                if gradient is not None:  # None: the parameter played no part in this loss
                    total += gradient.detach().float() ** 2
            count += 1
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("No examples to compute the Fisher from.")
    return {name: total / count for name, total in zip(names, totals)}


class EWCPenalty:
    """(lambda / 2) * sum_i F_i (theta_i - theta*_A,i)^2, anchored at the model's weights now.

    `penalty()` is its value; training applies it through `pull_toward_anchor` (anchor_callback).
    It keeps a reference to `model`: build it for the very model object the Trainer trains (for a
    peft model, the PeftModel). Parameters that are frozen (requires_grad False) are ignored, as
    are trainable ones the Fisher has no entry for."""

    def __init__(self, model, fisher: Mapping[str, torch.Tensor], lambda_: float):
        if not np.isfinite(lambda_) or lambda_ < 0:
            raise ValueError(f"The EWC strength lambda must be a number >= 0, got {lambda_}.")
        parameters = trainable_parameters(model)
        unknown = sorted(set(fisher) - set(dict(model.named_parameters())))
        if unknown:
            raise ValueError(f"The Fisher has entries for parameters this model lacks: {unknown[:5]}.")
        self.model = model
        self.lambda_ = float(lambda_)
        self.fisher: dict[str, torch.Tensor] = {}
        self.anchor: dict[str, torch.Tensor] = {}
        self.parameters: dict[str, torch.nn.Parameter] = {}  # the model's, by the Fisher's names
        for name, values in fisher.items():
            if name not in parameters:
                continue
            parameter = parameters[name]
            if values.shape != parameter.shape:
                raise ValueError(f"Fisher entry {name} has shape {tuple(values.shape)}, "
                                 f"the parameter {tuple(parameter.shape)}.")
            self.fisher[name] = values.detach().float().to(parameter.device)
            self.anchor[name] = parameter.detach().float().clone()
            self.parameters[name] = parameter

    def _on_device_of(self, name: str, parameter: torch.nn.Parameter) -> tuple[torch.Tensor, torch.Tensor]:
        """The entry's Fisher and anchor, moved once to the parameter's device if the model moved
        after anchoring."""
        if self.fisher[name].device != parameter.device:
            self.fisher[name] = self.fisher[name].to(parameter.device)
            self.anchor[name] = self.anchor[name].to(parameter.device)
        return self.fisher[name], self.anchor[name]

    @torch.no_grad()
    def pull_toward_anchor(self, learning_rate_of: Callable[[torch.nn.Parameter], float]) -> None:
        """The penalty's proximal step: each parameter moves to
        anchor + (parameter - anchor) / (1 + lr * lambda * F), lr its optimizer's learning rate
        (`learning_rate_of(parameter)`). Parameters with a large lr * lambda * F go back to the
        anchor; those with a small one keep the optimizer's step."""
        for name, parameter in self.parameters.items():
            if not parameter.requires_grad:
                continue
            fisher, anchor = self._on_device_of(name, parameter)
            shrink = 1.0 / (1.0 + learning_rate_of(parameter) * self.lambda_ * fisher)
            parameter.copy_((anchor + (parameter.float() - anchor) * shrink).to(parameter.dtype))

    def __call__(self, model=None) -> torch.Tensor:
        model = self.model if model is None else model
        total = None
        for name, parameter in model.named_parameters():
            if name not in self.fisher or not parameter.requires_grad:
                continue
            fisher, anchor = self._on_device_of(name, parameter)
            term = (fisher * (parameter.float() - anchor) ** 2).sum()
            total = term if total is None else total + term
        if total is None:
            return torch.zeros((), device=next(model.parameters()).device)
        return 0.5 * self.lambda_ * total


def anchor_callback(penalty: EWCPenalty):
    """A TrainerCallback that gives `penalty` its proximal step after each optimizer step, at the
    learning rate of each parameter's optimizer group."""
    from transformers import TrainerCallback

    class PullTowardAnchor(TrainerCallback):
        def on_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
            rates = {id(parameter): group["lr"] for group in optimizer.param_groups
                     for parameter in group["params"]}
            penalty.pull_toward_anchor(lambda parameter: rates.get(id(parameter), 0.0))

    return PullTowardAnchor()


def log_grid(low: float, high: float, n: int) -> list[float]:
    """n values from low to high, evenly spaced on a log scale (a lambda sweep)."""
    if not (0 < low <= high) or not np.isfinite(high):
        raise ValueError(f"A log grid needs 0 < low <= high, got low={low}, high={high}.")
    if n < 1:
        raise ValueError(f"A log grid needs at least one value, got n={n}.")
    return [float(value) for value in np.geomspace(low, high, n)]
