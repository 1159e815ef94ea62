"""Forgetting runs: tasks learned one after the other, and the methods compared on them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from workbench.specs.base import MAX_NAME_CHARS, _Strict
from workbench.specs.data import DataSpec
from workbench.specs.model import ModelSpec
from workbench.specs.template import TemplateSpec
from workbench.specs.training import TrainingSpec


ForgettingMethod = Literal["naive", "lora", "last_layers", "replay", "ewc", "multitask"]
FORGETTING_METHODS: tuple[str, ...] = ("naive", "lora", "last_layers", "replay", "ewc", "multitask")
ForgettingSetting = Literal["label_words", "class_incremental"]


class ForgettingTask(_Strict):
    """One task of a sequence: a data set's rows and how they become prompts."""

    name: str | None = Field(None, max_length=60)  # None: the data set's name
    data: DataSpec = Field(default_factory=DataSpec)
    template: TemplateSpec | None = None  # None: the data set's default template
    # Keep only rows of these classes (AG News' Sci/Tech and Sports); n_train and n_test then
    # count the kept rows. None: all classes.
    classes: list[str] | None = Field(None, min_length=2)
    learning_rate_factor: float = Field(
        1.0, gt=0, le=100, title="learning rate ×",
        description="This task trains at the method's learning rate times this: a later task "
                    "trained harder overwrites more of the earlier ones.",
        json_schema_extra={"step": 0.5, "format": "%.2f", "low": 0.05})

    @property
    def label(self) -> str:
        return self.name or self.data.dataset


class LambdaSweep(_Strict):
    """EWC strengths on a log grid from `low` to `high`: one run per value."""

    low: float = Field(10.0, gt=0)
    high: float = Field(100_000.0, gt=0)
    count: int = Field(5, ge=2, le=12)

    @model_validator(mode="after")
    def _ordered(self) -> "LambdaSweep":
        if self.low > self.high:
            raise ValueError("the sweep's low end must not be above its high end")
        return self


def _forgetting_training() -> "TrainingSpec":
    return TrainingSpec(method="full", learning_rate=1e-4, batch_size=8, epochs=1)


class ForgettingSpec(_Strict):
    """Train on the tasks one after the other and measure what earlier tasks lose.

    `methods` lists the methods to compare; each runs (and is stored) as its own run with a
    one-method copy of this spec (workbench.forgetting.plan.method_runs)."""

    kind: Literal["forgetting"] = "forgetting"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    tasks: list[ForgettingTask] = Field(min_length=2, max_length=6)
    model: ModelSpec = Field(default_factory=ModelSpec)
    setting: ForgettingSetting = "label_words"
    methods: list[ForgettingMethod] = Field(default_factory=lambda: ["naive"], min_length=1)
    # Applies to every stage; `training.method` is set per forgetting method, `learning_rate` is
    # the full fine-tuning one, `learning_rates` overrides it for the methods that need more.
    training: TrainingSpec = Field(default_factory=_forgetting_training)
    learning_rates: dict[ForgettingMethod, float] = Field(
        default_factory=lambda: {"lora": 1e-3, "last_layers": 3e-4})
    # Class-incremental: the shared head starts random and learns at this rate (None: the body's).
    head_learning_rate: float | None = Field(None, gt=0, le=1)
    replay_fraction: float = Field(0.25, gt=0, le=1)  # earlier tasks' rows, as a share of the new task's
    ewc_lambda: float = Field(1000.0, ge=0)
    ewc_sweep: LambdaSweep | None = None  # replaces ewc_lambda with a grid of values
    fisher_rows: int = Field(64, ge=1, le=10_000)
    curve_every: int = Field(4, ge=1, le=100_000)  # steps between evaluations of the first task
    curve_rows: int = Field(64, ge=1, le=10_000)  # rows of the first task evaluated for the curve
    probe_texts: int = Field(32, ge=0, le=2_000)  # general-English perplexity probe; 0: off
    batch_size: int = Field(16, ge=1, le=1024)  # scoring batch

    @field_validator("methods")
    @classmethod
    def _distinct_methods(cls, methods: list[str]) -> list[str]:
        if len(set(methods)) != len(methods):
            raise ValueError("list each method once")
        return methods

    @field_validator("learning_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        bad = [name for name, rate in rates.items() if not 0 < rate <= 1]
        if bad:
            raise ValueError(f"learning rates must be in (0, 1]: {', '.join(bad)}")
        return rates

    @model_validator(mode="after")
    def _distinct_task_names(self) -> "ForgettingSpec":
        labels = [task.label for task in self.tasks]
        if len(set(labels)) != len(labels):
            raise ValueError(
                "two tasks have the same name: give them different `name`s "
                f"(got {', '.join(labels)})")
        if self.training.objective != "label_words":
            raise ValueError("forgetting runs train on the answer words: use objective label_words")
        return self

    @property
    def task_labels(self) -> list[str]:
        return [task.label for task in self.tasks]

    def learning_rate(self, method: str) -> float:
        return self.learning_rates.get(method, self.training.learning_rate)

